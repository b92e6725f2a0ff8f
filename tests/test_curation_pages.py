"""Admin curation and sharing through the pages: badges, bans in the builder, deleting a lottery
with a confirmation step, marking the winner watched, builder prefill, link previews and the QR code."""

import io
import re
from datetime import date, datetime, timedelta, timezone
from unittest import mock

import pytest
import segno
from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Film

from movie_lottery.services import library
from movie_lottery.services.lotteries import lottery

from .helpers import (
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
    BANNED_UNTIL,
    build_app,
    csrf_token_from,
    empty_all_tables,
    run_page_snippet,
    site_today,
)

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def add_film(client, **film):
    return client.post("/api/library", json=film, headers=ADMIN).get_json()["film"]


def create(client, *titles, **extra):
    body = {"entries": [{"title": t, **extra} for t in titles]}
    response = client.post("/api/lotteries", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def builder_form(csrf, *titles, mode="single"):
    return {
        "csrf_token": csrf,
        "title": "",
        "mode": mode,
        "entry-title": list(titles),
        "entry-weight": ["1"] * len(titles),
    }


def test_admin_sets_badges_in_the_library_and_filters_by_them(admin_client, admin_csrf):
    film = add_film(admin_client, title="Сталкер", year=1979)
    add_film(admin_client, title="Солярис", year=1972)
    form = {
        "csrf_token": admin_csrf,
        "watched": "1",
        "watched_on": "2026-11-20",
        "favourite": "1",
        "banned_until": "",
        "next": "/library",
    }
    response = admin_client.post(f"/admin/films/{film['id']}/badges", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/library")
    for badge in ("watched", "favourite"):
        html = admin_client.get(f"/library?badge={badge}").get_data(as_text=True)
        assert "Сталкер" in html and "Солярис" not in html
    assert 'data-badge="watched"' in admin_client.get("/library").get_data(as_text=True)
    assert "Солярис" not in admin_client.get("/library?badge=watchlist").get_data(as_text=True)
    assert admin_client.get("/library?badge=bogus").status_code == 400
    bad = admin_client.post(
        f"/admin/films/{film['id']}/badges", data={**form, "watched_on": "20.11.2026"}, follow_redirects=True
    )
    assert "Неверная дата" in bad.get_data(as_text=True)


def test_badges_form_is_admin_only(client, csrf):
    film = add_film(client, title="Зеркало")
    response = client.post(f"/admin/films/{film['id']}/badges", data={"csrf_token": csrf, "favourite": "1"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get("/api/library?badge=favourite").get_json()["items"] == []


def test_builder_refuses_a_banned_film_with_its_name_and_date(client, csrf):
    until = site_today() + timedelta(days=10)
    film = add_film(client, title="Андрей Рублёв", year=1966)
    client.patch(f"/api/library/{film['id']}/badges", json={"banned_until": until.isoformat()}, headers=ADMIN)
    response = client.post("/lotteries", data=builder_form(csrf, "Иваново детство", "андрей рублёв"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "«Андрей Рублёв» нельзя добавить" in html and str(until.year) in html
    assert 'value="андрей рублёв"' in html  # the form keeps what was typed


def test_builder_creates_an_eliminate_mode_lottery(client, csrf, app):
    response = client.post("/lotteries", data=builder_form(csrf, "A", "B", "C", mode="eliminate"))
    assert response.status_code == 302
    public_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/api/lotteries/{public_id}").get_json()["mode"] == "eliminate"
    client.post(f"/l/{public_id}/draw", data={"csrf_token": csrf})
    html = client.get(f"/l/{public_id}").get_data(as_text=True)
    drawn = client.get(f"/api/lotteries/{public_id}").get_json()
    rounds = re.findall(r'<li data-position="(\d+)">', html.split('id="eliminations"')[1].split("</ol>")[0])
    assert [int(p) for p in rounds] == drawn["eliminated"] and len(rounds) == 2
    printed = run_page_snippet(html)  # the page's own snippet, run as printed, verifies the draw
    assert printed[-1] == f"winner # {drawn['winner']['position'] + 1}"
    assert html.count("is-out") == 2
    assert client.post("/lotteries", data=builder_form(csrf, "A", "B", mode="chaos")).status_code == 422


def test_deleting_a_lottery_asks_first_and_needs_post_with_csrf(admin_client, admin_csrf, app):
    created = create(admin_client, "One", "Two")
    page = admin_client.get(f"/l/{created['id']}").get_data(as_text=True)
    assert f"/admin/lotteries/{created['id']}/delete" in page
    confirm = admin_client.get(f"/admin/lotteries/{created['id']}/delete")
    assert confirm.status_code == 200 and 'id="confirm"' in confirm.get_data(as_text=True)
    assert admin_client.get(f"/api/lotteries/{created['id']}").status_code == 200  # GET deleted nothing
    assert admin_client.post(f"/admin/lotteries/{created['id']}/delete").status_code == 400  # no CSRF token
    done = admin_client.post(f"/admin/lotteries/{created['id']}/delete", data={"csrf_token": admin_csrf})
    assert done.status_code == 302 and done.headers["Location"].endswith("/history")
    assert admin_client.get(f"/api/lotteries/{created['id']}").status_code == 404
    assert admin_client.get(f"/admin/lotteries/{created['id']}/delete").status_code == 404


def test_delete_lottery_is_admin_only(client, csrf):
    created = create(client, "One", "Two")
    assert "/delete" not in client.get(f"/l/{created['id']}").get_data(as_text=True)
    response = client.post(f"/admin/lotteries/{created['id']}/delete", data={"csrf_token": csrf})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get(f"/api/lotteries/{created['id']}").status_code == 200


def test_mark_the_winner_watched_in_one_click(admin_client, admin_csrf, app):
    created = create(admin_client, "Один", "Два")
    admin_client.post(f"/api/lotteries/{created['id']}/draw")
    page = admin_client.get(f"/l/{created['id']}").get_data(as_text=True)
    assert 'id="mark-watched"' in page
    response = admin_client.post(f"/admin/lotteries/{created['id']}/watched", data={"csrf_token": admin_csrf})
    assert response.status_code == 302
    with app.app_context():
        film = db.session.scalar(select(Film))
        assert film.watched_on == site_today()
    page = admin_client.get(f"/l/{created['id']}").get_data(as_text=True)
    assert 'id="mark-watched"' not in page and "chip-watched" in page


@pytest.mark.parametrize(
    ("zone", "now", "group_day"),
    [
        (
            "Pacific/Kiritimati",
            datetime(2026, 3, 10, 12, tzinfo=timezone.utc),
            date(2026, 3, 11),
        ),  # UTC+14: tomorrow there
        (
            "Pacific/Pago_Pago",
            datetime(2026, 3, 10, 5, tzinfo=timezone.utc),
            date(2026, 3, 9),
        ),  # UTC-11: still yesterday
    ],
)
def test_bans_and_the_watched_day_follow_the_groups_calendar_not_utc_nor_the_machines(app, zone, now, group_day):
    """The day is the group's (SITE_TIMEZONE): a ban "until 9 March inclusive" ends at midnight
    in the group's zone, and a film marked watched is watched on the group's date."""
    site = build_app(app.config["SQLALCHEMY_DATABASE_URI"], SITE_TIMEZONE=zone)
    admin = site.test_client()
    token = csrf_token_from(admin.get("/admin/login").get_data(as_text=True))
    assert admin.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}).status_code == 302
    token = csrf_token_from(admin.get("/").get_data(as_text=True))
    film = add_film(admin, title="Зеркало", year=1975)
    entries = {"entries": [{"title": "Другой"}, {"title": "Зеркало", "year": 1975}]}
    with mock.patch("movie_lottery.models.utcnow", return_value=now):
        for last_day, status in ((group_day, 422), (group_day - timedelta(days=1), 201)):
            badges = {"banned_until": last_day.isoformat()}
            assert admin.patch(f"/api/library/{film['id']}/badges", json=badges, headers=ADMIN).status_code == 200
            assert admin.post("/api/lotteries", json=entries).status_code == status, (last_day, status)
        drawn = create(admin, "Сталкер", "Солярис")
        admin.post(f"/api/lotteries/{drawn['id']}/draw")
        assert admin.post(f"/admin/lotteries/{drawn['id']}/watched", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        winner = db.session.scalar(select(Film).where(Film.watched_on.is_not(None)))
        assert winner.watched_on == group_day


def test_new_lottery_from_these_films_and_again_without_the_winner(client, csrf):
    created = create(client, "A", "B", "C", weight=2)
    drawn = client.post(f"/api/lotteries/{created['id']}/draw").get_json()
    prefilled = client.get(f"/?source={created['id']}").get_data(as_text=True)
    assert re.findall(r'name="entry-title"[^>]*value="([^"]*)"', prefilled) == ["A", "B", "C"]
    without = client.get(f"/?source={created['id']}&without=winner").get_data(as_text=True)
    assert drawn["winner"]["title"] not in re.findall(r'name="entry-title"[^>]*value="([^"]*)"', without)
    again = client.post(f"/l/{created['id']}/again", data={"csrf_token": csrf})
    assert again.status_code == 302
    new_id = again.headers["Location"].rsplit("/", 1)[1]
    body = client.get(f"/api/lotteries/{new_id}").get_json()
    assert [e["title"] for e in body["entries"]] == [t for t in "ABC" if t != drawn["winner"]["title"]]
    assert all(e["weight"] == 2 for e in body["entries"])
    assert client.get("/?source=nope").status_code == 404


def test_draw_again_needs_enough_films_left(client, csrf):
    created = create(client, "A", "B")
    client.post(f"/api/lotteries/{created['id']}/draw")
    response = client.post(f"/l/{created['id']}/again", data={"csrf_token": csrf}, follow_redirects=True)
    assert "слишком мало фильмов" in response.get_data(as_text=True)


def test_lottery_from_the_watchlist(client):
    alien = add_film(client, title="Чужой", year=1979)
    add_film(client, title="Нечто", year=1982)
    client.patch(f"/api/library/{alien['id']}/badges", json={"watchlist": True}, headers=ADMIN)
    html = client.get("/?source=watchlist").get_data(as_text=True)
    assert re.findall(r'name="entry-title"[^>]*value="([^"]*)"', html) == ["Чужой"]
    assert 'id="lottery-from-watchlist"' in client.get("/library?badge=watchlist").get_data(as_text=True)
    assert 'id="banned-left-out"' not in html


def test_a_lottery_from_the_watchlist_leaves_banned_films_out_and_says_so(client):
    films = [
        add_film(client, title=title, year=1979 + i) for i, title in enumerate(["Чужой", "Сталкер", "Зеркало", "Нечто"])
    ]
    for film in films:
        client.patch(f"/api/library/{film['id']}/badges", json={"watchlist": True}, headers=ADMIN)
    for film in films[1:3]:
        client.patch(f"/api/library/{film['id']}/badges", json={"banned_until": BANNED_UNTIL}, headers=ADMIN)
    html = client.get("/?source=watchlist").get_data(as_text=True)
    assert re.findall(r'name="entry-title"[^>]*value="([^"]*)"', html) == ["Чужой", "Нечто"]
    assert "2 фильма из списка сейчас в бане" in html
    assert "2 films of the list are banned now" in client.get("/?source=watchlist&lang=en").get_data(as_text=True)
    waiting = client.get("/stats").get_data(as_text=True).split('id="waiting"')[1].split("</section>")[0]
    assert "Чужой" in waiting and "Нечто" in waiting and "Сталкер" not in waiting and "Зеркало" not in waiting
    # A lottery as the source: its banned film is left out of "the same films again" too.
    made = client.post(
        "/api/lotteries", json={"entries": [{"title": "Чужой"}, {"title": "Нечто"}, {"title": "Прочее"}]}
    ).get_json()
    client.patch(f"/api/library/{films[0]['id']}/badges", json={"banned_until": BANNED_UNTIL}, headers=ADMIN)
    again = client.get(f"/?source={made['id']}").get_data(as_text=True)
    assert (
        re.findall(r'name="entry-title"[^>]*value="([^"]*)"', again) == ["Нечто", "Прочее"]
        and "1 фильм из списка" in again
    )


def meta(html, key):
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return match and match.group(1)


def test_link_preview_tags_use_absolute_urls(sqlite_url):
    app = build_app(sqlite_url, SITE_URL="https://kino.example.com")
    client = app.test_client()
    try:
        body = {
            "title": "Пятница",
            "entries": [{"title": "Без постера"}, {"title": "Сталкер", "poster_url": "https://img.example/s.jpg"}],
        }
        created = client.post("/api/lotteries", json=body).get_json()
        html = client.get(f"/l/{created['id']}").get_data(as_text=True)
        assert meta(html, "og:url") == f"https://kino.example.com/l/{created['id']}"
        assert meta(html, "og:image") == "https://img.example/s.jpg"  # the first poster
        assert "Сталкер" in meta(html, "og:description") and "Пятница" in meta(html, "og:title")
        assert meta(html, "twitter:card") == "summary_large_image"
        assert meta(html, "twitter:image") == "https://img.example/s.jpg"
        with app.app_context():  # the demo data's posters are site-relative
            demo = lottery.create_lottery(
                db.session,
                None,
                [
                    lottery.EntryData(film=library.FilmData(title=t, poster_url=f"/static/demo/poster-{i}.svg"))
                    for i, t in enumerate("AB", 1)
                ],
            )
            db.session.commit()
            demo_id = demo.public_id
        client.post(f"/api/lotteries/{demo_id}/draw")
        drawn = client.get(f"/api/lotteries/{demo_id}").get_json()
        html = client.get(f"/l/{demo_id}").get_data(as_text=True)
        assert drawn["winner"]["title"] in meta(html, "og:description")
        assert (
            meta(html, "og:image") == "https://kino.example.com" + drawn["winner"]["poster_url"]
        )  # the winner's poster
    finally:
        with app.app_context():
            empty_all_tables()


def test_relative_posters_use_the_request_root_without_site_url(app, client):
    with app.app_context():
        created = lottery.create_lottery(
            db.session,
            None,
            [lottery.EntryData(film=library.FilmData(title=t, poster_url="/static/demo/poster-1.svg")) for t in "ab"],
        )
        db.session.commit()
        public_id = created.public_id
    html = client.get(f"/l/{public_id}", base_url="https://movies.example.org").get_data(as_text=True)
    assert meta(html, "og:url") == f"https://movies.example.org/l/{public_id}"
    assert meta(html, "og:image") == "https://movies.example.org/static/demo/poster-1.svg"


def test_qr_code_encodes_the_share_link(sqlite_url):
    app = build_app(sqlite_url, SITE_URL="https://kino.example.com")
    client = app.test_client()
    try:
        created = client.post("/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}).get_json()
        response = client.get(f"/l/{created['id']}/qr.svg")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert {"Accept-Language", "Cookie"} <= set(response.vary)  # cached per language: its <title> is translated
        expected = segno.make(f"https://kino.example.com/l/{created['id']}", error="m")
        svg = response.get_data(as_text=True)
        assert svg.startswith("<svg") and "viewBox" in svg
        assert re.search(r' d="([^"]+)"', svg.split('class="qrline"')[1]).group(1) == _path_of(expected)
        assert client.get("/l/nope/qr.svg").status_code == 404
        assert f"/l/{created['id']}/qr.svg" in client.get(f"/l/{created['id']}").get_data(as_text=True)
    finally:
        with app.app_context():
            empty_all_tables()


def _path_of(qr) -> str:
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=10, border=2)
    return re.search(r' d="([^"]+)"', out.getvalue().decode().split('class="qrline"')[1]).group(1)
