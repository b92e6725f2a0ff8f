"""Members: a display name, their devices and one-time codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class Member(db.Model):
    """A person: a display name, devices (signed voter cookies) and at most one Telegram account.

    A member the admin deleted keeps its row without a name (``name`` NULL): what they did stays
    counted, anonymous, and their devices and Telegram account still act as that one person, so
    a vote or an answer from them replaces their earlier one; giving a name again brings them back."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(40))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The secret of the member's own calendar feed (/calendar/<token>.ics, which shows the places):
    # random, made on request on /me, replaced by a reset.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "telegram_linked": self.telegram_user_id is not None}


class MemberDevice(db.Model):
    """A browser (the device id of its signed voter cookie) and the member it belongs to, if any.
    Its row is also the lock that serialises a device's votes with a merge of that device."""

    __tablename__ = "member_devices"

    device_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    # What /me lists: the browser's User-Agent when it was named, joined or last seen, and when that
    # was (written at most once per services/members/devices.SEEN_EVERY, not on every request).
    user_agent: Mapped[str | None] = mapped_column(String(300))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MemberCode(db.Model):
    """A one-time code (Telegram deep link or another device's join), stored as its sha256."""

    __tablename__ = "member_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # telegram | device
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
