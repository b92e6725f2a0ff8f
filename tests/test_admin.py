import io

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
    made = admin_client.post(
        "/admin/films/new",
        data={
            "csrf_token": admin_csrf,
            "title": "Сталкер",
            "year": "1979",
            "genres": "драма, фантастика",
            "kinopoisk_id": "43970",
        },
    )
    assert made.status_code == 302
    with app.app_context():
        film = db.session.scalar(select(Film))
        film_id = film.id
        assert film.genres == ["драма", "фантастика"]
    admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "Другой", "kinopoisk_id": "1"})
    clash = admin_client.post(
        f"/admin/films/{film_id}/edit", data={"csrf_token": admin_csrf, "title": "Сталкер", "kinopoisk_id": "1"}
    )
    assert clash.status_code == 409 and "Кинопоиска" in clash.get_data(as_text=True)
    edited = admin_client.post(
        f"/admin/films/{film_id}/edit", data={"csrf_token": admin_csrf, "title": "Сталкер (1979)", "year": "1979"}
    )
    assert edited.status_code == 302
    assert "Сталкер (1979)" in admin_client.get("/library?q=сталкер").get_data(as_text=True)
    assert admin_client.post(f"/admin/films/{film_id}/delete", data={"csrf_token": admin_csrf}).status_code == 302
    assert admin_client.post(f"/admin/films/{film_id}/delete", data={"csrf_token": admin_csrf}).status_code == 404


def test_admin_login_is_off_without_a_password(sqlite_url):
    app = build_app(sqlite_url, ADMIN_PASSWORD="")
    html = app.test_client().get("/admin/login").get_data(as_text=True)
    assert "ADMIN_PASSWORD" in html and 'type="password"' not in html


def test_magnet_forms_show_errors_in_the_page(admin_client, admin_csrf, app):
    admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "Магнитный"})
    with app.app_context():
        film_id = db.session.scalar(select(Film.id))
    edit_url = f"/admin/films/{film_id}/edit"

    def refused(response, message):
        """A refused download action: back to the film's page (PRG) with the real message on top."""
        assert response.status_code == 303 and response.headers["Location"] == edit_url
        page = admin_client.get(edit_url).get_data(as_text=True)
        top = page.split("<main")[1].split("<section")[0]
        assert message in top and "Проверьте отмеченные поля." not in page, top
        return page

    page = refused(
        admin_client.post(
            f"/admin/films/{film_id}/magnet", data={"csrf_token": admin_csrf, "magnet": "http://x/y.torrent"}
        ),
        "magnet:?",
    )
    assert ">http://x/y.torrent</textarea>" in page  # what was typed comes back once
    assert "http://x/y.torrent</textarea>" not in admin_client.get(edit_url).get_data(as_text=True)
    refused(
        admin_client.post(
            f"/admin/films/{film_id}/torrent",
            data={"csrf_token": admin_csrf, "torrent": (io.BytesIO(b"junk"), "x.torrent")},
        ),
        ".torrent",
    )
    refused(
        admin_client.post(
            f"/admin/films/{film_id}/torrent",
            data={"csrf_token": admin_csrf, "torrent": (io.BytesIO(b"d" * (3 * 1024 * 1024)), "x.torrent")},
        ),
        "Файл .torrent больше 2 МиБ.",
    )
    magnet = "magnet:?xt=urn:btih:" + "ab" * 20
    assert (
        admin_client.post(
            f"/admin/films/{film_id}/magnet", data={"csrf_token": admin_csrf, "magnet": magnet}
        ).status_code
        == 303
    )
    page = admin_client.get(edit_url).get_data(as_text=True)
    assert "ab" * 20 in page and "QBIT_HOST" in page  # no send button without qBittorrent
    refused(admin_client.post(f"/admin/films/{film_id}/download", data={"csrf_token": admin_csrf}), "QBIT_HOST")
    library = admin_client.get("/library").get_data(as_text=True)
    assert 'data-info-hash="' + "ab" * 20 in library
    assert "ab" * 20 not in admin_client.application.test_client().get("/library").get_data(as_text=True)


def test_deleting_a_film_asks_first(admin_client, admin_csrf, app):
    admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "Сталкер"})
    with app.app_context():
        film_id = db.session.scalar(select(Film.id))
    library = admin_client.get("/library").get_data(as_text=True)
    assert f"/admin/films/{film_id}/delete" not in library  # not beside "Изменить" any more
    edit = admin_client.get(f"/admin/films/{film_id}/edit").get_data(as_text=True)
    assert f'href="/admin/films/{film_id}/delete"' in edit
    confirm = admin_client.get(f"/admin/films/{film_id}/delete")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Удалить фильм «Сталкер»?" in html and 'name="csrf_token"' in html
    with app.app_context():
        assert db.session.get(Film, film_id) is not None  # asking deletes nothing
    assert "Delete “Сталкер”?" in admin_client.get(f"/admin/films/{film_id}/delete?lang=en").get_data(as_text=True)
    assert admin_client.post(f"/admin/films/{film_id}/delete", data={"csrf_token": admin_csrf}).status_code == 302
    with app.app_context():
        assert db.session.get(Film, film_id) is None


def test_torrent_states_are_shown_in_words(admin_client, admin_csrf, app):
    states = {
        "metaDL": (0.37, "загружается 37 %", "downloading 37 %"),
        "stalledUP": (1.0, "скачан", "downloaded"),
        "pausedDL": (0.5, "на паузе", "paused"),
        "missingFiles": (0.2, "ошибка", "error"),
        "queuedDL": (0.0, "в очереди", "queued"),
        "checkingResumeData": (0.9, "проверка", "checking"),
    }
    with app.app_context():
        for index, (state, (progress, _ru, _en)) in enumerate(states.items()):
            db.session.add(
                Film(title=f"Фильм {index}", info_hash=f"{index:040x}", torrent_state=state, torrent_progress=progress)
            )
        db.session.add(Film(title="Не отправлен", info_hash="f" * 40))
        db.session.commit()
    russian = admin_client.get("/library").get_data(as_text=True)
    english = admin_client.get("/library?lang=en").get_data(as_text=True)
    for state, (_progress, ru, en) in states.items():
        assert f'<span class="torrent-badge">{ru}</span>' in russian, state
        assert f'<span class="torrent-badge">{en}</span>' in english, state
    assert "metaDL" not in russian and "stalledUP" not in russian
    assert '<span class="torrent-badge">ещё не отправлен</span>' in russian
    api = admin_client.get("/api/torrents").get_json()["torrents"]
    assert api[f"{0:040x}"]["label"] == "загружается 37 %" and api[f"{0:040x}"]["state"] == "metaDL"
    assert (
        admin_client.get("/api/torrents", headers={"Accept-Language": "en"}).get_json()["torrents"]["f" * 40]["label"]
        == "not sent yet"
    )
