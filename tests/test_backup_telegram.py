"""The weekly backup copy in the admin's Telegram chat, through the real worker process and the
fake Bot API: sent once per week across a restart, on /backup from that chat only, refused over
the upload limit with a message, and the document read back from Telegram imports."""

from __future__ import annotations

import io
import time

import pytest
import requests
from sqlalchemy import func, select, update

from movie_lottery.clients import telegram
from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Notification, utcnow
from movie_lottery.services.backup import telegram_copy

from . import backup_data
from .fakes.telegram_api import FakeTelegram
from .helpers import build_app
from .workers import TOKEN, WorkerProcess, worker_env

pytestmark = pytest.mark.slow

ADMIN_CHAT = "5550001"


@pytest.fixture
def fake_telegram():
    with FakeTelegram(token=TOKEN) as fake:
        yield fake
        assert fake.refusals == []  # every call, the upload too, conforms to the published spec


@pytest.fixture
def workers(postgres_url, fake_telegram, tmp_path):
    started: list[WorkerProcess] = []

    def start(**extra) -> WorkerProcess:
        env = worker_env(
            postgres_url, fake_telegram.url, BACKUP_TELEGRAM_CHAT_ID=ADMIN_CHAT, DUE_JOBS_POLL_SECONDS="0.2", **extra
        )
        started.append(WorkerProcess(env, tmp_path / f"worker{len(started)}.log"))
        return started[-1]

    yield start
    for worker in started:
        worker.close()


def wait_for_messages(fake, chat_id: str, n: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(fake.messages_for(chat_id)) < n:
        time.sleep(0.05)
    messages = fake.messages_for(chat_id)
    assert len(messages) >= n, messages
    return messages


def test_the_weekly_copy_is_sent_once_and_imports(pg_app, workers, fake_telegram, tmp_path):
    backup_data.fill(pg_app)
    worker = workers()
    worker.wait_for_log(f"weekly backup copy {telegram_copy.week_key(utcnow())} scheduled")
    with pg_app.app_context():  # due now, whatever the hour of the week the test runs at
        db.session.execute(update(DueJob).where(DueJob.kind == telegram_copy.KIND).values(due_at=utcnow()))
        db.session.commit()
    assert fake_telegram.wait_for_documents(1, 30), worker.log()
    document = fake_telegram.documents[0]
    assert document["chat_id"] == ADMIN_CHAT and document["mime_type"] == "application/gzip"
    assert document["file_name"] == f"movie_lottery-backup-{utcnow().date().isoformat()}.json.gz"
    assert "flask import" in document["caption"]

    # A restart: the week's copy is not sent again; /backup from the admin's chat sends another.
    assert worker.terminate()[0] == 0
    again = workers()
    again.wait_for_log(f"weekly backup copy {telegram_copy.week_key(utcnow())} already scheduled")
    fake_telegram.push_message(int(ADMIN_CHAT), "/backup")
    assert fake_telegram.wait_for_documents(2, 30), again.log()
    # Anywhere else the command is refused, and says nothing about the data.
    fake_telegram.push_message(777, "/backup")
    fake_telegram.push_message(-100999, "/backup")
    assert wait_for_messages(fake_telegram, "777", 1)[0]["text"] == "Эта команда здесь недоступна."
    assert wait_for_messages(fake_telegram, "-100999", 1)[0]["text"] == "Эта команда здесь недоступна."
    assert [d["chat_id"] for d in fake_telegram.documents] == [ADMIN_CHAT, ADMIN_CHAT]  # never the announcement chats
    with pg_app.app_context():
        weekly = db.session.scalars(select(DueJob).where(DueJob.kind == telegram_copy.KIND)).all()
        assert [job.key for job in weekly] == [telegram_copy.week_key(utcnow())] and weekly[0].done_at is not None
        queued = db.session.scalar(select(func.count()).where(Notification.kind == telegram_copy.KIND))
        assert queued == 2

    # The file from Telegram restores the data on another engine.
    path = tmp_path / document["file_name"]
    path.write_bytes(document["content"])
    copy = build_app(f"sqlite:///{tmp_path}/restored.db")
    restored = copy.test_cli_runner().invoke(args=["import", str(path)])
    assert restored.exit_code == 0, restored.output
    assert backup_data.without_export_time(
        backup_data.export(copy, tmp_path / "restored.json")
    ) == backup_data.without_export_time(backup_data.export(pg_app, tmp_path / "original.json"))
    with copy.app_context():
        db.engine.dispose()


def test_over_the_upload_limit_the_bot_says_so(pg_app, workers, fake_telegram):
    backup_data.fill(pg_app)
    workers(TELEGRAM_UPLOAD_LIMIT_MB="0.001")  # about 1 kB: smaller than any backup
    fake_telegram.push_message(int(ADMIN_CHAT), "/backup")
    replies = wait_for_messages(fake_telegram, ADMIN_CHAT, 2)
    assert replies[0]["text"] == "Готовлю резервную копию — пришлю файлом."
    assert "больше предела Telegram" in replies[1]["text"] and "/admin/backup" in replies[1]["text"]
    assert fake_telegram.documents == []


def test_the_fake_checks_multipart_uploads_against_the_spec(fake_telegram):
    client = telegram.TelegramClient(TOKEN, fake_telegram.url, max_attempts=1)
    sent = client.send_document(
        ADMIN_CHAT, "a.json.gz", io.BytesIO(b"\x1f\x8bdata"), mime_type="application/gzip", caption="<b>копия</b>"
    )
    assert sent["document"]["file_name"] == "a.json.gz" and sent["document"]["file_size"] == 6
    assert fake_telegram.documents[0]["content"] == b"\x1f\x8bdata"

    url = f"{fake_telegram.url}/bot{TOKEN}/sendDocument"
    file = {"document": ("a.gz", b"x", "application/gzip")}
    refused = {
        "unknown field": requests.post(url, data={"chat_id": "1", "filename": "a"}, files=file, timeout=5),
        "file where no InputFile": requests.post(
            url, data={"chat_id": "1"}, files={**file, "caption": ("c", b"x")}, timeout=5
        ),
        "not an integer": requests.post(
            url, data={"chat_id": "1", "message_thread_id": "seven"}, files=file, timeout=5
        ),
        "object of the wrong shape": requests.post(
            url, data={"chat_id": "1", "reply_markup": '{"inline_keyboard": 5}'}, files=file, timeout=5
        ),
        "missing document": requests.post(url, data={"chat_id": "1"}, files={"thumbnail": ("t", b"x")}, timeout=5),
        "bad caption HTML": requests.post(
            url, data={"chat_id": "1", "caption": "<x>", "parse_mode": "HTML"}, files=file, timeout=5
        ),
    }
    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
    assert len(fake_telegram.refusals) == len(refused)
    assert len(fake_telegram.documents) == 1
    fake_telegram._refusals.clear()  # seen: the fixture checks the worker's calls, not these


def test_a_failover_does_not_send_the_week_again(pg_app, workers, fake_telegram):
    backup_data.fill(pg_app)
    first, second = workers(), workers()
    deadline = time.monotonic() + 20
    while not (first.leading or second.leading) and time.monotonic() < deadline:
        time.sleep(0.05)
    leader, standby = (first, second) if first.leading else (second, first)
    leader.wait_for_log("weekly backup copy")
    with pg_app.app_context():
        db.session.execute(update(DueJob).where(DueJob.kind == telegram_copy.KIND).values(due_at=utcnow()))
        db.session.commit()
    assert fake_telegram.wait_for_documents(1, 30), leader.log()
    leader.kill()  # kill -9: no goodbye; the standby takes the lock and runs the same schedule
    standby.wait_for_log("holds the singleton lock", timeout=20)
    standby.wait_for_log(f"weekly backup copy {telegram_copy.week_key(utcnow())} already scheduled")
    fake_telegram.push_message(int(ADMIN_CHAT), "/backup")
    assert fake_telegram.wait_for_documents(2, 30), standby.log()
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).where(Notification.kind == telegram_copy.KIND)) == 2
    assert len(fake_telegram.documents) == 2
