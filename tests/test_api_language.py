"""Every API answers its errors in the request's language (Accept-Language), field texts of a
422 included: pydantic's English is translated by error type, its limits filled in."""

from __future__ import annotations

import re

from flask_babel import force_locale

from movie_lottery.web import messages

from .helpers import ADMIN_TOKEN
from .test_push_api import PUSH_SETTINGS

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
PYDANTIC_ENGLISH = re.compile(
    r"Input should|String should|List should|Field required|Extra inputs|Value error|Datetimes"
)
FUTURE = "2031-05-01T20:00:00+03:00"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

# (method, path, JSON body or None, extra headers): each answers 4xx with a message (and maybe fields).
REFUSED = [
    ("post", "/api/lotteries", {"entries": [{"title": "a", "weight": 0}, {"title": "", "year": 1500, "x": 1}]}, {}),
    ("post", "/api/lotteries", {"entries": [{"title": "a"}], "mode": "both", "title": 5}, {}),
    ("post", "/api/lotteries", {"entries": "two films"}, {}),
    (
        "post",
        "/api/lotteries",
        {"entries": [{"title": "a", "weight": 1.5, "genres": "drama"}, {"title": "b", "rating": True}]},
        {},
    ),
    ("post", "/api/library", {"title": "a", "poster_url": "ftp://x", "kinopoisk_id": "abc"}, ADMIN),
    ("post", "/api/nights", {"title": "x", "starts_at": "2020-01-01T20:00:00+00:00"}, {}),
    ("post", "/api/nights", {"title": "x", "starts_at": "2030-01-01T20:00"}, {}),
    ("post", "/api/nights", {"title": "x", "starts_at": "someday"}, {}),
    ("post", "/api/nights", {"title": "x", "starts_at": FUTURE, "date_options": [FUTURE, FUTURE]}, {}),
    ("post", "/api/nights", {"title": "x", "starts_at": FUTURE, "film_id": 1, "poll_id": "abc"}, {}),
    ("post", "/api/nights", {"title": "x", "starts_at": FUTURE, "poll_id": "no such"}, {}),
    ("post", "/api/nights", {"title": "x", "date_options": [FUTURE]}, {}),
    ("post", "/api/nights", {"title": "x"}, {}),
    ("post", "/api/nights", {"title": "x", "starts_at": FUTURE, "poll_id": "nosuchpoll"}, {}),
    ("get", "/api/nights/nosuchnight", None, {}),
    ("get", "/api/nights?when=tomorrow", None, {}),
    ("post", "/api/nights/nosuchnight/rsvp", {"answer": "yes"}, {}),
    ("post", "/api/nights/nosuchnight/schedule", {}, {}),
    ("put", "/api/me", {"name": "   "}, {}),
    ("put", "/api/me", {"name": 5}, {}),
    ("post", "/api/me/device-code", None, {}),
    ("post", "/api/join/NOSUCHCODE", None, {}),
    ("put", "/api/films/999999/rating", {"score": 11}, {}),
    ("put", "/api/films/999999/rating", {"score": 5}, {}),
    ("get", "/api/films/999999", None, {}),
    ("get", "/api/members/999999", None, {}),
    ("patch", "/api/library/999999/badges", {"watched_on": "yesterday", "favourite": "yes"}, ADMIN),
    ("post", "/api/polls", {"entries": [{"film_id": 1, "title": "x"}, {}], "closes_in_minutes": 1}, {}),
    ("post", "/api/polls", {"entries": [{"film_id": 999999}, {"title": "b"}]}, {}),
    ("get", "/api/polls/nosuchpoll", None, {}),
    ("post", "/api/push/subscriptions", {}, {}),  # push is off on this app
    ("put", "/api/me/watchlist/999999", None, {}),
    ("put", "/api/me/watchlist/999999", {"name": "   "}, {}),
    ("post", "/api/me/watchlist", {"kinopoisk_id": 326}, {}),
    ("get", "/api/me/imports/nosuchimport", None, {}),
    ("post", "/api/me/imports/nosuchimport/confirm", None, {}),
    ("put", "/api/me/seen/999999", None, {}),
]
PUSH_REFUSED = [
    (
        "post",
        "/api/push/subscriptions",
        {"endpoint": "http://push.example.net/x", "keys": {"p256dh": "!!", "auth": "AAAA"}, "topics": ["weather"]},
        {},
    ),
    (
        "post",
        "/api/push/subscriptions",
        {"endpoint": "https://elsewhere.example.org/x", "keys": "none", "topics": []},
        {},
    ),
    ("delete", "/api/push/subscriptions/999999", None, {}),
]


def texts(body: dict) -> list[str]:
    error = body["error"]
    return [error["message"], *(error.get("fields") or {}).values()]


def check_language(client, requests) -> None:
    for method, path, body, headers in requests:
        answers = {}
        for language in ("ru", "en"):
            response = getattr(client, method)(path, json=body, headers={**headers, "Accept-Language": language})
            assert 400 <= response.status_code < 500, (path, body, response.status_code)
            answers[language] = texts(response.get_json())
        for text in answers["ru"]:
            assert CYRILLIC.search(text) and not PYDANTIC_ENGLISH.search(text), (path, body, answers["ru"])
        for text in answers["en"]:
            assert not CYRILLIC.search(text), (path, body, answers["en"])
        assert "%(" not in str(answers)


def test_every_api_answers_in_the_requests_language(sqlite_app):
    check_language(sqlite_app().test_client(), REFUSED)


def test_push_api_answers_in_the_requests_language(sqlite_app):
    check_language(sqlite_app(**PUSH_SETTINGS).test_client(), PUSH_REFUSED)


def test_a_limit_is_said_with_its_value(sqlite_app):
    client = sqlite_app().test_client()
    for language, expected in (("ru", "должно быть не больше 10"), ("en", "must be at most 10")):
        response = client.put("/api/films/1/rating", json={"score": 11}, headers={"Accept-Language": language})
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {"score": expected}
    refused = client.post(
        "/api/lotteries",
        json={"entries": [{"title": "a", "weight": 0}, {"title": "b"}]},
        headers={"Accept-Language": "ru"},
    )
    assert refused.get_json()["error"]["fields"] == {"entries.0.weight": "должно быть числом от 1 до 100"}


def test_every_known_error_type_has_a_sentence_in_both_languages(sqlite_app):
    """Each type in the table reads as itself in both languages, ctx values filled in."""
    ctx = {
        "min_length": 3,
        "max_length": 3,
        "ge": 1,
        "gt": 1,
        "le": 9,
        "lt": 9,
        "expected": "'a' or 'b'",
        "pattern": "^x$",
        "known": "polls, results",
        "max": 40,
    }
    with sqlite_app().test_request_context():
        for kind in messages.PROBLEMS:
            for language in ("ru", "en"):
                with force_locale(language):
                    text = messages.problem({"type": kind, "loc": ("field",), "ctx": ctx, "msg": "x"})
                    fallback = messages.problem({"type": "no such type", "loc": ("field",), "msg": "x"})
                assert text != fallback and "%(" not in text and bool(CYRILLIC.search(text)) == (language == "ru"), text


def test_custom_errors_of_the_schemas_are_all_translated(sqlite_app):
    """Every PydanticCustomError a schema raises names a type the table knows."""
    import inspect

    from movie_lottery.web import schemas
    from movie_lottery.web.library import schemas as library_schemas
    from movie_lottery.web.lotteries import schemas as lottery_schemas
    from movie_lottery.web.members import schemas as member_schemas
    from movie_lottery.web.nights import schemas as night_schemas
    from movie_lottery.web.polls import schemas as poll_schemas
    from movie_lottery.web.push import schemas as push_schemas
    from movie_lottery.web.ratings import schemas as rating_schemas

    for module in (
        schemas,
        library_schemas,
        lottery_schemas,
        poll_schemas,
        night_schemas,
        member_schemas,
        push_schemas,
        rating_schemas,
    ):
        source = inspect.getsource(module)
        assert "raise ValueError" not in source, module.__name__
        for kind in re.findall(r'PydanticCustomError\(\s*"([a-z0-9_]+)"', source):
            assert kind in messages.PROBLEMS, (module.__name__, kind)
