"""Web Push: browsers' subscriptions and one delivery per notification and subscription."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import Leased, utcnow
from .outbox import Notification


class PushSubscription(db.Model):
    """A browser's Web Push subscription and the topics it wants (services/push/).

    It belongs to the device that made it (the signed voter cookie, web/voter.py); member_id
    links it to a member once members exist, so a member sees all of their devices."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))  # base64url, as the browser gives them
    auth: Mapped[str] = mapped_column(String(40))
    device: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)  # made by the admin: may get admin topics
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PushDelivery(Leased, db.Model):
    """One outbox notification for one subscription, written with the notification in the
    event's own transaction; the worker marks it sent in the commit right after the push
    service accepted it."""

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed | dropped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))

    notification: Mapped[Notification] = relationship()
    subscription: Mapped[PushSubscription] = relationship()

    __table_args__ = (
        UniqueConstraint("notification_id", "subscription_id", name="uq_push_deliveries_notification_subscription"),
        Index("ix_push_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )
