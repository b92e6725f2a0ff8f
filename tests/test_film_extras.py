"""A film's trailer and similar films from its Kinopoisk v1.4 document (the recorded movie 476
served by the fake): fetched on the admin's request, shown on the film page as a poster with a
play button (the player is not in the page), the CSP allowing exactly youtube-nocookie.com
frames on that page only; a similar film goes to the library in one click or into a new lottery."""

import copy

import pytest

from movie_lottery.extensions import db
from movie_lottery.models import Film

from .fakes.kinopoisk_api import API_KEY, RECORDED_MOVIE, FakeKinopoisk
from .helpers import ADMIN_PASSWORD, build_app, csrf_token_from


@pytest.fixture
def fake(httpserver):
    return FakeKinopoisk(httpserver)


@pytest.fixture
def site(app, fake):
    """The same database as ``app``, with Kinopoisk on; an admin's client and its CSRF token."""
    kp = build_app(app.config["SQLALCHEMY_DATABASE_URI"], KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=fake.url)
    client = kp.test_client()
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}).status_code == 302
    return kp, client, csrf_token_from(client.get("/").get_data(as_text=True))


def library_film(app, **fields) -> int:
    with app.app_context():
        film = Film(**{"title": "Назад в будущее", "year": 1985, "kinopoisk_id": 476, **fields})
        db.session.add(film)
        db.session.commit()
        return film.id


def test_trailer_and_similar_films_come_from_the_films_kinopoisk_document(app, site, fake):
    kp, client, csrf = site
    fake.serve_film()
    film_id = library_film(app)
    before = client.get(f"/films/{film_id}")
    assert 'id="trailer"' not in before.get_data(as_text=True)
    assert "frame-src" not in before.headers["Content-Security-Policy"]
    assert client.post(f"/admin/films/{film_id}/kinopoisk", data={"csrf_token": csrf}).status_code == 303
    page = client.get(f"/films/{film_id}")
    html = page.get_data(as_text=True)
    assert 'data-embed="https://www.youtube-nocookie.com/embed/ou8w0gQHlRE"' in html and 'id="trailer-play"' in html
    assert "<iframe" not in html and "youtube.com" not in html  # nothing loads from YouTube before the click
    policy = page.headers["Content-Security-Policy"]
    assert policy.endswith("; frame-src https://www.youtube-nocookie.com") and "script-src 'self'" in policy
    assert "Похожие фильмы" in html and "День сурка" in html
    body = client.get(f"/api/films/{film_id}").get_json()
    assert body["trailer_url"] == "https://www.youtube-nocookie.com/embed/ou8w0gQHlRE"
    assert body["similar"][0] == {
        "kinopoisk_id": 527,
        "title": "День сурка",
        "year": 1993,
        "poster_url": RECORDED_MOVIE["similarMovies"][0]["poster"]["previewUrl"],
    }
    with app.app_context():
        assert db.session.get(Film, film_id).length_minutes == 116  # the night's end for the rating request
    english = client.get(f"/films/{film_id}?lang=en").get_data(as_text=True)
    assert "Similar films" in english and "Watch the trailer" in english


def test_a_similar_film_joins_the_library_in_one_click_or_a_new_lottery(app, site, fake):
    kp, client, csrf = site
    fake.serve_film()
    groundhog = {
        **copy.deepcopy(RECORDED_MOVIE),
        "id": 527,
        "name": "День сурка",
        "alternativeName": "Groundhog Day",
        "year": 1993,
        "videos": {"trailers": []},
        "similarMovies": [],
    }
    fake.serve_film(groundhog)
    film_id = library_film(app)
    client.post(f"/admin/films/{film_id}/kinopoisk", data={"csrf_token": csrf})
    added = client.post(f"/admin/films/{film_id}/similar", data={"kinopoisk_id": "527", "csrf_token": csrf})
    assert added.status_code == 303
    with app.app_context():
        new = db.session.query(Film).filter_by(kinopoisk_id=527).one()
        assert (new.title, new.year, new.original_title, new.trailer_url) == ("День сурка", 1993, "Groundhog Day", None)
    assert added.headers["Location"].endswith(f"/films/{new.id}")
    again = client.post(f"/admin/films/{film_id}/similar", data={"kinopoisk_id": "527", "csrf_token": csrf})
    assert again.headers["Location"].endswith(f"/films/{new.id}")  # already there: no duplicate
    assert (
        client.post(f"/admin/films/{film_id}/similar", data={"kinopoisk_id": "1", "csrf_token": csrf}).status_code
        == 400
    )
    home = client.get(f"/?similar=5167&of={film_id}").get_data(as_text=True)  # «Эффект бабочки» into a new lottery
    assert 'value="Эффект бабочки"' in home and 'value="5167"' in home
    visitor = kp.test_client()  # a plain visitor, with a valid CSRF token of their own: the admin guard answers
    html = visitor.get(f"/films/{film_id}").get_data(as_text=True)
    refused = visitor.post(
        f"/admin/films/{film_id}/similar", data={"kinopoisk_id": "5167", "csrf_token": csrf_token_from(html)}
    )
    assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]
    with app.app_context():
        assert db.session.query(Film).filter_by(kinopoisk_id=5167).count() == 0
    assert (
        "В новую лотерею" in html and f"/admin/films/{film_id}/similar" not in html
    )  # the library button is the admin's
