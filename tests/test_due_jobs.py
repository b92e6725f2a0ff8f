"""Due jobs: idempotent scheduling, exactly-once runs (also with two runners racing on
Postgres), cancellation by key prefix, and failed handlers retried without their effects."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Notification, as_utc, utcnow
from movie_lottery.services import due_jobs, notifications


@pytest.fixture
def recorded():
    """A real handler that writes an outbox row, as features' handlers do."""
    runs: list[dict] = []

    @due_jobs.handler("test_note")
    def _note(session, payload):
        runs.append(payload)
        notifications.enqueue(session, "test_note", payload)

    @due_jobs.handler("test_broken")
    def _broken(session, payload):
        notifications.enqueue(session, "test_broken", payload)
        raise RuntimeError("boom")

    yield runs
    due_jobs.HANDLERS.pop("test_note")
    due_jobs.HANDLERS.pop("test_broken")


def outbox_count(kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == kind))


def test_a_due_job_runs_once_and_scheduling_twice_is_harmless(app, recorded):
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        assert due_jobs.schedule(db.session, "t:1", "test_note", past, {"n": 1})
        assert not due_jobs.schedule(db.session, "t:1", "test_note", past, {"n": 2})
        db.session.commit()

        assert due_jobs.run_due(db.session) == 1
        assert due_jobs.run_due(db.session) == 0
        assert recorded == [{"n": 1}]
        assert outbox_count("test_note") == 1
        job = db.session.scalar(select(DueJob).where(DueJob.key == "t:1"))
        assert job.done_at is not None and job.attempts == 0

        assert not due_jobs.schedule(db.session, "t:1", "test_note", past, {"n": 3})  # done stays done
        db.session.commit()
        assert due_jobs.run_due(db.session) == 0


def test_a_job_waits_for_its_time(app, recorded):
    with app.app_context():
        due_jobs.schedule(db.session, "t:later", "test_note", utcnow() + timedelta(minutes=5), {})
        db.session.commit()
        assert due_jobs.run_due(db.session) == 0
        assert due_jobs.run_due(db.session, now=utcnow() + timedelta(minutes=6)) == 1
        assert len(recorded) == 1


def test_cancel_drops_pending_jobs_by_prefix_only(app, recorded):
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        for key in ("night:1:a", "night:1:b", "night:10:a", "nightX1:a"):
            due_jobs.schedule(db.session, key, "test_note", past, {"key": key})
        db.session.commit()
        # '_' and '%' in a prefix are literal characters, not LIKE wildcards.
        assert due_jobs.cancel(db.session, "night_1") == 0
        assert due_jobs.cancel(db.session, "night:1:") == 2
        db.session.commit()
        due_jobs.run_due(db.session)
        assert sorted(run["key"] for run in recorded) == ["night:10:a", "nightX1:a"]
        assert due_jobs.cancel(db.session, "night:10:") == 0  # done jobs are kept as the record


def test_a_failing_handler_leaves_no_effect_and_is_retried_later(app, recorded):
    with app.app_context():
        due_jobs.schedule(db.session, "t:broken", "test_broken", utcnow() - timedelta(seconds=1), {})
        due_jobs.schedule(db.session, "t:after", "test_note", utcnow() - timedelta(seconds=1), {})
        db.session.commit()
        assert due_jobs.run_due(db.session) == 2  # the broken one does not stop the next
        assert outbox_count("test_broken") == 0
        assert outbox_count("test_note") == 1
        job = db.session.scalar(select(DueJob).where(DueJob.key == "t:broken"))
        assert job.done_at is None and job.attempts == 1 and "boom" in job.last_error
        assert as_utc(job.due_at) > utcnow()
        assert due_jobs.run_due(db.session) == 0  # not again before its retry time


def test_a_job_without_a_handler_is_kept_with_its_error(app):
    with app.app_context():
        due_jobs.schedule(db.session, "t:unknown", "no_such_kind", utcnow() - timedelta(seconds=1), {})
        db.session.commit()
        assert due_jobs.run_due(db.session) == 1
        job = db.session.scalar(select(DueJob).where(DueJob.key == "t:unknown"))
        assert job.done_at is None and "no_such_kind" in job.last_error


def test_two_runners_racing_on_postgres_run_each_job_once(pg_app, recorded):
    with pg_app.app_context():
        past = utcnow() - timedelta(seconds=1)
        for n in range(40):
            due_jobs.schedule(db.session, f"race:{n}", "test_note", past, {"n": n})
        db.session.commit()

    start = threading.Barrier(2)

    def runner():
        with pg_app.app_context():
            start.wait()
            due_jobs.run_due(db.session)
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(run["n"] for run in recorded) == list(range(40))
    with pg_app.app_context():
        assert outbox_count("test_note") == 40


def test_a_network_job_is_leased_and_committed_before_its_handler_runs(app):
    """A handler that calls a remote service (network=True) runs with no transaction open: the
    job is leased (due again only after LEASE) and committed first; done once it returns."""
    seen: list[tuple] = []

    @due_jobs.handler("test_network", network=True)
    def _call(session, payload):
        entered_in_transaction = db.session().in_transaction()
        job = session.scalar(select(DueJob).where(DueJob.key == "net:1"))
        seen.append((entered_in_transaction, as_utc(job.due_at) > utcnow() + due_jobs.LEASE / 2))

    try:
        with app.app_context():
            due_jobs.schedule(db.session, "net:1", "test_network", utcnow() - timedelta(seconds=1), {})
            db.session.commit()
            assert due_jobs.run_next(db.session)
            assert seen == [(False, True)]
            assert db.session.scalar(select(DueJob.done_at).where(DueJob.key == "net:1")) is not None
            assert not due_jobs.run_next(db.session)
    finally:
        due_jobs.HANDLERS.pop("test_network")
        due_jobs.NETWORK.discard("test_network")
