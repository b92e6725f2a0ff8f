"""The backup's copy in the admin's Telegram chat (BACKUP_TELEGRAM_CHAT_ID): once a week, and
whenever /backup is sent from that chat.

A due job per ISO week (key "backup:2026-W49") queues one outbox row for that chat, so each
week's copy is queued exactly once across restarts and failover (and never twice within a day).
The worker makes the gzipped export into a temporary file, then uploads it with sendDocument
outside any transaction — or, over Telegram's upload limit, says so. A copy is attempted at
most once a day, whatever happens to an attempt (notifications.sender's once_per).
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from ...extensions import db
from ...models import Notification, utcnow
from .. import due_jobs, notifications
from . import export

log = logging.getLogger("movie_lottery.backup")

KIND = "backup_copy"  # the due job's kind and the outbox row's
WEEKLY_AT = timedelta(hours=3)  # Monday 03:00 UTC: the night after the weekend's movie nights
MIME_TYPE = "application/gzip"
# A copy is uploaded at most once a day, however an attempt ends: a killed worker's lease, a
# timeout after the file went out, a failure — the next attempt waits this long.
ONCE_PER = timedelta(days=1)


def file_name(day) -> str:
    return f"movie_lottery-backup-{day.isoformat()}.json.gz"


def week_key(now: datetime) -> str:
    year, week, _day = now.isocalendar()
    return f"backup:{year}-W{week:02d}"


def schedule_this_week(session: Session, now: datetime | None = None) -> bool:
    """Schedule this ISO week's copy unless it was (True if added). The caller commits."""
    now = (now or utcnow()).astimezone(timezone.utc)
    monday = datetime(now.year, now.month, now.day, tzinfo=timezone.utc) - timedelta(days=now.isoweekday() - 1)
    return due_jobs.schedule(session, week_key(now), KIND, monday + WEEKLY_AT)


def _chat_id() -> str | None:
    return current_app.config["SETTINGS"].backup_telegram_chat_id


@due_jobs.handler(KIND)
def _weekly_copy(session: Session, payload: dict) -> None:
    chat_id = _chat_id()
    if chat_id is None:  # the setting may have been removed since the job was scheduled
        return
    since = utcnow() - ONCE_PER
    recent = session.scalars(
        select(Notification.payload).where(Notification.kind == KIND, Notification.created_at >= since)
    )
    if any(queued.get("weekly") for queued in recent):  # e.g. the week's job scheduled again after a restore
        log.info("a weekly backup copy was queued less than a day ago: not another")
        return
    notifications.enqueue(session, KIND, {"chat_id": str(chat_id), "weekly": True})


def request_copy(session: Session, chat_id: str) -> None:
    """A copy asked for with /backup."""
    notifications.enqueue(session, KIND, {"chat_id": str(chat_id)})


def _mb(size: float) -> str:
    return f"{size / 1024 / 1024:.1f}"


@notifications.sender(KIND, once_per=ONCE_PER)
def prepare_copy(
    session: Session, _notification: Notification, chat_id: str, site_url: str | None
) -> notifications.Prepared:
    """Export into a temporary file, to be uploaded outside any transaction; a message instead
    when it cannot be sent."""
    limit = current_app.config["SETTINGS"].telegram_upload_limit_mb * 1024 * 1024
    today = utcnow().date()
    session.rollback()  # only read so far: the session's transaction must not sit idle while the export reads
    file = tempfile.TemporaryFile()
    with force_locale(notifications.LOCALE):
        try:
            for chunk in export.gzipped(export.document(db.engine, db.metadata)):
                file.write(chunk)
        except export.BackupError as exc:
            file.close()
            log.error("backup for Telegram failed: %s", exc)
            return _message(chat_id, _("Резервную копию сделать не удалось: %(reason)s", reason=str(exc)))
        size = file.tell()
        if size > limit:
            file.close()
            log.warning("backup of %s MB is over Telegram's upload limit: not sent", _mb(size))
            where = f"{site_url}/admin/backup" if site_url else "/admin/backup"
            return _message(
                chat_id,
                _(
                    "Резервная копия весит %(size)s МБ — больше предела Telegram (%(limit)s МБ), поэтому файлом она не придёт. "
                    "Скачайте её на сайте (%(url)s) или командой flask export.",
                    size=_mb(size),
                    limit=_mb(limit),
                    url=where,
                ),
            )
        caption = escape_html(
            _(
                "Резервная копия кинолотереи, %(day)s. Восстановить: flask import %(name)s",
                day=today.strftime("%d.%m.%Y"),
                name=file_name(today),
            )
        )

    def upload(client) -> dict:
        sent = client.send_document(chat_id, file_name(today), file, mime_type=MIME_TYPE, caption=caption)
        log.info("backup of %s MB sent to chat %s", _mb(size), chat_id)
        return sent

    return notifications.Prepared(upload, close=file.close)


def _message(chat_id: str, text: str) -> notifications.Prepared:
    return notifications.Prepared(lambda client: client.send_message(chat_id, escape_html(text)))
