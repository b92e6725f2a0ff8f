"""The notifier's poll duties: vote (or rate a film) by inline button, announce each closed poll's
result once (through the outbox), and keep announcements' counts and rating requests' averages
current with throttled edits."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..clients import telegram
from ..extensions import db
from ..services import poll_telegram
from ..services.ratings import telegram as rating_requests
from .maintenance import committed

log = logging.getLogger("movie_lottery.polls")

TICK_SECONDS = 1.0
GONE = ("message to edit not found", "message can't be edited", "chat not found")


# What a button's callback_data starts with -> (what it does, its name in the log).
BUTTONS = {
    rating_requests.CALLBACK_PREFIX: (rating_requests.on_callback, "rating from Telegram"),
}


def answer_button(client: telegram.TelegramClient, query: dict) -> None:
    """A pressed button: record the vote or score, then answer the query (Telegram shows the text briefly)."""
    prefix = str(query.get("data") or "").partition(":")[0]
    handle, what = BUTTONS.get(prefix, (poll_telegram.on_callback, "vote from Telegram"))
    text = committed(lambda: handle(db.session, query), what)
    try:
        client.answer_callback_query(str(query["id"]), text)
    except telegram.TelegramError as exc:
        log.warning("answerCallbackQuery failed: %s", exc)


def announce_results() -> None:
    committed(lambda: poll_telegram.claim_closed(db.session), "closed poll check")


# Kept messages whose text follows the database: (what is due, how it looks now, mark it edited).
EDITED = (
    (poll_telegram.due_edits, lambda poll, site_url: poll_telegram.message(db.session, poll, site_url), poll_telegram.mark_edited),
    (rating_requests.due_edits, rating_requests.message, rating_requests.mark_edited),
)


def edit_counts(client: telegram.TelegramClient, site_url: str | None, leading: threading.Event) -> float:
    """Edit every kept message that is due; returns how long to pause (Telegram's retry_after)."""
    for due_edits, render, mark_edited in EDITED:
        for kept, subject in due_edits(db.session):
            if not leading.is_set():
                break
            text, keyboard = render(subject, site_url)
            try:
                client.edit_message_text(kept.chat_id, kept.message_id, text, reply_markup=keyboard)
            except telegram.TelegramRetryLater as exc:
                db.session.rollback()
                return exc.retry_after or 1.0
            except telegram.TelegramError as exc:
                description = exc.description.lower()
                if "not modified" not in description and not any(marker in description for marker in GONE):
                    log.warning("editing %s %s failed: %s", type(kept).__name__, kept.id, exc)
                    kept.edited_at = poll_telegram.utcnow()  # try again after the interval
                    db.session.commit()
                    continue
            mark_edited(kept, subject)
            db.session.commit()
    db.session.rollback()
    return 0.0


def sync_loop(app: Flask, client: telegram.TelegramClient | None, site_url: str | None,
              stopping: threading.Event, leading: threading.Event) -> None:
    with app.app_context():
        while not stopping.wait(TICK_SECONDS):
            if not leading.is_set():
                continue
            announce_results()
            if client is None:
                continue
            try:
                pause = edit_counts(client, site_url, leading)
            except SQLAlchemyError as exc:
                db.session.rollback()
                log.warning("poll edits skipped: %s", exc.__class__.__name__)
                pause = TICK_SECONDS
            if pause:
                stopping.wait(pause)
