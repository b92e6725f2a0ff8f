"""Poll pages through the Flask test client on SQLite and Postgres: creating a poll from
the lottery builder, the ballot page, voting and suggesting with plain forms."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import Poll, utcnow

from .helpers import build_app, empty_all_tables
from .test_polls_api import bearer, create, vote


def builder_form(csrf, *titles, **extra):
    form = {
        "csrf_token": csrf,
        "title": "Пятница",
        "entry-title": list(titles),
        "entry-year": [""] * len(titles),
        "entry-weight": ["5"] * len(titles),
    }
    form.update(extra)
    return form


def test_the_builder_offers_a_poll(client):
    html = client.get("/").get_data(as_text=True)
    assert 'formaction="/polls"' in html and 'name="closes_in_minutes"' in html
    assert 'name="allow_suggestions"' in html and 'name="hide_results"' in html


def test_creating_from_the_builder_shows_the_management_link_once(app, client, csrf):
    response = client.post(
        "/polls",
        data=builder_form(
            csrf, "Сталкер", "Солярис", closes_in_minutes="15", allow_suggestions="on", hide_results="on"
        ),
    )
    assert response.status_code == 303  # Post/Redirect/Get: a reload cannot make a second poll
    created_url = response.headers["Location"]
    assert re.fullmatch(r"/p/[\w-]+/created", created_url)
    html = client.get(created_url).get_data(as_text=True)
    match = re.search(r'value="(http://localhost/p/([\w-]+)/manage#([\w-]+))"', html)
    assert match, html
    _link, public_id, token = match.groups()
    assert f'value="http://localhost/p/{public_id}"' in html
    assert "https://t.me/share/url?url=http%3A//localhost/p/" + public_id in html
    with app.app_context():
        poll = db.session.scalar(select(Poll))
        assert (
            poll.allow_suggestions and poll.hide_results and [e.title for e in poll.entries] == ["Сталкер", "Солярис"]
        )
        assert 14 < (poll.ends_at() - utcnow()).total_seconds() / 60 <= 15
    # The creator's reload and language switch still show the link; nobody else sees it.
    assert token in client.get(created_url).get_data(as_text=True)
    switched = client.get("/lang/en", headers={"Referer": "http://localhost" + created_url})
    assert switched.headers["Location"] == created_url
    english = client.get(created_url)
    assert token in english.get_data(as_text=True) and "The poll is ready" in english.get_data(as_text=True)
    assert "no-store" in english.headers["Cache-Control"]
    stranger = app.test_client().get(created_url)
    assert stranger.status_code == 302 and stranger.headers["Location"] == f"/p/{public_id}"
    with app.app_context():
        assert len(db.session.scalars(select(Poll)).all()) == 1
    assert client.post(f"/api/polls/{public_id}/close", headers=bearer(token)).status_code == 200
    assert token not in client.get(f"/p/{public_id}/manage").get_data(as_text=True)  # never shown again


def test_the_management_link_is_remembered_only_for_a_while(app, client, csrf, monkeypatch):
    from movie_lottery.web.polls import pages as polls_pages

    created_url = client.post("/polls", data=builder_form(csrf, "Сталкер", "Солярис")).headers["Location"]
    assert client.get(created_url).status_code == 200
    monkeypatch.setattr(polls_pages.time, "time", lambda: polls_pages.REMEMBER_SECONDS + 2e10)
    assert client.get(created_url).status_code == 302
    assert client.get("/polls").headers["Location"] == "/"


def test_builder_errors_are_shown_in_the_page_language(client, csrf):
    response = client.post("/polls", data=builder_form(csrf, "Один"))
    assert response.status_code == 422
    assert "Не получилось создать голосование" in response.get_data(as_text=True)
    assert "В голосовании должно быть от 2 до 25 фильмов, а сейчас 1." in response.get_data(as_text=True)
    english = client.post("/polls?lang=en", data=builder_form(csrf, *[f"F{i}" for i in range(26)]))
    assert english.status_code == 422 and "A poll needs 2 to 25 films; it has 26." in english.get_data(as_text=True)
    bad_time = client.post("/polls", data=builder_form(csrf, "A", "B", closes_in_minutes="1"))
    assert bad_time.status_code == 422 and "от 5 минут до 7 дней" in bad_time.get_data(as_text=True)
    no_token = client.post("/polls", data={k: v for k, v in builder_form(csrf, "A", "B").items() if k != "csrf_token"})
    assert no_token.status_code == 400


def test_a_banned_film_is_named_in_the_builder(app, client, csrf):
    from movie_lottery.services.library import badges
    from movie_lottery.services import library

    with app.app_context():
        film, _ = library.add_film(db.session, library.FilmData(title="Плохой", year=2001))
        badges.set_badges(film, banned_until=(utcnow() + timedelta(days=3)).date())
        db.session.commit()
    response = client.post("/polls", data=builder_form(csrf, "Хороший", "Плохой"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Не получилось создать голосование" in html and "«Плохой» нельзя добавить" in html


def test_the_poll_page_sets_the_voter_cookie_and_has_link_previews(app, client):
    poll = create(
        client,
        title="Тарковский",
        entries=[{"title": "Сталкер", "poster_url": "https://img.example/s.jpg"}, {"title": "Солярис"}],
    )
    visitor = app.test_client()
    html = visitor.get(f"/p/{poll['id']}").get_data(as_text=True)
    assert visitor.get_cookie("voter") is not None
    assert '<meta property="og:title" content="🗳 Тарковский — Кинолотерея">' in html
    assert '<meta property="og:image" content="https://img.example/s.jpg">' in html
    assert '<meta name="twitter:image" content="https://img.example/s.jpg">' in html
    assert f'<meta property="og:url" content="http://localhost/p/{poll["id"]}">' in html
    assert "Сталкер, Солярис" in html and "https://t.me/share/url?url=" in html
    assert html.count('class="vote-button"') == 2


def test_poll_previews_make_site_posters_absolute(sqlite_url):
    """Messengers fetch og:image on their own: a demo poster's /static/ path needs the site's address."""
    app = build_app(sqlite_url, SITE_URL="https://kino.example.com")
    client = app.test_client()
    try:
        poll = create(
            client, entries=[{"title": "Брат", "poster_url": "/static/demo/poster-1.svg"}, {"title": "Брат 2"}]
        )
        html = client.get(f"/p/{poll['id']}").get_data(as_text=True)
        assert '<meta property="og:image" content="https://kino.example.com/static/demo/poster-1.svg">' in html
        assert f'<meta property="og:url" content="https://kino.example.com/p/{poll["id"]}">' in html
    finally:
        with app.app_context():
            empty_all_tables()


def test_voting_with_the_plain_form(app, client, csrf):
    poll = create(client)
    entry = poll["entries"][1]["id"]
    response = client.post(f"/p/{poll['id']}/vote", data={"csrf_token": csrf, "entry_id": str(entry)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/{poll['id']}")
    html = client.get(f"/p/{poll['id']}").get_data(as_text=True)
    assert f'class="ballot-entry is-mine is-leader" data-entry-id="{entry}"' in html
    assert client.get(f"/api/polls/{poll['id']}").get_json()["my_vote"] == entry  # same device via the API
    unknown = client.post(
        f"/p/{poll['id']}/vote", data={"csrf_token": csrf, "entry_id": "999999"}, follow_redirects=True
    )
    assert "Такого фильма в голосовании нет." in unknown.get_data(as_text=True)


def test_a_closed_poll_is_read_only_and_names_the_seeds_winner_of_a_tie(app, client, csrf):
    poll = create(client)
    vote(client, poll, 0)
    vote(app.test_client(), poll, 2)
    with app.app_context():
        db.session.execute(
            update(Poll).where(Poll.public_id == poll["id"]).values(closes_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    closed = client.get(f"/api/polls/{poll['id']}").get_json()
    html = client.get(f"/p/{poll['id']}?lang=en").get_data(as_text=True)
    assert html.count('class="vote-button" disabled') == 3
    winner = {e["id"]: e["title"] for e in closed["entries"]}[closed["result"]["winner"]]
    assert winner in ("Сталкер", "Зеркало")
    assert re.search(rf'<h2 id="winner">🏆 Winner: <span class="winner-names">{winner}</span>', html)
    assert 'id="tie-broken"' in html and "tie broken by the seed" in html and "Tie:" not in html
    late = client.post(
        f"/p/{poll['id']}/vote",
        data={"csrf_token": csrf, "entry_id": str(poll["entries"][1]["id"])},
        follow_redirects=True,
    )
    assert "Голосование уже закрыто." in late.get_data(as_text=True)


def test_hidden_results_on_the_page(app, client):
    poll = create(client, hide_results=True)
    vote(app.test_client(), poll, 0)
    html = client.get(f"/p/{poll['id']}").get_data(as_text=True)
    assert '<p id="hidden-note" class="banner" >' in html
    assert html.count('<div class="results" hidden>') == 3


def test_suggesting_a_film_with_the_form(app, client, csrf):
    poll = create(client, allow_suggestions=True)
    assert 'id="suggest-form"' in client.get(f"/p/{poll['id']}").get_data(as_text=True)
    html = client.post(
        f"/p/{poll['id']}/suggest",
        data={"csrf_token": csrf, "title": "Моё кино", "year": "2001"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Фильм «Моё кино» добавлен в голосование." in html  # a confirmation
    assert "Моё кино" in html and 'id="suggest-form"' not in html  # one per voter
    again = client.post(f"/p/{poll['id']}/suggest", data={"csrf_token": csrf, "title": "Ещё"}, follow_redirects=True)
    assert "Вы уже предложили фильм" in again.get_data(as_text=True)


def test_the_management_page_needs_the_key_from_the_link(client):
    poll = create(client)
    html = client.get(f"/p/{poll['id']}/manage").get_data(as_text=True)
    assert 'id="manage"' in html and 'id="manage-no-token"' in html
    assert 'id="manage"' not in client.get(f"/p/{poll['id']}").get_data(as_text=True)
    assert client.get("/p/nope").status_code == 404
