"""The backup's copy in the admin's Telegram chat (BACKUP_TELEGRAM_CHAT_ID): once a week, and
whenever /backup is sent from that chat.

A due job per ISO week (key "backup:2026-W49") queues one outbox row for that chat, so each
week's copy is queued exactly once across restarts and failover; the outbox's sender makes the
gzipped export and uploads it with sendDocument — or, over Telegram's upload limit, says so.
"""
from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
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
def _weekly_copy(session: Session, _payload: dict) -> None:
    chat_id = _chat_id()
    if chat_id is not None:  # the setting may have been removed since the job was scheduled
        request_copy(session, chat_id)


def request_copy(session: Session, chat_id: str) -> None:
    notifications.enqueue(session, KIND, {"chat_id": str(chat_id)})


def _mb(size: float) -> str:
    return f"{size / 1024 / 1024:.1f}"


@notifications.sender(KIND)
def send_copy(session: Session, client, _notification: Notification, chat_id: str, site_url: str | None) -> dict:
    """Export into a temporary file and upload it; a message instead when it cannot be sent."""
    limit = current_app.config["SETTINGS"].telegram_upload_limit_mb * 1024 * 1024
    today = utcnow().date()
    with tempfile.TemporaryFile() as file, force_locale(notifications.LOCALE):
        try:
            for chunk in export.gzipped(export.document(db.engine, db.metadata)):
                file.write(chunk)
        except export.BackupError as exc:
            log.error("backup for Telegram failed: %s", exc)
            return client.send_message(chat_id, escape_html(_("Резервную копию сделать не удалось: %(reason)s", reason=str(exc))))
        size = file.tell()
        if size > limit:
            log.warning("backup of %s MB is over Telegram's upload limit: not sent", _mb(size))
            where = f"{site_url}/admin/backup" if site_url else "/admin/backup"
            return client.send_message(chat_id, escape_html(_(
                "Резервная копия весит %(size)s МБ — больше предела Telegram (%(limit)s МБ), поэтому файлом она не придёт. "
                "Скачайте её на сайте (%(url)s) или командой flask export.",
                size=_mb(size), limit=_mb(limit), url=where)))
        caption = _("Резервная копия кинолотереи, %(day)s. Восстановить: flask import %(name)s",
                    day=today.strftime("%d.%m.%Y"), name=file_name(today))
        sent = client.send_document(chat_id, file_name(today), file, mime_type=MIME_TYPE, caption=escape_html(caption))
        log.info("backup of %s MB sent to chat %s", _mb(size), chat_id)
        return sent
