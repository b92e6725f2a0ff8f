"""The bot answers each command (and each button press) in the language of the Telegram user who
sent it (from.language_code), whoever else writes in the same chat; without one, in the site's."""

from __future__ import annotations

import re

from movie_lottery.extensions import db
from movie_lottery.services.bot import commands as bot_commands

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
PRIVATE = {"id": 42, "type": "private", "first_name": "Ann"}
GROUP = {"id": -100777, "type": "supergroup", "title": "Kino"}


def sent(chat: dict, text: str, language: str | None, user_id: int = 42) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Ann"}
    if language is not None:
        user["language_code"] = language
    return {"message_id": 1, "chat": chat, "from": user, "text": text}


def answer(message: dict) -> str:
    text = bot_commands.reply(db.session, message, bot_username="movie_bot", fixed_chat_id=None, site_url=None)
    db.session.commit()
    return text


def test_each_command_is_answered_in_the_language_of_its_sender(sqlite_app):
    with sqlite_app().app_context():
        for chat in (PRIVATE, GROUP):
            for command in ("/start", "/help", "/last", "/backup", "/stop", "/help@movie_bot"):
                english = answer(sent(chat, command, "en-GB", user_id=7))
                russian = answer(sent(chat, command, "ru", user_id=8))
                assert english and not CYRILLIC.search(english), (chat["type"], command, english)
                assert CYRILLIC.search(russian), (chat["type"], command, russian)
        # In a private chat an unknown command gets the help, in the sender's language too.
        assert not CYRILLIC.search(answer(sent(PRIVATE, "/whatever", "de")))
        # Telegram does not say (a channel post has no sender): the site's language.
        assert CYRILLIC.search(answer({**sent(GROUP, "/help", None), "from": None}))
        assert CYRILLIC.search(answer(sent(GROUP, "/help", None)))


def test_a_deep_link_start_and_the_next_command_speak_the_same_language(sqlite_app):
    with sqlite_app().app_context():
        linked = answer(sent(PRIVATE, "/start NOSUCHCODE", "en"))
        help_text = answer(sent(PRIVATE, "/help", "en"))
    assert not CYRILLIC.search(linked) and not CYRILLIC.search(help_text), (linked, help_text)


def test_a_button_press_is_answered_in_the_language_of_who_pressed(sqlite_app):
    with sqlite_app().app_context():
        for data in ("zz:1", "pv:nosuchpoll:1", "nr:nosuchnight:g"):
            texts = {}
            for language in ("en", "ru"):
                query = {
                    "id": "q",
                    "data": data,
                    "from": {"id": 9, "is_bot": False, "first_name": "A", "language_code": language},
                }
                texts[language] = bot_commands.answer_callback(db.session, query)
                db.session.rollback()
            assert not CYRILLIC.search(texts["en"]) and CYRILLIC.search(texts["ru"]), (data, texts)


def test_the_start_greeting_names_polls_nights_and_ratings(sqlite_app):
    with sqlite_app().app_context():
        russian = answer(sent(GROUP, "/start", "ru"))
        english = answer(sent(GROUP, "/start", "en"))
        fixed = bot_commands.reply(
            db.session,
            sent(GROUP, "/start", "en"),
            bot_username="movie_bot",
            fixed_chat_id=str(GROUP["id"]),
            site_url=None,
        )
    for word in ("голосован", "киновечер", "оцен"):
        assert word in russian.lower(), russian
    for text in (english, fixed):
        for word in ("poll", "night", "rat"):
            assert word in text.lower(), text
