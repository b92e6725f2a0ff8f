"""The notification outbox, the Telegram chats it goes to and the notifier's own state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import Leased, utcnow


class Notification(Leased, db.Model):
    """Transactional outbox: written in the same transaction as the event it announces,
    sent later by the notifier worker (python -m movie_lottery.worker)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Chats already served, so a retry after a partial send never repeats a message.
    delivered_to: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_notifications_status_id", "status", "id"),)


class TelegramChat(db.Model):
    """A chat that sent /start to the bot (and has not sent /stop or blocked it)."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(200))
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class NotifierState(db.Model):
    """One row per worker role: the lock holder's heartbeat and the Telegram update offset."""

    __tablename__ = "notifier_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    instance: Mapped[str] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    update_offset: Mapped[int | None] = mapped_column(BigInteger)
    # The bot's @username from getMe, so the site can build t.me deep links without calling Telegram.
    bot_username: Mapped[str | None] = mapped_column(String(64))
