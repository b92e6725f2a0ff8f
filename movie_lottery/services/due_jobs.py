"""Due jobs: work the singleton worker does once at a given time (reminders, weekly backups).

A feature registers a handler for its kind (and how its jobs are armed again after a restore,
``rearmed_by``) and schedules jobs under unique keys:

    @due_jobs.handler("night_reminder")
    def _remind(session, payload): notifications.enqueue(session, ...)

    due_jobs.schedule(session, "night:12:remind:60:v1", "night_reminder", due_at, {...})

Scheduling is insert-or-ignore on the key, so scheduling twice is harmless. The worker runs a
due job's handler and marks the job done in one transaction: the handler's effects (outbox
rows, never network calls) are committed exactly once, whichever worker holds the lock and
however often it restarts. A handler that raises is retried later with a growing delay.

A handler that must call a remote service registers with network=True: the job is leased
(its due time moved LEASE ahead) and committed before the handler runs, and the handler
commits its own steps around each call (claim, commit, send, record) — no transaction is held
across network I/O. It must be safe to run again: a worker that dies mid-run leaves the job
to be taken again once the lease ends.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import DueJob, utcnow
from .sql import affected_rows, upsert_insert

log = logging.getLogger("movie_lottery.due_jobs")

Handler = Callable[[Session, dict], None]
HANDLERS: dict[str, Handler] = {}
Rearm = Callable[[Session], object]
# kind -> what arms that kind's jobs from the data again (after a restore: services/backup/rebuild.py)
REARMS: dict[str, Rearm] = {}
NETWORK: set[str] = set()  # kinds whose handlers commit their own steps around remote calls
LEASE = timedelta(minutes=10)
# Modules that register handlers; the worker imports them before running jobs.
HANDLER_MODULES: tuple[str, ...] = (
    "movie_lottery.services.backup.telegram_copy",
    "movie_lottery.services.nights.reminders",
    "movie_lottery.services.ratings.telegram",
    "movie_lottery.services.imports.matching",
)
MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 1800.0


def handler(kind: str, *, network: bool = False) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        if network:
            NETWORK.add(kind)
        return function

    return register


def rearmed_by(*kinds: str) -> Callable[[Rearm], Rearm]:
    """Register how the jobs of these kinds are armed again from the feature's own rows, as
    scheduling arms them (times already past skipped): a restore drops every job and calls this."""

    def register(function: Rearm) -> Rearm:
        for kind in kinds:
            REARMS[kind] = function
        return function

    return register


def load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def schedule(session: Session, key: str, kind: str, due_at: datetime, payload: dict | None = None) -> bool:
    """Add a job unless one with ``key`` exists (done or not); True if it was added. The caller commits."""
    stmt = upsert_insert(session)(DueJob).values(key=key, kind=kind, due_at=due_at, payload=payload or {}, attempts=0)
    added = session.execute(stmt.on_conflict_do_nothing(index_elements=[DueJob.key]).returning(DueJob.id))
    return added.first() is not None


def cancel(session: Session, key_prefix: str) -> int:
    """Drop the pending jobs whose key starts with ``key_prefix``; done ones stay as the record."""
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return affected_rows(
        session.execute(
            delete(DueJob)
            .where(DueJob.done_at.is_(None), DueJob.key.like(escaped + "%", escape="\\"))
            .execution_options(synchronize_session=False)
        )
    )


def claim_next(session: Session, now: datetime | None = None) -> DueJob | None:
    """Lock the earliest due job (SKIP LOCKED: a second runner never takes the same one)."""
    stmt = (
        select(DueJob)
        .where(DueJob.done_at.is_(None), DueJob.due_at <= (now or utcnow()))
        .order_by(DueJob.due_at, DueJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalar(stmt)


def _postpone(job: DueJob, error: str) -> None:
    job.attempts += 1
    job.last_error = error[:500]
    if job.attempts >= MAX_ATTEMPTS:
        job.done_at = utcnow()  # given up: kept with its error for the record
        log.error("due job %s gave up after %d attempts: %s", job.key, job.attempts, error)
        return
    delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**job.attempts) * random.uniform(0.5, 1.0)
    job.due_at = utcnow() + timedelta(seconds=delay)


def run_next(session: Session, now: datetime | None = None) -> bool:
    """Run one due job and commit; False when none is due."""
    job = claim_next(session, now)
    if job is None:
        session.rollback()
        return False
    job_id, key = job.id, job.key
    run = HANDLERS.get(job.kind)
    payload = dict(job.payload or {})
    try:
        if run is None:
            raise LookupError(f"no handler for due job kind {job.kind!r}")
        if job.kind in NETWORK:
            job.due_at = utcnow() + LEASE  # leased: taken again only if this run never finishes
            session.commit()
            run(session, payload)
            session.commit()
            job = session.get_one(DueJob, job_id, with_for_update=True)
        else:
            run(session, payload)
        job.done_at = utcnow()
        session.commit()
    except Exception as exc:  # noqa: BLE001 — one bad job must not stop the others
        session.rollback()  # none of the failed handler's effects stay
        log.warning("due job %s failed: %s", key, exc)
        job = session.get(DueJob, job_id, with_for_update={"skip_locked": True})
        if job is not None and job.done_at is None:
            _postpone(job, f"{exc.__class__.__name__}: {exc}")
        session.commit()
    return True


def run_due(session: Session, now: datetime | None = None, limit: int = 100) -> int:
    """Run up to ``limit`` due jobs, one commit each; how many ran."""
    ran = 0
    while ran < limit and run_next(session, now):
        ran += 1
    return ran
