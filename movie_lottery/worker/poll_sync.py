"""The notifier's poll and night duties: answer inline buttons (votes, RSVPs, candidate times,
scores), announce each closed poll's result once (through the outbox), and keep announcements' counts
and rating requests' averages
current with throttled edits."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..clients import telegram
from ..extensions import db
from ..services.bot import commands as bot_commands
from ..services.polls import telegram as poll_telegram
from ..services.nights import telegram as night_telegram
from ..services.ratings import telegram as rating_requests
from .maintenance import committed

log = logging.getLogger("movie_lottery.polls")

TICK_SECONDS = 1.0


def answer_button(client: telegram.TelegramClient, query: dict) -> None:
    """A pressed button: record the vote, then answer the query (Telegram shows the text briefly)."""
    text = committed(lambda: bot_commands.answer_callback(db.session, query), "button press from Telegram")
    try:
        client.answer_callback_query(str(query["id"]), text)
    except telegram.TelegramError as exc:
        log.warning("answerCallbackQuery failed: %s", exc)


def announce_results() -> None:
    committed(lambda: poll_telegram.claim_closed(db.session), "closed poll check")


# What keeps announcements current: (messages due an edit, how one should look now, mark it edited).
EDIT_SOURCES = (
    (poll_telegram.due_edits, poll_telegram.message, poll_telegram.mark_edited),
    (night_telegram.due_edits, night_telegram.render_edit, night_telegram.mark_edited),
    (rating_requests.due_edits, rating_requests.render_edit, rating_requests.mark_edited),
)


def edit_counts(client: telegram.TelegramClient, site_url: str | None, leading: threading.Event) -> float:
    """Edit every announcement that is due; returns how long to pause (Telegram's retry_after)."""
    for due_edits, render, mark_edited in EDIT_SOURCES:
        pause = _edit_due(client, site_url, leading, due_edits, render, mark_edited)
        if pause:
            return pause
    return 0.0


def _edit_due(client, site_url, leading, due_edits, render, mark_edited) -> float:
    for shown, subject in due_edits(db.session):
        if not leading.is_set():
            break
        text, keyboard = render(db.session, subject, site_url)
        try:
            client.edit_message_text(shown.chat_id, shown.message_id, text, reply_markup=keyboard)
        except telegram.TelegramRetryLater as exc:
            db.session.rollback()
            return exc.retry_after or 1.0
        except telegram.TelegramError as exc:
            description = exc.description.lower()
            if "not modified" not in description and not any(
                marker in description for marker in telegram.EDIT_GONE_MARKERS
            ):
                log.warning("editing message %s failed: %s", shown.id, exc)
                shown.edited_at = poll_telegram.utcnow()  # try again after the interval
                db.session.commit()
                continue
        mark_edited(shown, subject)
        db.session.commit()
    db.session.rollback()
    return 0.0


def sync_loop(
    app: Flask,
    client: telegram.TelegramClient | None,
    site_url: str | None,
    stopping: threading.Event,
    leading: threading.Event,
) -> None:
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
