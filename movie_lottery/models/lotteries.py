"""Lotteries and their entries (snapshots of the films at creation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow
from .library import Film


class Lottery(db.Model):
    """A draw among entries, provably fair by commit-reveal of a random seed."""

    __tablename__ = "lotteries"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    # "single": one draw picks the winner; "eliminate": films drop out one per round until one remains.
    mode: Mapped[str] = mapped_column(String(16), default="single", server_default="single")
    # The draw's rule (services/fairness.RULES): "win_weighted" (weight is the chance to win), or
    # "drop_weighted" for eliminate-mode lotteries made before migration 0010.
    draw_rule: Mapped[str] = mapped_column(String(16), default="win_weighted", server_default="win_weighted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # sha256(seed) is public from creation; the seed itself is revealed after the draw.
    commitment: Mapped[str] = mapped_column(String(64))
    seed: Mapped[bytes] = mapped_column(LargeBinary(32))
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    winner_position: Mapped[int | None] = mapped_column(Integer)
    winner_film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id", ondelete="SET NULL"), index=True)

    entries: Mapped[list[LotteryEntry]] = relationship(
        back_populates="lottery", order_by="LotteryEntry.position", cascade="all, delete-orphan"
    )
    winner_film: Mapped[Film | None] = relationship()

    __table_args__ = (Index("ix_lotteries_created_at_id", "created_at", "id"),)

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None

    @property
    def winner(self) -> LotteryEntry | None:
        if self.winner_position is None:
            return None
        return next((e for e in self.entries if e.position == self.winner_position), None)

    @property
    def total_weight(self) -> int:
        return sum(e.weight for e in self.entries)


class LotteryEntry(db.Model):
    """A snapshot of a film as it was entered into a lottery, with its weight."""

    __tablename__ = "lottery_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    lottery_id: Mapped[int] = mapped_column(ForeignKey("lotteries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    poster_url: Mapped[str | None] = mapped_column(String(1000))
    kinopoisk_id: Mapped[int | None] = mapped_column(Integer)
    film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id", ondelete="SET NULL"), index=True)
    # What Kinopoisk (or the library) said about the film when it was picked; the winner
    # carries it into the library.
    original_title: Mapped[str | None] = mapped_column(String(300))
    rating: Mapped[float | None] = mapped_column(Float)
    genres: Mapped[list[str] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)

    lottery: Mapped[Lottery] = relationship(back_populates="entries")

    __table_args__ = (
        CheckConstraint("weight BETWEEN 1 AND 1000000", name="weight_range"),
        Index("uq_lottery_entries_lottery_position", "lottery_id", "position", unique=True),
        Index("ix_lottery_entries_title_year", "title", "year"),  # stats: films entered but never won
    )

    def to_dict(self) -> dict:
        return {
            "position": self.position,
            "title": self.title,
            "year": self.year,
            "poster_url": self.poster_url,
            "kinopoisk_id": self.kinopoisk_id,
            "weight": self.weight,
            "original_title": self.original_title,
            "rating": self.rating,
            "genres": list(self.genres or []),
            "description": self.description,
        }
