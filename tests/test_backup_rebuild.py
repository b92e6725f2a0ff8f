"""A restore rebuilds what was derived from the data it replaces: every due job is armed again
from the restored rows (nothing of the old ones is left to block or misfire), and the outbox
keeps nothing that names a row of the old data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Night, Notification, PushDelivery, utcnow
from movie_lottery.services import due_jobs, notifications
from movie_lottery.services.backup import telegram_copy

from . import backup_data
from .test_backup import imported
from .test_nights import at, create, start_passes


def jobs(app) -> dict[str, str]:
    """key -> "pending" | "done"."""
    with app.app_context():
        return {
            key: "done" if done_at else "pending"
            for key, done_at in db.session.execute(select(DueJob.key, DueJob.done_at))
        }


def night_id(app, public_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Night.id).where(Night.public_id == public_id))


def test_a_night_made_after_a_restore_gets_its_reminders_even_where_its_id_was_used(app, tmp_path):
    """The bug: the old night's done jobs stayed; the new night took the same id and sequence,
    so its reminder and "watched" mark were 'already scheduled' (insert-or-ignore on the key)."""
    backup_data.export(app, tmp_path / "empty.json")
    client = app.test_client()
    old = create(client, starts_at=at(30), reminders_minutes=[60])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DueJob)) == 3
        db.session.execute(update(DueJob).values(done_at=utcnow()))  # the worker ran them
        telegram_copy.schedule_this_week(db.session)  # not derived from the data: stays as it is
        db.session.execute(update(DueJob).where(DueJob.kind == telegram_copy.KIND).values(done_at=utcnow()))
        notifications.enqueue(
            db.session, "night_reminder", {"public_id": old["id"], "night_id": night_id(app, old["id"]), "minutes": 60}
        )
        telegram_copy.request_copy(db.session, "4242")
        db.session.commit()

    old_number = night_id(app, old["id"])
    output = imported(app, tmp_path / "empty.json", "--replace")
    week = telegram_copy.week_key(utcnow())
    assert jobs(app) == {week: "done"}
    with app.app_context():  # the old night's reminder is not sent about whatever night takes its id
        assert db.session.scalars(select(Notification.kind).where(Notification.status != "sent")).all() == [
            telegram_copy.KIND
        ]

    new = create(client, starts_at=at(30), reminders_minutes=[60])
    number = night_id(app, new["id"])
    assert number == old_number  # the id is used again (both engines)
    pending = {key for key, state in jobs(app).items() if state == "pending"}
    assert pending == {f"night:{number}:remind:60:s0", f"night:{number}:watched:s0", f"rate:night:{number}:request"}
    assert "due jobs armed from the restored data: 0" in output, output


def test_the_restored_nights_are_armed_for_every_kind_of_due_job(app, tmp_path):
    client = app.test_client()
    upcoming = create(client, starts_at=at(30), reminders_minutes=[60, 2880])  # 48 h before: already past
    watching = create(client, starts_at=at(30))
    start_passes(app, watching["id"])  # started a minute ago: only the rating request after it is ahead
    over = create(client, starts_at=at(30))
    with app.app_context():  # over (a night with no film lasts 3 hours): nothing to arm
        db.session.execute(
            update(Night).where(Night.public_id == over["id"]).values(starts_at=utcnow() - timedelta(hours=4))
        )
        db.session.commit()
    backup_data.export(app, tmp_path / "nights.json")
    with app.app_context():
        db.session.execute(DueJob.__table__.delete())
        db.session.add(
            DueJob(
                key="night:999:remind:60:s0",
                kind="night_reminder",
                due_at=utcnow() + timedelta(hours=1),
                payload={"night_id": 999, "minutes": 60, "sequence": 0},
                attempts=0,
            )
        )
        db.session.add(DueJob(key="gone:1", kind="a_kind_no_longer_handled", due_at=utcnow(), payload={}, attempts=0))
        db.session.commit()

    output = imported(app, tmp_path / "nights.json", "--replace")
    number = night_id(app, upcoming["id"])
    assert jobs(app) == {
        f"night:{number}:remind:60:s0": "pending",
        f"night:{number}:watched:s0": "pending",
        f"rate:night:{number}:request": "pending",
        f"rate:night:{night_id(app, watching['id'])}:request": "pending",
    }
    assert (
        "due jobs armed from the restored data: 4 (film_rating_request 2, night_reminder 1, night_watched 1)" in output
    )


def test_every_kind_of_due_job_says_what_a_restore_does_with_it():
    from movie_lottery.services.backup import rebuild

    due_jobs.load_handlers()
    assert set(due_jobs.HANDLERS) == set(due_jobs.REARMS) | set(rebuild.KEPT_KINDS)
    assert not set(due_jobs.REARMS) & set(rebuild.KEPT_KINDS)


def test_push_deliveries_do_not_outlive_the_subscriptions_they_name(app, tmp_path):
    backup_data.fill(app)
    path = tmp_path / "full.json.gz"
    backup_data.export(app, path)
    with app.app_context():
        notifications.enqueue(db.session, "poll_created", {"public_id": "whatever"})
        db.session.commit()
        assert (
            db.session.scalar(
                select(func.count()).select_from(PushDelivery.__table__).where(PushDelivery.status == "pending")
            )
            > 0
        )  # the phone wants polls
    imported(app, path, "--replace")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PushDelivery)) == 0
