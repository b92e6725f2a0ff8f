"""What a visitor hits by reloading, switching language or following links (issue 14)."""

import re
from datetime import datetime, timedelta

from .test_pages import form_rows


def test_reloading_the_builder_error_page_shows_the_form(client, csrf):
    failed = client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "один"})})
    assert failed.status_code == 422
    reloaded = client.get("/lotteries")
    assert reloaded.status_code == 302 and reloaded.headers["Location"] == "/"


def test_opening_the_draw_url_shows_the_lottery(client, csrf):
    created = client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "a"}, {"title": "b"})})
    lottery_url = created.headers["Location"]
    opened = client.get(lottery_url + "/draw")
    assert opened.status_code == 302 and opened.headers["Location"] == lottery_url


def test_method_not_allowed_is_a_page_in_the_sites_language(client):
    russian = client.get("/admin/logout")
    assert russian.status_code == 405
    assert "POST" in russian.headers["Allow"]
    html = russian.get_data(as_text=True)
    assert 'lang="ru"' in html and "нельзя открыть по ссылке" in html and "Method Not Allowed" not in html
    english = client.get("/admin/logout?lang=en")
    assert english.status_code == 405 and "go back to the home page" in english.get_data(as_text=True)
    api = client.get("/api/library/1/download")
    assert api.status_code == 405 and api.get_json()["error"]["code"] == "method_not_allowed"


def test_language_switch_returns_to_a_page_that_can_be_opened(client):
    host = "http://localhost"
    cases = {
        host + "/library?sort=title": "/library?sort=title",
        host + "/history?lang=en&cursor=abc": "/history?cursor=abc",  # ?lang= would override the choice
        host + "/admin/logout": "/",  # POST only
        host + "/no/such/page": "/",
        "https://evil.example/library": "/",
    }
    for referrer, expected in cases.items():
        switched = client.get("/lang/ru", headers={"Referer": referrer})
        assert switched.status_code == 302
        assert switched.headers["Location"] == expected, referrer


def test_share_links_on_the_page_use_site_url_not_the_forged_host(sqlite_app):
    client = sqlite_app(SITE_URL="https://kino.example.com").test_client()
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    created = client.post(
        "/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}, headers=forged
    ).get_json()
    html = client.get(f"/l/{created['id']}", headers=forged).get_data(as_text=True)
    share = f"https://kino.example.com/l/{created['id']}"
    assert f'value="{share}"' in html
    assert "url=https%3A//kino.example.com/l/" in html or "url=https%3A%2F%2Fkino.example.com%2Fl%2F" in html
    assert "evil.example" not in html


def test_accept_language_is_honoured_until_a_choice_is_made(client):
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,de;q=0.5"})
    assert 'lang="en"' in english.get_data(as_text=True)
    assert {"Accept-Language", "Cookie"} <= set(english.headers["Vary"].replace(" ", "").split(","))
    assert 'lang="ru"' in client.get("/", headers={"Accept-Language": "de-DE,ru;q=0.8"}).get_data(as_text=True)
    assert 'lang="ru"' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    client.get("/lang/ru")  # the visitor chose: the cookie wins over the browser
    assert 'lang="ru"' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)


def test_genres_are_shown_in_the_pages_language_and_filter_by_the_stored_value(admin_client, admin_csrf):
    from movie_lottery.services.library import KNOWN_GENRES
    from movie_lottery.web.presenters import GENRE_NAMES

    assert set(GENRE_NAMES) == set(KNOWN_GENRES)
    admin_client.post(
        "/api/library",
        json={"title": "Сталкер", "genres": ["драма", "фантастика"]},
        headers={"X-CSRFToken": admin_csrf},
    )
    english = admin_client.get("/library?lang=en&genre=драма").get_data(as_text=True)
    assert "drama, sci-fi" in english and '<option value="драма" selected>drama</option>' in english
    assert "Сталкер" in english
    assert "драма, фантастика" in admin_client.get("/library").get_data(as_text=True)


def test_login_redirect_has_no_stray_question_mark(client):
    bare = client.get("/admin/films/new")
    assert bare.headers["Location"] == "/admin/login?next=/admin/films/new"
    with_query = client.get("/admin/films/new?x=1")
    assert with_query.headers["Location"] == "/admin/login?next=/admin/films/new?x%3D1"


def test_history_times_are_machine_readable_with_a_utc_fallback(client, csrf, app):
    from movie_lottery.models import Lottery
    from movie_lottery.extensions import db
    from sqlalchemy import select

    client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "a"}, {"title": "b"})})
    with app.app_context():
        created = db.session.scalar(select(Lottery)).created_at
    html = client.get("/history").get_data(as_text=True)
    match = re.search(r'<time class="local-time" datetime="([^"]+)">([^<]+)</time>', html)
    assert match, "no <time> in the history"
    stamp = datetime.fromisoformat(match.group(1))
    assert stamp.utcoffset() == timedelta(0)
    assert abs(stamp.replace(tzinfo=None) - created.replace(tzinfo=None)) < timedelta(seconds=1)
    assert match.group(2) == stamp.strftime("%d.%m.%Y %H:%M") + " UTC"
    assert "/static/local_time.js" in html


def test_library_cards_link_to_kinopoisk_in_the_pages_language(admin_client, admin_csrf):
    headers = {"X-CSRFToken": admin_csrf}
    for title, kinopoisk_id in (("Сталкер", 43377), ("Зеркало", 43376), ("Без ссылки", None)):
        body = {"title": title, **({"kinopoisk_id": kinopoisk_id} if kinopoisk_id else {})}
        assert admin_client.post("/api/library", json=body, headers=headers).status_code == 201
    for lang, label in (("ru", "Кинопоиск"), ("en", "Kinopoisk")):
        html = admin_client.get(f"/library?lang={lang}").get_data(as_text=True)
        links = re.findall(r'<a class="kp" href="https://www.kinopoisk.ru/film/(\d+)/"[^>]*>([^<]+)</a>', html)
        assert sorted(links) == [("43376", label), ("43377", label)]
