"""The notification outbox: written inside the event's own transaction, delivered by the
notifier worker one chat at a time (worker/telegram_outbox.py).

The worker claims a row by lease (services/leases.py), sends with no transaction open and
records the outcome right after. Delivery is at-least-once with one window: a worker that dies
between Telegram's answer and that record leaves its lease to run out, and the message is sent
again (LEASE later). A send whose outcome is unknown (the request went out, no answer came)
is not repeated within UNKNOWN_OUTCOME_HOLD; a kind may ask for at most one attempt per period
(the backup copy: one a day), however its attempts end.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from flask_babel import get_locale
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models import Notification, NotifierState, TelegramChat, as_utc, utcnow
from . import events
from .sql import upsert_insert

CHANNEL = "movie_lottery_outbox"  # Postgres NOTIFY channel the worker LISTENs on
MAX_ATTEMPTS = 12
RETRY_BASE_SECONDS = 2.0
RETRY_MAX_SECONDS = 600.0
# How long a claimed message may take before another attempt may start: longer than the
# Telegram client's own retries and waits (tests shorten it through the environment).
LEASE = timedelta(seconds=float(os.environ.get("OUTBOX_LEASE_SECONDS", "300")))
UNKNOWN_OUTCOME_HOLD = timedelta(hours=1)
LOCALE = "ru"  # the site's default language: Telegram messages speak it
_message_locale: ContextVar[str] = ContextVar("message_locale", default=LOCALE)
_for_members: ContextVar[bool] = ContextVar("for_members", default=True)


def message_locale() -> str:
    """The language composers write in: the site's, unless speaking() says otherwise (a push
    subscriber's language, when a push reuses a kind's Telegram text)."""
    return _message_locale.get()


def datetime_text(value: datetime, zone: tzinfo) -> str:
    """A moment as the current language writes it, in `zone`: "Sun, Dec 8, 2030, 8:00 PM",
    "вс, 8 дек. 2030 г., 20:00" (Babel's patterns; the weekday helps plan an evening)."""
    from babel import dates

    locale = get_locale() or LOCALE
    local = as_utc(value).astimezone(zone)
    day = dates.format_skeleton("yMMMEd", local, locale=locale)
    return (
        str(dates.get_datetime_format("medium", locale=locale))
        .replace("{1}", day)
        .replace("{0}", dates.format_time(local, "short", locale=locale))
    )


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    token = _message_locale.set(locale)
    try:
        yield
    finally:
        _message_locale.reset(token)


def for_members() -> bool:
    """Whether composers may say what only members see (a night's place). The bot's chats are the
    group's: whoever is there answers as a member by pressing a button. A Web Push is not (any
    browser may subscribe, named or not, and it shows on a locked screen): see for_anyone()."""
    return _for_members.get()


@contextmanager
def for_anyone() -> Iterator[None]:
    token = _for_members.set(False)
    try:
        yield
    finally:
        _for_members.reset(token)


# What a notification says, by kind: (session, notification, site_url) -> (text, inline keyboard),
# or None when there is nothing left to say. Feature modules register theirs (see services/polls/telegram.py).
Composer = Callable[[Session, Notification, "str | None"], "tuple[str, dict | None] | None"]
AfterSend = Callable[[Session, Notification, str, dict], None]
COMPOSERS: dict[str, Composer] = {}
AFTER_SEND: dict[str, AfterSend] = {}


@dataclass
class Prepared:
    """A message made ready for one chat while the database was read: ``send(client)`` is the
    network part (it touches no database) and returns the Message Telegram gave back."""

    send: Callable[[Any], dict]
    close: Callable[[], None] = lambda: None


# Kinds delivered some other way than a text message (a file upload), made ready by
# (session, notification, chat_id, site_url) -> Prepared, or None when there is nothing left to say.
Preparer = Callable[[Session, Notification, str, "str | None"], "Prepared | None"]
PREPARERS: dict[str, Preparer] = {}
ONCE_PER: dict[str, timedelta] = {}  # kinds attempted at most once in this long, whatever happens


def composer(*kinds: str) -> Callable[[Composer], Composer]:
    def register(function: Composer) -> Composer:
        COMPOSERS.update(dict.fromkeys(kinds, function))
        return function

    return register


def sender(kind: str, *, once_per: timedelta | None = None) -> Callable[[Preparer], Preparer]:
    """Register how a kind that is not a text message is made ready; with ``once_per``, an
    attempt of it is never followed by another within that time (its lease runs that long)."""

    def register(function: Preparer) -> Preparer:
        PREPARERS[kind] = function
        if once_per is not None:
            ONCE_PER[kind] = once_per
        return function

    return register


def after_send(*kinds: str) -> Callable[[AfterSend], AfterSend]:
    """A hook run once Telegram accepted a message of these kinds (e.g. to edit it later)."""

    def register(function: AfterSend) -> AfterSend:
        AFTER_SEND.update(dict.fromkeys(kinds, function))
        return function

    return register


def enqueue(session: Session, kind: str, payload: dict) -> Notification:
    """Add an outbox row to the caller's transaction and wake the worker on commit."""
    notification = Notification(kind=kind, payload=payload, delivered_to=[])
    session.add(notification)
    events.notification_enqueued.send(session, notification=notification)  # other channels (Web Push)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return notification


def compose(session: Session, notification: Notification, site_url: str | None) -> tuple[str, dict | None] | None:
    """The message (Telegram HTML, in the site's language) and its inline keyboard, or None
    when there is nothing left to say (a poll purged before its turn came)."""
    make = COMPOSERS.get(notification.kind)
    if make is None:
        raise ValueError(f"unknown notification kind {notification.kind!r}")
    return make(session, notification, site_url)


def on_sent(session: Session, notification: Notification, chat_id: str, sent: dict) -> None:
    """After Telegram accepted a message: run its kind's hook, if any."""
    hook = AFTER_SEND.get(notification.kind)
    if hook is not None:
        hook(session, notification, chat_id, sent)


def recipients(session: Session, fixed_chat_id: str | None) -> list[str]:
    chats = [str(c) for c in session.scalars(select(TelegramChat.chat_id).where(TelegramChat.subscribed))]
    if fixed_chat_id and fixed_chat_id not in chats:
        chats.insert(0, fixed_chat_id)
    return chats


def lease_for(kind: str) -> timedelta:
    return ONCE_PER.get(kind, LEASE)


def prepare(session: Session, notification: Notification, chat_id: str, site_url: str | None) -> Prepared | None:
    """Make the message for one chat ready (reading the database; nothing is sent); None when
    there is nothing left to say to it."""
    preparer = PREPARERS.get(notification.kind)
    if preparer is not None:
        return preparer(session, notification, chat_id, site_url)
    composed = compose(session, notification, site_url)
    if composed is None:
        return None
    text, keyboard = composed

    def send(client) -> dict:
        from ..clients.telegram import split_message

        chunks = split_message(text)
        for index, chunk in enumerate(chunks):  # the keyboard goes under the last part
            sent = client.send_message(chat_id, chunk, reply_markup=keyboard if index == len(chunks) - 1 else None)
        return sent

    return Prepared(send)


def next_recipient(session: Session, notification: Notification, fixed_chat_id: str | None) -> str | None:
    """The next chat a claimed notification still has to reach; None once all have it. A payload
    naming a "chat_id" is for that chat alone (an answer to its command, the admin's backup)."""
    done = set(notification.delivered_to or [])
    direct = (notification.payload or {}).get("chat_id")
    chats = [str(direct)] if direct is not None else recipients(session, fixed_chat_id)
    return next((chat for chat in chats if chat not in done), None)


def mark_delivered(notification: Notification, chat_id: str) -> None:
    notification.delivered_to = [*(notification.delivered_to or []), chat_id]


def mark_done(notification: Notification) -> None:
    notification.status = "sent"
    notification.sent_at = utcnow()


def mark_retry(
    notification: Notification, error: str, delay: float | None = None, not_before: datetime | None = None
) -> None:
    """Back off exponentially with jitter (or ``delay`` seconds), never before ``not_before``;
    give up after MAX_ATTEMPTS."""
    notification.attempts += 1
    notification.last_error = error[:500]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.status = "failed"
        return
    if delay is None:
        delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**notification.attempts) * random.uniform(0.5, 1.0)
    next_attempt = utcnow() + timedelta(seconds=delay)
    notification.next_attempt_at = max(next_attempt, not_before) if not_before is not None else next_attempt


def set_subscription(session: Session, chat_id: int, subscribed: bool, title: str | None = None) -> None:
    chat = session.get(TelegramChat, chat_id)
    if chat is None:
        chat = TelegramChat(chat_id=chat_id)
        session.add(chat)
    chat.subscribed = subscribed
    if title:
        chat.title = title[:200]


HEARTBEAT_NAME = "notifier"
STALE_AFTER = timedelta(seconds=30)


def _upsert_state(session: Session, instance: str, **values) -> None:
    """Write the notifier's row in one statement: the heartbeat and the updates thread may both
    be the first to write it, and a read-then-insert would let one of them fail on the key."""
    now = utcnow()
    stmt = upsert_insert(session)(NotifierState).values(
        name=HEARTBEAT_NAME, instance=instance, heartbeat_at=now, **values
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[NotifierState.name],
            set_={"instance": instance, "heartbeat_at": now, **values},
        )
    )


def beat(session: Session, instance: str) -> None:
    _upsert_state(session, instance)


def heartbeat_status(session: Session) -> str:
    """alive | stale | not_running — read by /ready, no remote calls."""
    state = session.get(NotifierState, HEARTBEAT_NAME)
    if state is None:
        return "not_running"
    return "alive" if utcnow() - as_utc(state.heartbeat_at) < STALE_AFTER else "stale"


def get_offset(session: Session) -> int | None:
    state = session.get(NotifierState, HEARTBEAT_NAME)
    return state.update_offset if state else None


def save_bot_username(session: Session, instance: str, username: str) -> None:
    """Keep the bot's @username for the site's t.me deep links (written with a heartbeat)."""
    _upsert_state(session, instance, bot_username=username[:64])


def save_offset(session: Session, offset: int) -> None:
    state = session.get(NotifierState, HEARTBEAT_NAME)
    if state is not None:
        state.update_offset = offset
