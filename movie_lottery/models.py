"""SQLAlchemy models. The schema is created and changed only by migrations (migrations/)."""
from __future__ import annotations

import secrets
import string
from datetime import date, datetime, timezone

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .extensions import db


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


class Film(db.Model):
    """A film of the library: every winner lands here, admins add more."""

    __tablename__ = "films"

    id: Mapped[int] = mapped_column(primary_key=True)
    kinopoisk_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    original_title: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    poster_url: Mapped[str | None] = mapped_column(String(1000))
    rating: Mapped[float | None] = mapped_column(Float)
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(String(700), default="", index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    # Admin-only download data: a magnet (or an uploaded .torrent) and the last status
    # qBittorrent reported, so pages show it without calling qBittorrent.
    info_hash: Mapped[str | None] = mapped_column(String(40), unique=True)
    magnet_uri: Mapped[str | None] = mapped_column(Text)
    torrent_file: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    torrent_state: Mapped[str | None] = mapped_column(String(40))
    torrent_progress: Mapped[float | None] = mapped_column(Float)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Admin badges (services/badges.py). A film is banned from new lotteries until banned_until (inclusive).
    watched_on: Mapped[date | None] = mapped_column(Date)
    favourite: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    watchlist_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    banned_until: Mapped[date | None] = mapped_column(Date, index=True)

    # The group's ratings (FilmRating) summed up, kept by services/ratings in the rating's own
    # transaction: the library sorts by them and /stats ranks by them without grouping all ratings.
    ratings_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ratings_average: Mapped[float | None] = mapped_column(Float, index=True)
    # From Kinopoisk's document (v1.4): the first YouTube trailer and similar films
    # [{"kinopoisk_id", "title", "year", "poster_url"}], kept when the film is added.
    trailer_url: Mapped[str | None] = mapped_column(String(500))
    similar: Mapped[list | None] = mapped_column(JSON)
    length_minutes: Mapped[int | None] = mapped_column(Integer)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.refresh_search_text()

    def refresh_search_text(self) -> None:
        self.search_text = search_key(self.title, self.original_title)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kinopoisk_id": self.kinopoisk_id,
            "title": self.title,
            "original_title": self.original_title,
            "year": self.year,
            "poster_url": self.poster_url,
            "rating": self.rating,
            "genres": list(self.genres or []),
            "description": self.description,
            "added_at": iso_utc(self.added_at),
            "badges": {
                "watched_on": self.watched_on.isoformat() if self.watched_on else None,
                "favourite": bool(self.favourite),
                "watchlist_at": iso_utc(self.watchlist_at),
                "banned_until": self.banned_until.isoformat() if self.banned_until else None,
            },
            "group_rating": {
                "average": None if self.ratings_average is None else round(self.ratings_average, 2),
                "count": self.ratings_count or 0,
            },
        }


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


class Leased:
    """Columns of an outbox row a worker is sending: until when the claim holds, and whose claim
    it is (services/leases.py). No transaction stays open while it is sent."""

    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_token: Mapped[str | None] = mapped_column(String(32))


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


class SearchCache(db.Model):
    """Kinopoisk answers shared by every worker process and restart, kept for a day."""

    __tablename__ = "search_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # "q:<normalised query>" or "id:<kinopoisk id>"
    results: Mapped[list] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


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
    entry_id: Mapped[int] = mapped_column(ForeignKey("poll_entries.id", ondelete="CASCADE"), index=True)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("uq_poll_votes_poll_voter", "poll_id", "voter", unique=True),)


class EditedChatMessage:
    """Columns of a bot message in a Telegram chat that is edited in place: what it shows and
    when it was last edited (an edit is due when what it shows moved on, throttled), and the
    unique (chat_id, message_id) key. (SQLAlchemy places a mixin's columns after the class's own.)"""

    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    shown: Mapped[str] = mapped_column(String(40))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(f"uq_{cls.__tablename__}_chat_message", "chat_id", "message_id", unique=True),)


class PollMessage(EditedChatMessage, db.Model):
    """A poll's announcement in a Telegram chat, kept to edit its counts in place; shown is
    "<poll version>:<open|closed>"."""

    __tablename__ = "poll_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)


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


class DueJob(db.Model):
    """Something the worker must do once at a given time (a reminder, a weekly backup).

    The unique key makes scheduling idempotent; running a job and marking it done share one
    commit, so its effect (usually an outbox row) happens exactly once, also across failover."""

    __tablename__ = "due_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_due_jobs_done_at_due_at", "done_at", "due_at"),)


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
