"""Movie nights: the night, its date options, availability, RSVPs and Telegram messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import EditedChatMessage, utcnow
from .library import Film
from .lotteries import Lottery
from .polls import Poll


class Night(db.Model):
    """A movie night: a fixed start or a date poll among candidate times, RSVPs, reminders."""

    __tablename__ = "nights"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # planning | scheduled | cancelled
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Where the night sorts in the lists: its start, or while planning its earliest candidate time.
    sort_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What is watched: at most one of a lottery (its winner), a poll (its result), a library film.
    lottery_id: Mapped[int | None] = mapped_column(ForeignKey("lotteries.id", ondelete="SET NULL"), index=True)
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id", ondelete="SET NULL"), index=True)
    film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id", ondelete="SET NULL"), index=True)
    reminders: Mapped[list[int]] = mapped_column(JSON, default=list)  # minutes before the start
    manage_token_hash: Mapped[str] = mapped_column(String(64))
    # iCalendar SEQUENCE: grows with every change of the start or the status.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The start before the latest reschedule: the Telegram announcement says "перенесён, было …".
    previous_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by every change and answer: the ETag of the live counts, what Telegram messages show.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    options: Mapped[list[NightOption]] = relationship(
        back_populates="night", order_by="NightOption.starts_at", cascade="all, delete-orphan", passive_deletes=True
    )
    lottery: Mapped[Lottery | None] = relationship()
    poll: Mapped[Poll | None] = relationship()
    film: Mapped[Film | None] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('planning', 'scheduled', 'cancelled')", name="status_known"),
        Index("ix_nights_sort_at_id", "sort_at", "id"),
    )


class NightOption(db.Model):
    """A candidate time of a night's date poll."""

    __tablename__ = "night_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    night_id: Mapped[int] = mapped_column(ForeignKey("nights.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    night: Mapped[Night] = relationship(back_populates="options")


class NightAvailability(db.Model):
    """A member can make this candidate time. member_id is NULL once the member was deleted."""

    __tablename__ = "night_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    night_id: Mapped[int] = mapped_column(ForeignKey("nights.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("night_options.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("uq_night_availability_option_member", "option_id", "member_id", unique=True),)


class NightRsvp(db.Model):
    """One answer per member per night: the UNIQUE key holds it. member_id is NULL once deleted."""

    __tablename__ = "night_rsvps"

    id: Mapped[int] = mapped_column(primary_key=True)
    night_id: Mapped[int] = mapped_column(ForeignKey("nights.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    answer: Mapped[str] = mapped_column(String(8))  # going | maybe | no
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("uq_night_rsvps_night_member", "night_id", "member_id", unique=True),
        CheckConstraint("answer IN ('going', 'maybe', 'no')", name="answer_known"),
    )


class NightMessage(EditedChatMessage, db.Model):
    """A night's announcement in a Telegram chat, kept to edit its answers in place."""

    __tablename__ = "night_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    night_id: Mapped[int] = mapped_column(ForeignKey("nights.id", ondelete="CASCADE"), index=True)
