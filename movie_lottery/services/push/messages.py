"""What a push says: {"title", "body", "url", "icon", "tag"} as JSON under 3 kB, in the
subscriber's language. The url is site-relative (the service worker opens it on its own
origin); the tag names the notification, so a repeated push replaces it instead of adding one."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Notification, Poll
from .. import notifications, polls

MAX_PAYLOAD_BYTES = 3000  # before encryption (which adds 103 bytes here)
TITLE_MAX, BODY_MAX = 120, 400
ICON = "/static/icons/icon-192.png"

Composer = Callable[[Session, dict], "tuple[str, str, str] | None"]
COMPOSERS: dict[str, Composer] = {}
# The page a notification without its own composer opens, by the first word of its kind:
# (the payload's id field, the page).
PAGES = {
    "night": ("public_id", "/n/{}"),
    "poll": ("public_id", "/p/{}"),
    "lottery": ("public_id", "/l/{}"),
    "film": ("film_id", "/films/{}"),
}


def composer(*kinds: str):
    def register(function: Composer) -> Composer:
        for kind in kinds:
            COMPOSERS[kind] = function
        return function

    return register


def _film(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year else title


@composer("lottery_drawn")
def _lottery_drawn(_session: Session, data: dict) -> tuple[str, str, str]:
    name = data.get("lottery_title") or _("Лотерея %(id)s", id=data["public_id"])
    return (
        _("Розыгрыш «%(name)s» состоялся!", name=name),
        _("Смотрим: %(film)s", film=_film(data["winner_title"], data.get("winner_year"))),
        f"/l/{data['public_id']}",
    )


def _poll(session: Session, data: dict) -> Poll | None:
    return session.scalar(select(Poll).where(Poll.public_id == data["public_id"]))


@composer("poll_created")
def _poll_created(session: Session, data: dict) -> tuple[str, str, str] | None:
    poll = _poll(session, data)
    if poll is None:
        return None
    films = ", ".join(entry.title for entry in poll.entries)
    return (
        _("Новое голосование: «%(name)s»", name=poll.title or _("Голосование %(id)s", id=poll.public_id)),
        films,
        f"/p/{poll.public_id}",
    )


@composer("poll_closed")
def _poll_closed(session: Session, data: dict) -> tuple[str, str, str] | None:
    poll = _poll(session, data)
    if poll is None:
        return None
    result = polls.result_line(polls.winner(session, poll), lambda entry: entry.title)
    return (
        _("Голосование «%(name)s» закончилось", name=poll.title or _("Голосование %(id)s", id=poll.public_id)),
        result,
        f"/p/{poll.public_id}",
    )


@composer("download_finished")
def _download_finished(_session: Session, data: dict) -> tuple[str, str, str]:
    return _("Фильм скачан"), _("%(film)s — можно смотреть!", film=_film(data["title"], data.get("year"))), "/library"


def _plain(telegram_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", telegram_html))


def _from_telegram_text(session: Session, notification: Notification, locale: str) -> tuple[str, str, str] | None:
    """A kind without its own composer: its Telegram message, in the subscriber's language, as plain text."""
    try:
        with notifications.speaking(locale), notifications.for_anyone():
            composed = notifications.compose(session, notification, None)
    except (ValueError, KeyError):
        return None
    if composed is None:
        return None
    first, _sep, rest = _plain(composed[0]).strip().partition("\n")
    field, page = PAGES.get(notification.kind.split("_", 1)[0], (None, None))
    page_id = notification.payload.get(field) if field else None
    return first, rest, page.format(page_id) if page is not None and page_id is not None else "/"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compose(session: Session, notification: Notification, locale: str) -> bytes | None:
    """The push payload for a subscriber speaking `locale`; None when there is nothing left to
    say (e.g. the poll was purged before its turn came)."""
    with force_locale(locale):
        function = COMPOSERS.get(notification.kind)
        parts = (
            function(session, notification.payload) if function else _from_telegram_text(session, notification, locale)
        )
    if parts is None:
        return None
    title, body, url = parts
    message = {
        "title": _cut(title, TITLE_MAX),
        "body": _cut(body, BODY_MAX),
        "url": url,
        "icon": ICON,
        "tag": f"n{notification.id}",
    }
    payload = json.dumps(message, ensure_ascii=False).encode()
    while len(payload) > MAX_PAYLOAD_BYTES:  # only long Telegram texts of unknown kinds get here
        message["body"] = _cut(message["body"], len(message["body"]) // 2)
        payload = json.dumps(message, ensure_ascii=False).encode()
    return payload
