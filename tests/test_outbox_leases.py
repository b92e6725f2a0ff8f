"""The worker claims outbox rows by lease and holds no transaction while it talks to the
network (services/leases.py): a slow upload is sent once, a worker killed mid-send is
replaced after its lease, an outcome that is unknown is not repeated within the hour, and the
backup copy goes out at most once a day.

Real worker processes on the real Postgres, with `idle_in_transaction_session_timeout` set low
for them: a transaction left open across the network is ended by Postgres there, as it is in
production after a minute. Where an hour or a day must pass, the outbox is driven in-process
(worker/telegram_outbox.py) against the fake Bot API."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, select, update

from movie_lottery.clients import telegram
from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Notification, as_utc, utcnow
from movie_lottery.services import due_jobs, leases, notifications
from movie_lottery.services.backup import telegram_copy
from movie_lottery.worker.telegram_outbox import TelegramOutbox

from . import backup_data
from .fakes.telegram_api import FakeTelegram
from .helpers import build_app
from .test_notifier import announced_ids, make_and_draw, outbox_drained, wait_until
from .workers import FIXED_CHAT, TOKEN, WorkerProcess, worker_env

pytestmark = pytest.mark.slow

ADMIN_CHAT = "5550001"
IDLE_TIMEOUT_MS = 1500  # Postgres ends a worker's transaction left idle this long


@pytest.fixture
def fake_telegram():
    with FakeTelegram(token=TOKEN) as fake:
        yield fake
        assert fake.refusals == []


@pytest.fixture
def workers(pg_app, postgres_url, fake_telegram, tmp_path):
    started: list[WorkerProcess] = []

    def start(**extra) -> WorkerProcess:
        env = worker_env(
            postgres_url,
            fake_telegram.url,
            BACKUP_TELEGRAM_CHAT_ID=ADMIN_CHAT,
            PGOPTIONS=f"-c idle_in_transaction_session_timeout={IDLE_TIMEOUT_MS}",
            **extra,
        )
        started.append(WorkerProcess(env, tmp_path / f"worker{len(started)}.log"))
        return started[-1]

    yield start
    for worker in started:
        worker.close()


class OpenTransactions:
    """Samples pg_stat_activity for sessions of the test's database that sit in a transaction
    doing nothing for over half a second (a statement's own moment between two commands is
    shorter); the test's own connection is autocommit."""

    QUERY = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND state LIKE 'idle in transaction%%' AND state_change < now() - interval '500 milliseconds'"
    )

    def __init__(self, database_url: str):
        self.conn = psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True)
        self.seen = 0

    def sample(self) -> None:
        self.seen = max(self.seen, self.conn.execute(self.QUERY).fetchone()[0])

    def close(self) -> None:
        self.conn.close()


def backup_rows(app) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == telegram_copy.KIND)).all()
        db.session.expunge_all()
        db.session.rollback()
        return rows


def test_a_slow_upload_is_sent_once_and_no_transaction_waits_on_it(pg_app, postgres_url, workers, fake_telegram):
    """Before: the claim's FOR UPDATE transaction stayed open during the upload, Postgres ended
    it (at 60 s in production), the copy was never marked sent and went out again and again."""
    backup_data.fill(pg_app)
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    fake_telegram.delay_next("sendDocument", 3 * IDLE_TIMEOUT_MS / 1000)  # Telegram takes its time to answer
    watch = OpenTransactions(postgres_url)
    try:
        fake_telegram.push_message(int(ADMIN_CHAT), "/backup")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not fake_telegram.documents:
            watch.sample()  # the whole time the upload is under way
            time.sleep(0.05)
        assert fake_telegram.documents, worker.log()
        assert watch.seen == 0  # no session of the worker sat in a transaction while Telegram took its time
    finally:
        watch.close()
    # Every copy asked for (this one; the week's too, when its time has come) is marked sent, once.
    assert wait_until(lambda: {row.status for row in backup_rows(pg_app)} == {"sent"}, 15), worker.log()
    copies = len(backup_rows(pg_app))
    assert fake_telegram.requests_count("sendDocument") == copies and len(fake_telegram.documents) == copies
    assert "terminating connection due to idle-in-transaction timeout" not in worker.log()


def test_a_worker_killed_mid_send_is_replaced_after_its_lease(pg_app, workers, fake_telegram):
    fake_telegram.delay_next("sendMessage", 30)  # the first message hangs in Telegram
    first = workers(OUTBOX_LEASE_SECONDS="6")
    first.wait_for_log("holds the singleton lock")
    [public_id] = make_and_draw(pg_app, 1)
    assert wait_until(lambda: fake_telegram.requests_count("sendMessage") == 1, 15), first.log()
    with pg_app.app_context():
        lease_until = as_utc(db.session.scalar(select(Notification.lease_until)))
        db.session.rollback()
    first.kill()
    second = workers(OUTBOX_LEASE_SECONDS="6")
    second.wait_for_log("holds the singleton lock")
    while utcnow() < lease_until - timedelta(seconds=0.3):  # the new holder leaves it alone meanwhile
        assert fake_telegram.requests_count("sendMessage") == 1
        time.sleep(0.05)
    assert wait_until(lambda: fake_telegram.requests_count("sendMessage") == 2, 20), second.log()
    assert wait_until(lambda: outbox_drained(pg_app), 10)
    assert announced_ids(fake_telegram) == [public_id]  # the hanging one is still in Telegram's hands


@pytest.fixture
def outbox(postgres_url, fake_telegram):
    """The worker's Telegram outbox driven in-process with short client timeouts."""
    app = build_app(
        postgres_url,
        TELEGRAM_CHAT_ID=FIXED_CHAT,
        BACKUP_TELEGRAM_CHAT_ID=ADMIN_CHAT,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake_telegram.url,
    )
    client = telegram.TelegramClient(
        TOKEN, fake_telegram.url, read_timeout=0.5, upload_read_timeout=0.5, max_attempts=1
    )
    leading = threading.Event()
    leading.set()
    due_jobs.load_handlers()
    with app.app_context():
        yield app, TelegramOutbox(client, FIXED_CHAT, None, leading)
        db.session.rollback()
        from .helpers import empty_all_tables

        empty_all_tables()
        db.engine.dispose()


def next_attempt(app) -> timedelta:
    row = db.session.scalar(select(Notification))
    db.session.rollback()
    return as_utc(row.next_attempt_at) - utcnow()


def test_an_unknown_outcome_is_not_repeated_within_the_hour(outbox, fake_telegram):
    app, sender = outbox
    make_and_draw(app, 1)
    fake_telegram.delay_next("sendMessage", 2)  # the message went out, the answer never came in time
    assert sender.deliver_one()
    assert fake_telegram.requests_count("sendMessage") == 1
    assert next_attempt(app) > timedelta(minutes=59)
    assert not sender.deliver_one()  # nothing due: not sent again now
    with app.app_context():  # an hour later it is due again, and goes out
        db.session.execute(update(Notification).values(next_attempt_at=utcnow()))
        db.session.commit()
    while sender.deliver_one():
        pass
    assert fake_telegram.requests_count("sendMessage") == 2
    assert db.session.scalar(select(Notification.status)) == "sent"


def test_the_backup_copy_is_attempted_at_most_once_a_day(outbox, fake_telegram):
    app, sender = outbox
    # A failure Telegram answered: retried the next day, not after the usual seconds of back-off.
    telegram_copy.request_copy(db.session, ADMIN_CHAT)
    db.session.commit()
    fake_telegram.fail_next("sendDocument", 500)
    assert sender.deliver_one() and fake_telegram.requests_count("sendDocument") == 1
    assert next_attempt(app) > timedelta(hours=23, minutes=59)
    # An upload that timed out after the file went out: a day as well.
    db.session.execute(update(Notification).values(next_attempt_at=utcnow()))
    db.session.commit()
    fake_telegram.delay_next("sendDocument", 2)
    assert sender.deliver_one() and fake_telegram.requests_count("sendDocument") == 2
    assert next_attempt(app) > timedelta(hours=23, minutes=59)
    # A worker that died mid-upload: its lease (a day) keeps the copy from going out again.
    db.session.execute(update(Notification).values(next_attempt_at=utcnow()))
    db.session.commit()
    lease = leases.claim(
        db.session,
        Notification,
        lambda row: notifications.lease_for(row.kind),
        select(Notification.id, Notification.kind),
    )
    assert lease.until - utcnow() > timedelta(hours=23, minutes=59)
    assert not sender.deliver_one()
    assert fake_telegram.requests_count("sendDocument") == 2
    # The week's due job run twice in a day (scheduled again after a restore) queues one copy.
    db.session.execute(update(Notification).values(status="sent", lease_until=None, lease_token=None))
    for key in ("backup:again-1", "backup:again-2"):
        due_jobs.schedule(db.session, key, telegram_copy.KIND, utcnow())
    db.session.commit()
    assert due_jobs.run_due(db.session) == 2
    assert (
        db.session.scalar(
            select(func.count()).where(Notification.kind == telegram_copy.KIND, Notification.status == "pending")
        )
        == 1
    )
    assert db.session.scalar(select(func.count()).select_from(DueJob).where(DueJob.done_at.is_(None))) == 0
