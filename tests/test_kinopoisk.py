"""Kinopoisk search against a fake kinopoisk.dev on loopback: shapes, failures, cache, breaker."""

import copy
import dataclasses
import time

import pytest

from movie_lottery.clients.kinopoisk import (
    FilmInfo,
    KinopoiskClient,
    KinopoiskError,
    film_from_doc,
    parse_kinopoisk_ref,
)

from .fakes.kinopoisk_api import API_KEY, BROKEN, INTOUCHABLES, RECORDED_MOVIE, RECORDED_SEARCH, SPARSE, FakeKinopoisk
from .fakes.tcp_proxy import blackhole
from .helpers import ADMIN_TOKEN, BANNED_UNTIL, build_app

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
        "kinopoisk_id": 535341,
        "title": "1+1",
        "original_title": "Intouchables",
        "year": 2011,
        "poster_url": INTOUCHABLES["poster"]["url"],
        "rating": 8.8,
        "genres": ["драма", "комедия"],
        "description": INTOUCHABLES["shortDescription"],
    }
    assert (sparse.title, sparse.year, sparse.poster_url, sparse.rating, sparse.genres) == (
        "Untitled Short",
        None,
        None,
        None,
        (),
    )
    request = fake.server.log[0][0]
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.args["query"] == "1+1" and request.args["limit"] == "5" and request.args["page"] == "1"


def test_get_film_by_id_and_unknown_id(fake):
    fake.serve_film(INTOUCHABLES)
    fake.fail("/v1.4/movie/999", 404, "Фильм не найден", "Not Found")
    client = client_for(fake.url)
    assert client.get_film(535341).title == "1+1"
    assert client.get_film(999) is None


@pytest.mark.parametrize(
    ("status", "message", "code"),
    [
        (401, "Переданный токен некорректен!", "unauthorized"),
        (403, "Доступ запрещён", "unauthorized"),
        (403, "Вы израсходовали ваш суточный лимит по запросам.", "quota"),
        (402, "Payment Required", "quota"),
        (429, "Too Many Requests", "rate_limited"),
        (502, "Bad Gateway", "unavailable"),
    ],
)
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
        with pytest.raises(KinopoiskError) as info:
            client.search("slow")
        assert info.value.code == "unavailable"
    before = fake.requests_count
    with pytest.raises(KinopoiskError) as info:
        client.search("slow")
    assert info.value.code == "unavailable"
    assert fake.requests_count == before  # the open breaker did not touch the network: it failed at once

    with pytest.raises(KinopoiskError):
        client_for("http://127.0.0.1:9").search("refused")


def test_one_call_against_a_hung_kinopoisk_costs_one_read_timeout():
    """Exactly one connection reached the hang (no retry: that would be a second), and the call
    waited out the read timeout there, not failing at once without connecting."""
    connect_timeout, read_timeout = 0.3, 0.8
    with blackhole() as hole:
        client = KinopoiskClient(
            API_KEY,
            f"http://127.0.0.1:{hole.port}",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            fail_max=100,
        )
        for expected_connections in (1, 2):
            started = time.monotonic()
            with pytest.raises(KinopoiskError) as info:
                client.search("hangs")
            elapsed = time.monotonic() - started
            assert info.value.code == "unavailable"
            assert hole.accepted == expected_connections
            assert read_timeout * 0.95 <= elapsed < 3 * (connect_timeout + read_timeout), f"{elapsed:.2f}s"


def test_user_errors_do_not_open_the_breaker(fake):
    fake.fail(SEARCH, 429, "Too Many Requests")
    client = client_for(fake.url, fail_max=2)
    for _ in range(4):
        with pytest.raises(KinopoiskError):
            client.search("x")
    assert client.breaker.state == "closed"


# -- the real recorded documents (tests/specs/kinopoisk/) ---------------------------------------

# What a person sees for each document of the recorded search page, in its order.
RECORDED_PAGE = [
    (535341, "1+1", "Intouchables", 2011, 8.8, ("драма", "комедия"), "movie", 112),
    (1143242, "Джентльмены", "The Gentlemen", 2019, 8.6, ("криминал", "комедия", "боевик"), "movie", 113),
    (1100777, "Триггер", None, 2018, 8.5, ("драма",), "tv-series", None),
    (41519, "Брат", None, 1997, 8.3, ("драма", "криминал", "боевик"), "movie", 96),
    (1318972, "Гнев человеческий", "Wrath of Man", 2021, 7.7, ("боевик", "триллер"), "movie", 119),
    (
        462682,
        "Волк с Уолл-стрит",
        "The Wolf of Wall Street",
        2013,
        8.0,
        ("драма", "криминал", "биография", "комедия"),
        "movie",
        180,
    ),
    (5047468, "Холоп 2", None, 2023, 7.2, ("комедия",), "movie", 119),
    (
        464963,
        "Игра престолов",
        "Game of Thrones",
        2011,
        9.0,
        ("фэнтези", "драма", "боевик", "мелодрама", "приключения"),
        "tv-series",
        None,
    ),
    (1108577, "Зеленая книга", "Green Book", 2018, 8.5, ("биография", "комедия", "драма"), "movie", 130),
    (4959134, "По щучьему велению", None, 2023, 7.8, ("фэнтези", "приключения", "семейный"), "movie", 115),
]


def test_every_document_of_the_recorded_search_maps(fake):
    fake.serve_search()
    films = client_for(fake.url).search("любой запрос")
    assert [
        (f.kinopoisk_id, f.title, f.original_title, f.year, f.rating, f.genres, f.kind, f.length_minutes) for f in films
    ] == RECORDED_PAGE
    for film, doc in zip(films, RECORDED_SEARCH["docs"], strict=True):
        assert film.poster_url == doc["poster"]["url"] and film.poster_url.endswith("/orig")
        assert film.description == doc["shortDescription"].strip() and film.description


def test_the_recorded_movie_476(fake):
    fake.serve_film()
    film = client_for(fake.url).get_film(476)
    # videos.trailers: the first YouTube one, as the privacy-enhanced player; similarMovies: all ten
    assert film.trailer_url == "https://www.youtube-nocookie.com/embed/ou8w0gQHlRE"
    assert [s["title"] for s in film.similar][:3] == ["День сурка", "Эффект бабочки", "Трасса 60"]
    assert film.similar[0] == {
        "kinopoisk_id": 527,
        "title": "День сурка",
        "year": 1993,
        "poster_url": RECORDED_MOVIE["similarMovies"][0]["poster"]["previewUrl"],
    }
    assert len(film.similar) == len(RECORDED_MOVIE["similarMovies"])
    assert film == FilmInfo(
        kinopoisk_id=476,
        title="Назад в будущее",
        original_title="Back to the Future",
        year=1985,
        poster_url="https://image.openmoviedb.com/kinopoisk-images/1599028/73cf2ed0-fd52-47a2-9e26-74104360786a/orig",
        rating=8.6,
        genres=("фантастика", "комедия", "приключения"),
        description="Безумный ученый и 17-летний оболтус тестируют машину времени, наводя шороху в 1950-х. "
        "Классика кинофантастики",
        length_minutes=116,
        kind="movie",
        trailer_url=film.trailer_url,
        similar=film.similar,
    )


def test_only_youtube_embeds_become_trailers_and_odd_similar_films_are_skipped():
    doc = {
        **copy.deepcopy(RECORDED_MOVIE),
        "videos": {
            "trailers": [
                {"url": "https://vimeo.com/embed/123", "site": "vimeo"},
                {"url": "javascript:alert(1)"},
                None,
                {"url": "https://www.youtube.com/embed/short"},
                {"url": "https://youtube.com/embed/WRrCVyT09ow?rel=0"},
            ]
        },
        "similarMovies": [
            None,
            {"id": "x", "name": "A"},
            {"id": 5, "name": None, "alternativeName": ""},
            {"id": 6, "name": " B ", "year": 0, "poster": None},
        ],
    }
    film = film_from_doc(doc)
    assert film.trailer_url == "https://www.youtube-nocookie.com/embed/WRrCVyT09ow"
    assert film.similar == ({"kinopoisk_id": 6, "title": "B", "year": None, "poster_url": None},)
    assert film_from_doc({**doc, "videos": None}).trailer_url is None


def blanked(doc: dict, blank) -> dict:
    """Every field but id and name replaced by what blank(value) gives, nested objects too."""

    def walk(value):
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return blank(value)

    return {key: value if key in ("id", "name") else walk(value) for key, value in doc.items()}


@pytest.mark.parametrize(
    "blank",
    [
        lambda _value: None,
        lambda value: "" if isinstance(value, str) else None,
        lambda value: "   " if isinstance(value, str) else 0 if isinstance(value, (int, float)) else value,
    ],
    ids=["nulls", "empty-strings", "blanks-and-zeros"],
)
def test_a_document_with_nothing_but_an_id_and_a_name(blank):
    film = film_from_doc(blanked(RECORDED_MOVIE, blank))
    assert film == FilmInfo(kinopoisk_id=476, title="Назад в будущее")


def test_null_and_empty_containers_and_odd_genres():
    doc = {
        **copy.deepcopy(RECORDED_MOVIE),
        "rating": None,
        "poster": None,
        "genres": None,
        "name": "  ",
        "alternativeName": " Back to the Future ",
    }
    film = film_from_doc(doc)
    assert (film.title, film.original_title, film.rating, film.poster_url, film.genres) == (
        "Back to the Future",
        None,
        None,
        None,
        (),
    )
    doc.update(
        genres=[None, {"name": None}, {"name": ""}, {"name": " драма "}, "комедия"],
        poster={"previewUrl": "p"},
        rating={"kp": None, "imdb": 7.25},
    )
    film = film_from_doc(doc)
    assert (film.genres, film.poster_url, film.rating) == (("драма",), "p", 7.2)
    assert film_from_doc({**doc, "name": None, "alternativeName": "", "enName": None}) is None
    assert film_from_doc({**doc, "id": None}) is None and film_from_doc(None) is None


def test_unknown_extra_fields_change_nothing():
    doc = copy.deepcopy(RECORDED_MOVIE)
    doc.update(someFutureField={"nested": [1, None, ""]}, watchability={"items": None})
    doc["rating"]["tmdb"], doc["poster"]["blurhash"] = 7.1, "LEHV6nWB2yk8"
    doc["genres"].append({"name": "драма", "slug": "drama"})
    plain = film_from_doc(RECORDED_MOVIE)
    assert film_from_doc(doc) == dataclasses.replace(plain, genres=(*plain.genres, "драма"))


def test_the_recorded_page_through_the_search_api(fake, kp_client):
    fake.serve_search()
    body = kp_client.get("/api/search?q=%D1%84%D0%B8%D0%BB%D1%8C%D0%BC").get_json()
    assert body["source"] == "kinopoisk"
    assert [
        (r["kinopoisk_id"], r["title"], r["original_title"], r["year"], r["rating"], tuple(r["genres"]))
        for r in body["results"]
    ] == [row[:6] for row in RECORDED_PAGE]
    assert all(r["poster_url"] and r["description"] for r in body["results"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://www.kinopoisk.ru/film/535341/", 535341),
        ("https://www.kinopoisk.ru/film/535341", 535341),
        ("https://www.kinopoisk.ru/film/535341/cast/?utm=1", 535341),
        ("kinopoisk.ru/series/464963/", 464963),
        ("http://m.kinopoisk.ru/film/326/", 326),
        ("  535341 ", 535341),
        ("1+1", None),
        ("0", None),
        ("https://example.org/film/535341/", None),
        ("kinopoisk.ru/name/123/", None),
        ("javascript:alert(1)", None),
        ("", None),
        ("12345678901", None),
    ],
)
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
    assert set(first["results"][0]) == {
        "kinopoisk_id",
        "title",
        "original_title",
        "year",
        "poster_url",
        "rating",
        "genres",
        "description",
    }
    count = fake.requests_count
    again = kp_client.get("/api/search?q=%20%201%2B1%20").get_json()  # same query, normalised
    assert again == {**first, "source": "cache"}
    assert fake.requests_count == count
    by_link = kp_client.get("/api/search?q=https://www.kinopoisk.ru/film/535341/").get_json()
    assert by_link["source"] == "cache" and by_link["results"][0]["title"] == "1+1"
    assert fake.requests_count == count


def test_cached_answers_expire_after_a_day(fake, kp_client, app):
    from datetime import timedelta

    from sqlalchemy import update

    from movie_lottery.extensions import db
    from movie_lottery.models import SearchCache, utcnow

    def age_cache(by: timedelta) -> None:
        with app.app_context():
            db.session.execute(update(SearchCache).values(fetched_at=utcnow() - by))
            db.session.commit()

    fake.serve_search([INTOUCHABLES])
    assert kp_client.get("/api/search?q=1%2B1").get_json()["source"] == "kinopoisk"
    count = fake.requests_count
    age_cache(timedelta(hours=23, minutes=59))
    assert kp_client.get("/api/search?q=1%2B1").get_json()["source"] == "cache"
    assert fake.requests_count == count
    age_cache(timedelta(days=1, minutes=1))
    fresh = kp_client.get("/api/search?q=1%2B1").get_json()
    assert fresh["source"] == "kinopoisk" and fresh["results"][0]["kinopoisk_id"] == 535341
    assert fake.requests_count == count + 1
    assert kp_client.get("/api/search?q=1%2B1").get_json()["source"] == "cache"  # refreshed for another day
    assert fake.requests_count == count + 1


def test_a_banned_library_film_is_marked_in_kinopoisk_suggestions(fake, kp_client):
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    typed = kp_client.post("/api/library", headers=admin, json={"title": "Intouchables", "year": 2011}).get_json()[
        "film"
    ]
    assert (
        kp_client.patch(
            f"/api/library/{typed['id']}/badges", headers=admin, json={"banned_until": BANNED_UNTIL}
        ).status_code
        == 200
    )
    fake.serve_search([INTOUCHABLES, SPARSE])
    results = kp_client.get("/api/search?q=1%2B1").get_json()["results"]
    assert [r.get("badges") for r in results] == [{"banned_until": BANNED_UNTIL}, None]  # matched by the original title
    cached = kp_client.get("/api/search?q=1%2B1").get_json()
    assert cached["source"] == "cache" and cached["results"][0]["badges"] == {"banned_until": BANNED_UNTIL}


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
    response = kp_client.get("/api/search?q=another")
    assert response.status_code == 503 and "вручную" in response.get_json()["error"]["message"]
    assert fake.requests_count == count  # answered without calling Kinopoisk


def test_without_a_key_nothing_calls_the_network(fake, client):
    assert client.get("/api/search?q=anything").get_json() == {"source": "disabled", "results": []}
    page = client.get("/").get_data(as_text=True)
    assert "Поиск по Кинопоиску не подключён" in page and 'name="entry-title"' in page
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
