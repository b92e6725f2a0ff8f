"""Every message a person reads is a sentence in the page's language that names the field as
the form labels it (issue 14): validation, magnets, .torrent, rate limits, 413, plurals."""

import io
import re

from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Film

from .helpers import ADMIN_TOKEN, BANNED_UNTIL
from .test_pages import form_rows

FIVE_MIB = 5 * 1024 * 1024


def builder_errors(client, csrf, *rows, lang=""):
    response = client.post("/lotteries" + lang, data={"csrf_token": csrf, **form_rows(*rows)})
    assert response.status_code == 422
    return response.get_data(as_text=True)


def test_builder_errors_are_sentences_in_the_pages_language(client, csrf):
    html = builder_errors(client, csrf, {"title": "Брат"})
    assert "Нужно от 2 до 100 фильмов, а сейчас 1." in html
    html = builder_errors(
        client, csrf, {"title": "Брат"}, {"title": "Сталкер", "year": "abc", "poster_url": "ftp://x", "weight": "0"}
    )
    assert "Фильм №2: «Год» — должно быть числом от 1888 до 2100" in html
    assert (
        "Фильм №2: «Постер (URL)» — нужна ссылка, которая начинается с http:// или https:// (или путь /static/…)"
        in html
    )
    assert "Фильм №2: «Вес» — должно быть числом от 1 до 100" in html
    html = builder_errors(client, csrf, {"title": "Брат"}, {"year": "1999"})
    assert "Фильм №2: «Название» — нужно заполнить" in html
    for internal in ("entries", "poster_url", "Input should", "String should"):
        assert internal not in html.split("<form")[0].split("form-errors")[-1]
    english = builder_errors(client, csrf, {"title": "Брат"}, {"title": "Сталкер", "year": "abc"}, lang="?lang=en")
    assert "Film #2: “Year” must be a number from 1888 to 2100" in english


def test_admin_film_form_errors_name_the_field(admin_client, admin_csrf):
    bad = admin_client.post(
        "/admin/films/new", data={"csrf_token": admin_csrf, "title": "", "year": "12", "rating": "x", "title_x": "1"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "«Название» — нужно заполнить" in html
    assert "«Год» — должно быть числом от 1888 до 2100" in html
    assert "«Рейтинг» — должно быть числом от 0 до 10" in html
    long = admin_client.post("/admin/films/new?lang=en", data={"csrf_token": admin_csrf, "title": "x" * 301})
    assert "“Title” must be at most 300 characters long" in long.get_data(as_text=True)


def test_magnet_and_torrent_errors_are_translated(admin_client, admin_csrf, app):
    admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "Магнитный"})
    with app.app_context():
        film_id = db.session.scalar(select(Film.id))
    page = f"/admin/films/{film_id}"
    bad = admin_client.post(
        page + "/magnet", data={"csrf_token": admin_csrf, "magnet": "http://x/y.torrent"}, follow_redirects=True
    )
    assert "Это не magnet-ссылка: она должна начинаться с magnet:?" in bad.get_data(as_text=True)
    english = admin_client.post(
        page + "/magnet?lang=en", data={"csrf_token": admin_csrf, "magnet": "magnet:?dn=x"}, follow_redirects=True
    )
    assert "The magnet link has no torrent hash" in english.get_data(as_text=True)
    junk = admin_client.post(
        page + "/torrent",
        data={"csrf_token": admin_csrf, "torrent": (io.BytesIO(b"junk"), "x.torrent")},
        follow_redirects=True,
    )
    assert "Это не файл .torrent, или он повреждён." in junk.get_data(as_text=True)
    api = admin_client.put(
        f"/api/library/{film_id}/magnet",
        json={"magnet": "magnet:?xt=urn:btmh:1220" + "ab" * 32},
        headers={"X-CSRFToken": admin_csrf},
    )
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["code"] == "invalid_magnet" and "magnet" in error["fields"]
    assert "BitTorrent v2" in error["message"] and "не поддерживаются" in error["message"]


def test_an_over_limit_torrent_keeps_the_film_form(admin_client, admin_csrf, app):
    admin_client.post("/admin/films/new", data={"csrf_token": admin_csrf, "title": "Большой"})
    with app.app_context():
        film_id = db.session.scalar(select(Film.id))
    huge = admin_client.post(
        f"/admin/films/{film_id}/torrent",
        data={"csrf_token": admin_csrf, "torrent": (io.BytesIO(b"d" * FIVE_MIB), "x.torrent")},
    )
    assert huge.status_code == 303  # back to the film's page, the limit said on top
    html = admin_client.get(huge.headers["Location"]).get_data(as_text=True)
    assert "Файл .torrent больше 2 МиБ." in html and 'id="film-form"' in html and 'value="Большой"' in html


def test_an_over_limit_request_says_the_limit_in_the_pages_language(client, csrf):
    body = {"csrf_token": csrf, "title": "x" * FIVE_MIB}
    russian = client.post("/lotteries", data=body)
    assert russian.status_code == 413 and "можно не больше 4 МиБ" in russian.get_data(as_text=True)
    english = client.post("/lotteries?lang=en", data=body)
    assert english.status_code == 413 and "the limit is 4 MiB" in english.get_data(as_text=True)


def test_rate_limits_say_try_again_in_a_minute(client, csrf):
    statuses = [
        client.post("/admin/login", data={"password": "wrong", "csrf_token": csrf}).status_code for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    limited = client.post("/admin/login", data={"password": "wrong", "csrf_token": csrf})
    html = limited.get_data(as_text=True)
    assert limited.status_code == 429 and "Слишком много запросов, попробуйте через минуту." in html
    assert "per 1 minute" not in html
    for _ in range(31):
        api = client.get("/api/search?q=")
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "rate_limited"
    assert int(api.headers["Retry-After"]) > 0


def test_film_counts_use_russian_plurals(client, csrf):
    for count in (2, 5, 21):
        client.post(
            "/lotteries", data={"csrf_token": csrf, **form_rows(*({"title": f"Фильм {i}"} for i in range(count)))}
        )
    for page in ("/", "/history"):
        html = client.get(page).get_data(as_text=True)
        assert "2 фильма" in html and "5 фильмов" in html and "21 фильм<" in html, page
        english = client.get(page + "?lang=en").get_data(as_text=True)
        assert "2 films" in english and "21 films" in english


def test_the_api_speaks_the_language_of_the_request_on_every_endpoint(client):
    """Accept-Language, then Russian; the site's lang cookie is the pages' business, not the API's."""
    admin = {"Authorization": "Bearer " + ADMIN_TOKEN}
    film = client.post("/api/library", json={"title": "Брат"}, headers=admin).get_json()["film"]
    client.patch(f"/api/library/{film['id']}/badges", json={"banned_until": BANNED_UNTIL}, headers=admin)
    poll = client.post("/api/polls", json={"entries": [{"title": "A"}, {"title": "B"}]}).get_json()
    calls = [
        ("get", "/api/polls/nope", None),
        ("post", "/api/polls", {"entries": []}),
        ("post", "/api/lotteries", {"entries": []}),
        ("post", "/api/polls", {"entries": [{"title": "A"}, {"title": "Брат"}]}),
        ("post", "/api/lotteries", {"entries": [{"title": "A"}, {"title": "Брат"}]}),
        ("get", "/api/library?cursor=zzz", None),
        ("get", "/api/lotteries/nope", None),
        ("get", "/api/library?limit=x", None),
        ("post", f"/api/polls/{poll['id']}/lottery", None),
        ("post", f"/api/polls/{poll['id']}/suggestions", {"title": "C"}),
        ("post", f"/api/polls/{poll['id']}/vote", {"entry_id": 999999}),
    ]
    client.set_cookie("lang", "en")  # a visitor who reads the pages in English
    for method, path, body in calls:
        answers = {}
        for language in ("en", "ru", None):
            headers = {"Accept-Language": language} if language else {}
            response = getattr(client, method)(path, json=body, headers=headers)
            assert response.status_code >= 400, (path, response.get_json())
            answers[language] = response.get_json()["error"]
        assert answers["en"]["code"] == answers["ru"]["code"]  # the machine-readable code stays
        assert re.search("[а-яё]", answers["ru"]["message"], re.I), (path, answers["ru"])
        assert answers[None] == answers["ru"], path  # no Accept-Language: Russian, whatever the cookie
        outside_titles = re.sub(r"“[^”]*”|«[^»]*»", "", answers["en"]["message"])
        assert not re.search("[а-яё]", outside_titles, re.I), (path, answers["en"])
