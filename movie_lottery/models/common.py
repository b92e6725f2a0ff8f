"""What every model module shares: time in UTC, public ids, the search key, the columns of a
Telegram message edited in place and those of an outbox row claimed by lease."""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def new_public_id() -> str:
    """8 URL-safe characters for a shared link (lotteries, polls). The first is a letter or a
    digit: an id starting with '-' would read as an option on the command line (flask verify-draw)."""
    return secrets.choice(string.ascii_letters + string.digits) + secrets.token_urlsafe(6)[1:]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC. SQLite hands back naive datetimes (they were stored as UTC), and
    stores an aware one's wall time without its offset: convert before storing, too."""
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 with an explicit UTC offset."""
    return None if value is None else as_utc(value).isoformat()


def search_key(*parts: str | None) -> str:
    """Case-folded text for portable case-insensitive search (SQLite's lower() is ASCII-only).
    ё is folded to е: Russian is mostly written without the dots, so both spellings must match."""
    return " ".join(p for p in parts if p).casefold().replace("ё", "е")


class EditedChatMessage:
    """Columns of a bot message in a Telegram chat that is edited in place: what it shows and
    when it was last edited (an edit is due when what it shows moved on, throttled), and the
    unique (chat_id, message_id) key. (SQLAlchemy places a mixin's columns after the class's own.)"""

    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    shown: Mapped[str] = mapped_column(String(40))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    if TYPE_CHECKING:
        __tablename__: str  # the concrete model's

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(f"uq_{cls.__tablename__}_chat_message", "chat_id", "message_id", unique=True),)


class Leased:
    """Columns of an outbox row a worker is sending: until when the claim holds, and whose claim
    it is (services/leases.py). No transaction stays open while it is sent."""

    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_token: Mapped[str | None] = mapped_column(String(32))
