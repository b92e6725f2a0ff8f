"""Members' scores of films and the bot's rating requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import EditedChatMessage, utcnow


class FilmRating(db.Model):
    """A member's score of a film, 1–10: one per member per film (the UNIQUE key holds it).
    member_id is NULL once the member was deleted: the score stays counted, anonymous."""

    __tablename__ = "film_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("uq_film_ratings_film_member", "film_id", "member_id", unique=True),
        CheckConstraint("score BETWEEN 1 AND 10", name="score_range"),
    )


class RatingMessage(EditedChatMessage, db.Model):
    """The bot's "Как вам «…»?" in a Telegram chat, kept to edit its average and count in place;
    shown is "<count>:<average>"."""

    __tablename__ = "rating_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), index=True)


class SeenMark(db.Model):
    """A member said they have seen a film ("Я видел(а)"): one per member per film. Scores and
    nights the member went to count as seen too (services/ratings/seen.py puts them together)."""

    __tablename__ = "seen_marks"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True, index=True)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
