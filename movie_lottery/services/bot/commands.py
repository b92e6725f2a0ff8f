"""The bot's commands: which messages are ours, what they change and what to answer.

The notifier worker feeds each incoming message here and sends the reply (if any).
In a group several bots read the same commands: `/start@other_bot` is someone else's,
a bare `/start` is ours, and an unknown bare command is left alone (it may be another
bot's); in a private chat every command is ours and an unknown one gets the help text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from .. import members, notifications, ratings
from ..backup import telegram_copy
from ..watchlists import telegram as watchlists_telegram
from . import messages

if TYPE_CHECKING:
    from ...clients.kinopoisk import KinopoiskClient

log = logging.getLogger(__name__)

COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s|$)")


@dataclass(frozen=True)
class Command:
    name: str
    addressee: str | None  # the bot named after "@", if any


def parse(text: str) -> Command | None:
    match = COMMAND_RE.match(text.strip())
    return Command(match.group(1).lower(), match.group(2)) if match else None


def is_fixed_chat(chat: dict, fixed_chat_id: str | None) -> bool:
    """TELEGRAM_CHAT_ID names the chat by id or, for a public chat, by @username."""
    if not fixed_chat_id:
        return False
    if fixed_chat_id.startswith("@"):
        return bool(chat.get("username")) and f"@{chat['username']}".lower() == fixed_chat_id.lower()
    return str(chat.get("id")) == fixed_chat_id


def about() -> str:
    return _(
        "Привет! Я бот кинолотереи: объявляю розыгрыши, голосования за фильм и киновечера — голосовать и "
        "отвечать «Иду» можно прямо здесь, кнопками; после вечера прошу оценить фильм и сообщаю о скачанных фильмах."
    )


def help_text(fixed: bool = False) -> str:
    # Replies go with parse_mode=HTML: the placeholder's angle brackets are escaped.
    return (
        chat_help(fixed)
        + "\n"
        + escape_html(
            _("/want <название или ссылка на Кинопоиск> — в ваш список «Хочу посмотреть» (в личном чате со мной)")
        )
    )


def chat_help(fixed: bool) -> str:
    if fixed:  # /stop cannot unsubscribe the chat the settings name
        return _(
            "Этот чат получает объявления всегда (он задан в настройках сайта).\n/last — последний победитель\n/help — эта справка"
        )
    return _(
        "/start — подписаться на объявления\n/stop — отписаться\n/last — последний победитель\n/help — эта справка"
    )


Callback = Callable[[Session, dict], str]
CALLBACKS: dict[str, Callback] = {}


def callback(*prefixes: str) -> Callable[[Callback], Callback]:
    """Register the handler of inline buttons whose callback_data starts with "<prefix>:"."""

    def register(function: Callback) -> Callback:
        CALLBACKS.update(dict.fromkeys(prefixes, function))
        return function

    return register


def answer_callback(session: Session, query: dict) -> str:
    """A button press, as the Telegram user who pressed it; returns the short confirmation.
    The caller commits."""
    prefix = str(query.get("data") or "").partition(":")[0]
    handle = CALLBACKS.get(prefix)
    with speaking_to(query.get("from")):
        if handle is None or (query.get("from") or {}).get("id") is None:
            return _("Эта кнопка ничего не делает.")
        return handle(session, query)


def user_locale(user: dict | None) -> str:
    """The language to answer a Telegram user in: their app's (language_code), Russian for the
    languages whose speakers mostly read it, English for any other; the site's when Telegram does
    not say (a channel post has no sender)."""
    code = str((user or {}).get("language_code") or "").lower()
    if not code:
        return notifications.LOCALE
    return "ru" if code.startswith(("ru", "uk", "be", "kk")) else "en"


@contextmanager
def speaking_to(user: dict | None) -> Iterator[None]:
    """Everything answered to this user (the reply and what composers write for it) in their language."""
    locale = user_locale(user)
    with notifications.speaking(locale), force_locale(locale):
        yield


def link_member(session: Session, user: dict, code: str) -> str:
    """/start <code> from the site's deep link: this Telegram account becomes that member's
    (a member it already was merges in). The caller speaks the user's language."""
    try:
        member_id = members.redeem_code(session, "telegram", code)
        member = members.link_telegram(session, member_id, user)
    except (members.CodeNotFound, members.CodeGone):
        session.rollback()
        return _("Эта ссылка уже использована или устарела. Откройте на сайте «Привязать Telegram» ещё раз.")
    except members.MergeRefused:
        session.rollback()
        return _(
            "Не получилось привязать: у этого участника уже другой Telegram. Чтобы привязать этот, сначала "
            "отвяжите прежний на сайте, на странице «Кто вы», и откройте ссылку снова."
        )
    log.info("telegram user %s linked to member %s", user["id"], member.id)
    return _(
        "Готово, %(name)s! Теперь ваши голоса и ответы в Telegram и на сайте — одни и те же.",
        name=escape_html(member.name or ""),
    )  # named: a deleted member's codes went with the name


def mark_seen(session: Session, user: dict, reference: str) -> str:
    """/seen <title or Kinopoisk link> in a private chat: the library film is marked seen by the
    user's member. Answered in the user's language with what was marked."""
    with force_locale(user_locale(user)):
        if not reference:
            return _("Напишите так: /seen <название или ссылка на Кинопоиск>")
        film = ratings.seen.library_film(session, reference)
        if film is None:
            return _("Не нашёл «%(title)s» в нашей библиотеке.", title=escape_html(reference[:100]))
        member = members.member_for_telegram(session, user)
        ratings.seen.mark(session, film.id, member.id)
        title = escape_html(film.title) + (f" ({film.year})" if film.year else "")
        return _("Отмечено: вы видели «%(title)s».", title=title)


def reply(
    session: Session,
    message: dict,
    *,
    bot_username: str,
    fixed_chat_id: str | None,
    site_url: str | None,
    backup_chat_id: str | None = None,
    kinopoisk: KinopoiskClient | None = None,
) -> str | None:
    """Act on one message; returns the answer (Telegram HTML), or None to stay silent."""
    chat = message.get("chat") or {}
    command = parse(message.get("text") or "")
    if "id" not in chat or command is None:
        return None
    if command.addressee is not None and command.addressee.lower() != bot_username.lower():
        return None  # addressed to another bot in the same group
    chat_id, title = chat["id"], chat.get("title") or chat.get("username") or chat.get("first_name")
    argument = (message.get("text") or "").strip().partition(" ")[2].strip()
    with speaking_to(message.get("from")):
        if command.name == "start" and argument and chat.get("type") == "private" and message.get("from"):
            return link_member(session, message["from"], argument)
        if command.name == "want" and chat.get("type") == "private" and message.get("from"):
            return watchlists_telegram.want(session, message["from"], argument, kinopoisk, site_url)
        if (
            command.name == "seen"
            and chat.get("type") == "private"
            and (message.get("from") or {}).get("id") is not None
        ):
            return mark_seen(session, message["from"], argument)
        fixed = is_fixed_chat(chat, fixed_chat_id)
        if command.name == "start":
            notifications.set_subscription(session, chat_id, True, title)
            log.info("chat %s (%s) subscribed", chat_id, title or "no title")
            if fixed:
                return _(
                    "%(about)s Этот чат задан в настройках сайта (TELEGRAM_CHAT_ID) и получает объявления всегда; "
                    "/last — последний победитель.",
                    about=about(),
                )
            return _("%(about)s Вы подписаны; /stop — отписаться, /last — последний победитель.", about=about())
        if command.name == "stop":
            if fixed:
                return _(
                    "Этот чат задан в настройках сайта (TELEGRAM_CHAT_ID) и продолжает получать объявления; "
                    "чтобы их остановить, уберите его из настроек."
                )
            notifications.set_subscription(session, chat_id, False, title)
            log.info("chat %s (%s) unsubscribed", chat_id, title or "no title")
            return _("Вы отписались. /start — подписаться снова.")
        if command.name == "backup":
            # Only the admin's chat (BACKUP_TELEGRAM_CHAT_ID) gets the data; elsewhere a bare refusal.
            if backup_chat_id is None or str(chat_id) != backup_chat_id:
                return _("Эта команда здесь недоступна.")
            telegram_copy.request_copy(session, chat_id)
            log.info("backup requested from chat %s", chat_id)
            return _("Готовлю резервную копию — пришлю файлом.")
        if command.name == "last":
            return messages.latest_winner_text(session, site_url)
        if command.name == "help" or chat.get("type") == "private" or command.addressee is not None:
            return help_text(fixed)
    return None
