"""Members' personal watchlists ("Хочу посмотреть")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class WatchlistEntry(db.Model):
    """A film on a member's own list: one per member per film (the UNIQUE key holds it).
    The group's list is the film's watchlist badge (Film.watchlist_at), apart from these."""

    __tablename__ = "watchlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("uq_watchlist_entries_member_film", "member_id", "film_id", unique=True),)
