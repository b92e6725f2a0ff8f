"""Wishes for films found on Kinopoisk (against the loopback fake): the bot's /want in a private
chat as the Telegram user's member (the library first, then Kinopoisk, adding the film to the
library), and the search results' API, which adds a film not yet in the library first."""

import pytest
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Film, Member, WatchlistEntry
from movie_lottery.services.bot import commands as bot_commands

from .fakes.kinopoisk_api import API_KEY, INTOUCHABLES, FakeKinopoisk, recorded_doc
from .helpers import build_app

GENTLEMEN = recorded_doc(1143242)


@pytest.fixture
def fake(httpserver):
    return FakeKinopoisk(httpserver)


@pytest.fixture
def site(app, fake):
    """The same database as ``app``, with Kinopoisk on."""
    return build_app(app.config["SQLALCHEMY_DATABASE_URI"], KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=fake.url)


def private(text, user_id=901, language="ru", chat_type="private"):
    return {
        "message_id": 1,
        "chat": {"id": user_id if chat_type == "private" else -100, "type": chat_type, "first_name": "Петя"},
        "from": {"id": user_id, "first_name": "Петя", "is_bot": False, "language_code": language},
        "text": text,
    }


def bot_reply(app, message):
    with app.test_request_context():
        text = bot_commands.reply(
            db.session,
            message,
            bot_username="movie_bot",
            fixed_chat_id=None,
            site_url="https://kino.example.org",
            kinopoisk=app.extensions.get("kinopoisk"),
        )
        db.session.commit()
    return text


def wishes(app, user_id=901) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Film.title)
                .join(WatchlistEntry, WatchlistEntry.film_id == Film.id)
                .join(Member, Member.id == WatchlistEntry.member_id)
                .where(Member.telegram_user_id == user_id)
                .order_by(WatchlistEntry.id)
            )
        )


def test_want_in_a_private_chat_finds_the_library_then_kinopoisk(site, fake):
    with site.app_context():
        db.session.add(Film(title="Сталкер", year=1979))
        db.session.commit()
    assert "/want Амели" in bot_reply(site, private("/want"))
    answer = bot_reply(site, private("/want сталкер"))
    assert "Добавил" in answer and "«Сталкер (1979)»" in answer and "https://kino.example.org/films/" in answer
    assert "уже в вашем списке" in bot_reply(site, private("/want Сталкер"))
    assert fake.requests_count == 0  # the library answered

    fake.serve_film(INTOUCHABLES)
    answer = bot_reply(site, private("/want https://www.kinopoisk.ru/film/535341/"))
    assert "«1+1 (2011)»" in answer and "теперь он там" in answer
    fake.serve_search([GENTLEMEN])
    english = bot_reply(site, private("/want джентльмены", language="en"))
    assert "Added to your “Want to watch” list: «Джентльмены (2019)»." in english
    assert wishes(site) == ["Сталкер", "1+1", "Джентльмены"]
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Film)) == 3
        member_id = db.session.scalar(select(Member.id).where(Member.telegram_user_id == 901))
    listed = site.test_client().get(f"/api/members/{member_id}").get_json()["watchlist"]
    assert [w["film"]["title"] for w in listed] == ["Джентльмены", "1+1", "Сталкер"]  # newest first


def test_want_outside_a_private_chat_or_without_kinopoisk(app):
    assert bot_reply(app, private("/want Сталкер", chat_type="group")) is None  # a group's bare command: not ours
    assert "Не нашёл «Сталкер»" in bot_reply(app, private("/want Сталкер"))
    assert wishes(app) == []
    assert "/want" in bot_reply(app, private("/help"))


def test_search_results_add_a_film_to_the_library_first(site, fake):
    fake.serve_film(INTOUCHABLES)
    client = site.test_client()
    refused = client.post("/api/me/watchlist", json={"kinopoisk_id": 535341})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "name_required"
    added = client.post("/api/me/watchlist", json={"kinopoisk_id": 535341, "name": "Аня"})
    assert added.status_code == 200, added.get_json()
    film = added.get_json()["film"]
    assert film["kinopoisk_id"] == 535341 and film["title"] == "1+1"
    assert client.post("/api/me/watchlist", json={"kinopoisk_id": 535341}).get_json()["film"]["id"] == film["id"]
    assert client.post("/api/me/watchlist", json={"kinopoisk_id": "x"}).status_code == 422
    fake.serve_film(GENTLEMEN)
    assert client.post("/api/me/watchlist", json={"kinopoisk_id": 1143242}).status_code == 200
    assert [i["film"]["title"] for i in client.get("/api/me/watchlist").get_json()["items"]] == ["Джентльмены", "1+1"]


def test_a_kinopoisk_failure_is_said_and_writes_nothing(site, fake):
    fake.fail("/v1.4/movie/search", 403, "Дневной лимит исчерпан", "Forbidden")
    assert "Кинопоиск сейчас не отвечает" in bot_reply(site, private("/want Неизвестный фильм"))
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Film)) == 0
        assert db.session.scalar(select(func.count()).select_from(WatchlistEntry)) == 0
    answer = site.test_client().post("/api/me/watchlist", json={"kinopoisk_id": 77, "name": "Аня"})
    assert (
        answer.status_code == 503 and answer.get_json()["error"]["code"] == "kinopoisk_unavailable"
    )  # no film 77 served
