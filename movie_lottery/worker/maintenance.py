"""Housekeeping the singleton worker does now and then: purging old closed polls, scheduling
this week's backup copy for Telegram."""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import utcnow
from ..services import polls
from ..services.backup import telegram_copy

log = logging.getLogger("movie_lottery.maintenance")

PURGE_EVERY_SECONDS = float(os.environ.get("POLL_PURGE_EVERY_SECONDS", "3600"))
STANDBY_CHECK_SECONDS = 1.0  # a standby starts its housekeeping within this long of taking over


def committed(action, what: str, default=None):
    """Run ``action()`` and commit; on a database error roll back, log ``what`` and return ``default``."""
    try:
        result = action()
        db.session.commit()
        return result
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("%s failed: %s", what, exc.__class__.__name__)
        return default


def purge_polls_once(app: Flask) -> int:
    """Same as `flask purge-polls`."""
    retention = timedelta(days=app.config["SETTINGS"].poll_retention_days)
    removed = committed(lambda: polls.purge_closed(db.session, retention), "poll purge", default=0)
    if removed:
        log.info("purged %d old closed poll(s)", removed)
    return removed


def schedule_backup_copy(app: Flask) -> None:
    """With BACKUP_TELEGRAM_CHAT_ID set: this ISO week's copy, once (a due job keyed by the week)."""
    if app.config["SETTINGS"].backup_telegram_chat_id is None:
        return
    added = committed(lambda: telegram_copy.schedule_this_week(db.session), "backup copy scheduling", default=None)
    if added is not None:
        log.info(
            "weekly backup copy %s %s", telegram_copy.week_key(utcnow()), "scheduled" if added else "already scheduled"
        )


def purge_loop(app: Flask, stopping: threading.Event, leading: threading.Event) -> None:
    """Once this instance holds the lock (at start, or when it takes over from another), then
    every PURGE_EVERY_SECONDS while it does."""
    with app.app_context():
        while not stopping.is_set():
            if not leading.is_set():
                stopping.wait(STANDBY_CHECK_SECONDS)
                continue
            purge_polls_once(app)
            schedule_backup_copy(app)
            stopping.wait(PURGE_EVERY_SECONDS)
