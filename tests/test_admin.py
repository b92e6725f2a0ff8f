from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Film

from .helpers import build_app


def test_login_rejects_a_wrong_password(client, csrf):
    response = client.post("/admin/login", data={"password": "nope", "csrf_token": csrf})
    assert response.status_code == 401
    assert client.get("/admin/films/new").status_code == 302


def test_login_needs_csrf(client):
    assert client.post("/admin/login", data={"password": "whatever"}).status_code == 400


def test_login_redirects_only_to_local_paths(client, csrf):
    from .helpers import ADMIN_PASSWORD

    response = client.post("/admin/login?next=//evil.example/x", data={"password": ADMIN_PASSWORD, "csrf_token": csrf})
    assert response.headers["Location"] == "/library"


def test_admin_adds_edits_and_deletes_films(admin_client, admin_csrf, app):
    bad = admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "", "year": "12"})
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    made = admin_client.post("/admin/films/new", data={
        "csrf_token": admin_csrf, "title": "Сталкер", "year": "1979", "genres": "драма, фантастика", "kinopoisk_id": "43970",
    })
    assert made.status_code == 302
    with app.app_context():
        film = db.session.scalar(select(Film))
        film_id = film.id
        assert film.genres == ["драма", "фантастика"]
    admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "Другой", "kinopoisk_id": "1"})
    clash = admin_client.post(f"/admin/films/{film_id}/edit", data={"csrf_token": admin_csrf, "title": "Сталкер", "kinopoisk_id": "1"})
    assert clash.status_code == 409 and "Кинопоиска" in clash.get_data(as_text=True)
    edited = admin_client.post(f"/admin/films/{film_id}/edit", data={"csrf_token": admin_csrf, "title": "Сталкер (1979)", "year": "1979"})
    assert edited.status_code == 302
    assert "Сталкер (1979)" in admin_client.get("/library?q=сталкер").get_data(as_text=True)
    assert admin_client.post(f"/admin/films/{film_id}/delete", data={"csrf_token": admin_csrf}).status_code == 302
    assert admin_client.post(f"/admin/films/{film_id}/delete", data={"csrf_token": admin_csrf}).status_code == 404


def test_admin_login_is_off_without_a_password(sqlite_url):
    app = build_app(sqlite_url, ADMIN_PASSWORD="")
    html = app.test_client().get("/admin/login").get_data(as_text=True)
    assert "ADMIN_PASSWORD" in html and 'type="password"' not in html
