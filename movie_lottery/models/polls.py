"""Polls: the ballot, the votes and the poll's announcements in Telegram."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import as_utc, EditedChatMessage, utcnow
from .lotteries import Lottery


def poll_ends_at(closes_at: datetime, closed_at: datetime | None) -> datetime:
    """When voting stopped or will stop: the deadline, or the creator's earlier close."""
    closes_at = as_utc(closes_at)
    return min(as_utc(closed_at), closes_at) if closed_at else closes_at


class Poll(db.Model):
    """A friends' vote on films before a night; its votes can weight a lottery."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Closed once now >= closes_at, or earlier when the creator closes it (closed_at).
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    allow_suggestions: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_results: Mapped[bool] = mapped_column(Boolean, default=False)
    manage_token_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the creator's secret
    # Bumped by every vote, suggestion and close: the ETag of the live results.
    version: Mapped[int] = mapped_column(Integer, default=0)
    lottery_id: Mapped[int | None] = mapped_column(ForeignKey("lotteries.id", ondelete="SET NULL"), index=True)
    result_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How ballots are cast and counted (services/polls/counting): single, approval or ranked,
    # with up to vetoes_per_member vetoes each; ties are broken by a seed committed at creation
    # (sha256 published) and revealed at close.
    ballot: Mapped[str] = mapped_column(String(10), default="single", server_default="single")
    max_approvals: Mapped[int | None] = mapped_column(Integer)
    vetoes_per_member: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    secret_ballots: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tiebreak_seed: Mapped[bytes] = mapped_column(LargeBinary(32))
    tiebreak_commitment: Mapped[str] = mapped_column(String(64))

    entries: Mapped[list[PollEntry]] = relationship(
        back_populates="poll", order_by="PollEntry.position", cascade="all, delete-orphan", passive_deletes=True
    )
    lottery: Mapped[Lottery | None] = relationship()

    def ends_at(self) -> datetime:
        return poll_ends_at(self.closes_at, self.closed_at)

    def is_closed(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.ends_at()


class PollEntry(db.Model):
    """A film on a poll's ballot (a snapshot, like a lottery entry)."""

    __tablename__ = "poll_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    poster_url: Mapped[str | None] = mapped_column(String(1000))
    kinopoisk_id: Mapped[int | None] = mapped_column(Integer)
    film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id", ondelete="SET NULL"))
    # What Kinopoisk said about the film, carried on to the poll's lottery and its winner.
    original_title: Mapped[str | None] = mapped_column(String(300))
    rating: Mapped[float | None] = mapped_column(Float)
    genres: Mapped[list[str] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    # The voter who added this film (NULL for the creator's films): one suggestion per voter.
    suggested_by: Mapped[str | None] = mapped_column(String(80))

    poll: Mapped[Poll] = relationship(back_populates="entries")

    __table_args__ = (
        Index("uq_poll_entries_poll_position", "poll_id", "position", unique=True),
        Index("uq_poll_entries_poll_suggested_by", "poll_id", "suggested_by", unique=True),
    )


class PollVote(db.Model):
    """One row per voter per poll: the UNIQUE key is what makes "one vote per device" hold."""

    __tablename__ = "poll_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    # "d:<device id from the signed cookie>" or "t:<Telegram user id>"
    voter: Mapped[str] = mapped_column(String(80))
    # single: the entry voted for; approval: the first entry marked; ranked: the first choice
    entry_id: Mapped[int] = mapped_column(ForeignKey("poll_entries.id", ondelete="CASCADE"), index=True)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # approval: the entries marked; ranked: the ranking, best first (NULL: a single vote, [entry_id])
    marks: Mapped[list[int] | None] = mapped_column(JSON)
    vetoes: Mapped[list[int] | None] = mapped_column(JSON)
    # Telegram's ⛔ button: until a few minutes after this, the person's next film button vetoes
    veto_armed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("uq_poll_votes_poll_voter", "poll_id", "voter", unique=True),)


class PollMessage(EditedChatMessage, db.Model):
    """A poll's announcement in a Telegram chat, kept to edit its counts in place; shown is
    "<poll version>:<open|closed>"."""

    __tablename__ = "poll_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
