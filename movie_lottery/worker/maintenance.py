"""Housekeeping the singleton worker does now and then: purging old closed polls."""
from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services import polls

log = logging.getLogger("movie_lottery.maintenance")

PURGE_EVERY_SECONDS = float(os.environ.get("POLL_PURGE_EVERY_SECONDS", "3600"))


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


def purge_loop(app: Flask, stopping: threading.Event, leading: threading.Event) -> None:
    """Purge at start, then every PURGE_EVERY_SECONDS while this instance holds the lock."""
    with app.app_context():
        while not stopping.is_set():
            if leading.is_set():
                purge_polls_once(app)
            stopping.wait(PURGE_EVERY_SECONDS)
