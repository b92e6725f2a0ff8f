"""Kinopoisk search against a fake kinopoisk.dev on loopback: shapes, failures, cache, breaker."""
import time

import pytest

from movie_lottery.clients.kinopoisk import KinopoiskClient, KinopoiskError, parse_kinopoisk_ref

from .fakes.kinopoisk_api import API_KEY, BROKEN, INTOUCHABLES, SPARSE, FakeKinopoisk
from .fakes.tcp_proxy import blackhole
from .helpers import build_app

SEARCH = "/v1.4/movie/search"


@pytest.fixture
def fake(httpserver):
    return FakeKinopoisk(httpserver)


def client_for(url, **kwargs):
    return KinopoiskClient(API_KEY, url, connect_timeout=0.3, read_timeout=0.5, **kwargs)


def test_search_maps_full_and_sparse_documents(fake):
    fake.serve_search([INTOUCHABLES, SPARSE, BROKEN])
    films = client_for(fake.url).search("1+1", limit=5)
    assert [f.kinopoisk_id for f in films] == [535341, 1234567]
    full, sparse = films
    assert full.to_dict() == {
        "kinopoisk_id": 535341, "title": "1+1", "original_title": "Intouchables", "year": 2011,
        "poster_url": INTOUCHABLES["poster"]["url"], "rating": 8.8, "genres": ["драма", "комедия", "биография"],
        "description": INTOUCHABLES["shortDescription"],
    }
    assert (sparse.title, sparse.year, sparse.poster_url, sparse.rating, sparse.genres) == ("Untitled Short", None, None, None, ())
    request = fake.server.log[0][0]
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.args["query"] == "1+1" and request.args["limit"] == "5" and request.args["page"] == "1"


def test_get_film_by_id_and_unknown_id(fake):
    fake.serve_film(INTOUCHABLES)
    fake.fail("/v1.4/movie/999", 404, "Фильм не найден", "Not Found")
    client = client_for(fake.url)
    assert client.get_film(535341).title == "1+1"
    assert client.get_film(999) is None


@pytest.mark.parametrize(("status", "message", "code"), [
    (401, "Переданный токен некорректен!", "unauthorized"),
    (403, "Доступ запрещён", "unauthorized"),
    (403, "Вы израсходовали ваш суточный лимит по запросам.", "quota"),
    (402, "Payment Required", "quota"),
    (429, "Too Many Requests", "rate_limited"),
    (502, "Bad Gateway", "unavailable"),
])
def test_errors_map_to_codes_and_never_show_the_key(fake, status, message, code):
    fake.fail(SEARCH, status, message)
    with pytest.raises(KinopoiskError) as info:
        client_for(fake.url).search("x")
    assert info.value.code == code
    assert API_KEY not in str(info.value) and API_KEY not in repr(client_for(fake.url))


def test_wrong_key_is_unauthorized(fake):
    fake.serve_search([INTOUCHABLES])
    with pytest.raises(KinopoiskError) as info:
        KinopoiskClient("wrong", fake.url).search("x")
    assert info.value.code == "unauthorized"


def test_slow_and_refused_are_unavailable_and_open_the_breaker(fake):
    fake.slow(SEARCH, 1.0)
    client = client_for(fake.url, fail_max=2)
    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(KinopoiskError) as info:
            client.search("slow")
        assert info.value.code == "unavailable" and time.monotonic() - started < 1.0
    before = fake.requests_count
    started = time.perf_counter()
    with pytest.raises(KinopoiskError) as info:
        client.search("slow")
    assert info.value.code == "unavailable"
    assert time.perf_counter() - started < 0.01
    assert fake.requests_count == before  # the open breaker did not touch the network

    with pytest.raises(KinopoiskError):
        client_for("http://127.0.0.1:9").search("refused")


def test_user_errors_do_not_open_the_breaker(fake):
    fake.fail(SEARCH, 429, "Too Many Requests")
    client = client_for(fake.url, fail_max=2)
    for _ in range(4):
        with pytest.raises(KinopoiskError):
            client.search("x")
    assert client.breaker.state == "closed"


@pytest.mark.parametrize(("text", "expected"), [
    ("https://www.kinopoisk.ru/film/535341/", 535341),
    ("https://www.kinopoisk.ru/film/535341", 535341),
    ("https://www.kinopoisk.ru/film/535341/cast/?utm=1", 535341),
    ("kinopoisk.ru/series/464963/", 464963),
    ("http://m.kinopoisk.ru/film/326/", 326),
    ("  535341 ", 535341),
    ("1+1", None), ("0", None), ("https://example.org/film/535341/", None), ("kinopoisk.ru/name/123/", None),
    ("javascript:alert(1)", None), ("", None), ("12345678901", None),
])
def test_kinopoisk_links_and_ids(text, expected):
    assert parse_kinopoisk_ref(text) == expected


# -- through the app -----------------------------------------------------------------------

@pytest.fixture
def kp_client(app, fake):
    """The same database as `app` (both backends, cleaned after the test), search switched on."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return build_app(url, KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=fake.url).test_client()


def test_search_api_caches_in_the_database(fake, kp_client):
    fake.serve_search([INTOUCHABLES, SPARSE])
    first = kp_client.get("/api/search?q=1%2B1").get_json()
    assert first["source"] == "kinopoisk"
    assert [r["kinopoisk_id"] for r in first["results"]] == [535341, 1234567]
    assert set(first["results"][0]) == {"kinopoisk_id", "title", "original_title", "year", "poster_url", "rating", "genres", "description"}
    count = fake.requests_count
    again = kp_client.get("/api/search?q=%20%201%2B1%20").get_json()  # same query, normalised
    assert again == {**first, "source": "cache"}
    assert fake.requests_count == count
    by_link = kp_client.get("/api/search?q=https://www.kinopoisk.ru/film/535341/").get_json()
    assert by_link["source"] == "cache" and by_link["results"][0]["title"] == "1+1"
    assert fake.requests_count == count


def test_search_by_link_asks_for_that_film(fake, kp_client):
    fake.serve_film(INTOUCHABLES)
    body = kp_client.get("/api/search?q=https://www.kinopoisk.ru/film/535341/cast/").get_json()
    assert body["source"] == "kinopoisk" and body["results"][0]["kinopoisk_id"] == 535341
    assert fake.server.log[0][0].path == "/v1.4/movie/535341"


def test_bad_queries_are_400(kp_client):
    for query in ("", "%20%20", "x" * 201):
        response = kp_client.get(f"/api/search?q={query}")
        assert response.status_code == 400 and response.get_json()["error"]["message"]


def test_failures_are_503_with_a_message_a_person_understands(fake, kp_client):
    fake.fail(SEARCH, 401, "Переданный токен некорректен!")
    body = kp_client.get("/api/search?q=a").get_json()
    assert body["error"]["code"] == "kinopoisk_unauthorized" and "KINOPOISK_API_KEY" in body["error"]["message"]


def test_open_breaker_answers_at_once(fake, kp_client):
    fake.fail(SEARCH, 500, "Internal Server Error")
    for i in range(3):
        assert kp_client.get(f"/api/search?q=q{i}").status_code == 503
    count = fake.requests_count
    started = time.perf_counter()
    response = kp_client.get("/api/search?q=another")
    assert response.status_code == 503 and "вручную" in response.get_json()["error"]["message"]
    assert fake.requests_count == count and time.perf_counter() - started < 0.5


def test_without_a_key_nothing_calls_the_network(fake, client):
    assert client.get("/api/search?q=anything").get_json() == {"source": "disabled", "results": []}
    page = client.get("/").get_data(as_text=True)
    assert "KINOPOISK_API_KEY" in page and 'name="entry-title"' in page
    assert fake.requests_count == 0


def test_search_is_rate_limited_per_client(fake, kp_client):
    fake.serve_search([])
    codes = [kp_client.get(f"/api/search?q=film{i}").status_code for i in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_pages_never_wait_on_kinopoisk(sqlite_url, app):
    with blackhole() as hole:
        kp = build_app(sqlite_url, KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=f"http://127.0.0.1:{hole.port}")
        client = kp.test_client()
        for path in ("/", "/library", "/history", "/health"):
            assert client.get(path).status_code == 200
        assert hole.accepted == 0
