"""The worker's due-jobs thread: runs what services/due_jobs.py scheduled, while leading."""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services import due_jobs

log = logging.getLogger("movie_lottery.due_jobs")

POLL_SECONDS = float(os.environ.get("DUE_JOBS_POLL_SECONDS", "5"))


def run_loop(app: Flask, stopping: threading.Event, leading: threading.Event) -> None:
    """Every POLL_SECONDS, run the jobs that are due (one commit each) while this instance leads."""
    due_jobs.load_handlers()
    with app.app_context():
        while not stopping.is_set():
            if leading.is_set():
                try:
                    due_jobs.run_due(db.session)
                except SQLAlchemyError as exc:
                    db.session.rollback()
                    log.warning("due jobs skipped: %s", exc.__class__.__name__)
            stopping.wait(POLL_SECONDS)
