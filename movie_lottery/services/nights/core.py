"""Movie nights: planning (a date poll among 2–7 candidate times) or scheduled at a fixed time,
rescheduled and cancelled by the creator (a management token, stored hashed) or the admin.

Every change first bumps the night's version with ``UPDATE … WHERE <still allowed>``: the row
lock serialises changes and answers to one night, and the version is the ETag of the live
counts and what Telegram announcements are edited against.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from ...models import Night, NightOption, as_utc, utcnow
from .. import events
from ..library import ROW_ID, Page, decode_cursor, encode_cursor
from ..polls import hash_token, token_matches
from ..public_ids import get_by_public_id, head_row, insert_with_public_id
from ..sql import affected_rows

MIN_OPTIONS, MAX_OPTIONS = 2, 7
DEFAULT_REMINDERS = (1440, 60)
MIN_REMINDER, MAX_REMINDER = 1, 7 * 24 * 60
MAX_REMINDERS = 5
TOKEN_BYTES = 24


class NightNotFound(LookupError):
    pass


class NightClosed(Exception):
    """code: cancelled | started | not_planning — the change is no longer possible."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class UnknownOption(ValueError):
    pass


@dataclass(frozen=True)
class NightPlan:
    title: str
    starts_at: datetime | None = None
    date_options: tuple[datetime, ...] = ()
    place: str | None = None
    lottery_id: int | None = None
    poll_id: int | None = None
    film_id: int | None = None
    reminders: tuple[int, ...] = field(default=DEFAULT_REMINDERS)


@dataclass(frozen=True)
class CreatedNight:
    night: Night
    manage_token: str  # shown once; only its hash is stored


def status_of(night: Night, now: datetime | None = None) -> str:
    """planning | scheduled | cancelled | past (a scheduled night whose start has come)."""
    if night.status == "scheduled" and night.starts_at is not None and as_utc(night.starts_at) <= (now or utcnow()):
        return "past"
    return night.status


def create_night(session: Session, plan: NightPlan) -> CreatedNight:
    """The caller validated the plan (schemas); times are aware. The caller commits."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    planning = bool(plan.date_options)
    if not planning and plan.starts_at is None:
        raise ValueError("give starts_at or date_options")
    options = sorted(as_utc(when) for when in plan.date_options)  # SQLite keeps no offset: store UTC
    starts_at = as_utc(plan.starts_at) if plan.starts_at is not None and not planning else None
    night = insert_with_public_id(
        session,
        lambda public_id: Night(
            public_id=public_id,
            title=plan.title,
            place=plan.place,
            status="planning" if planning else "scheduled",
            starts_at=starts_at,
            sort_at=options[0] if planning else starts_at,
            lottery_id=plan.lottery_id,
            poll_id=plan.poll_id,
            film_id=plan.film_id,
            reminders=sorted(set(plan.reminders), reverse=True),
            manage_token_hash=hash_token(token),
            sequence=0,
            version=0,
            options=[NightOption(starts_at=when) for when in options],
        ),
    )
    events.night_created.send(session, night=night)
    if not planning:
        events.night_scheduled.send(session, night=night, previous_start=None, created=True)
    return CreatedNight(night, token)


def get_night(session: Session, public_id: str) -> Night:
    return get_by_public_id(session, Night, public_id, NightNotFound, Night.options)


@dataclass(frozen=True)
class NightHead:
    """The few columns the live ETag needs (one indexed single-row query)."""

    id: int
    version: int
    status: str


def night_head(session: Session, public_id: str) -> NightHead:
    row = head_row(session, Night, public_id, NightNotFound, Night.id, Night.version, Night.status, Night.starts_at)
    started = row.starts_at is not None and as_utc(row.starts_at) <= utcnow()
    return NightHead(row.id, row.version, "past" if row.status == "scheduled" and started else row.status)


def may_manage(night: Night, token: str | None) -> bool:
    return token_matches(night, token)


def claim(session: Session, night: Night, *, before_start: bool = False, planning_only: bool = False, **values) -> None:
    """Bump the version if the night still takes this change; raises NightClosed otherwise.
    before_start: answers and reschedules stop at the start; planning_only: availability is for date polls."""
    now = utcnow()
    conditions = [Night.id == night.id, Night.status != "cancelled"]
    if before_start:
        conditions.append(or_(Night.starts_at.is_(None), Night.starts_at > now))
    if planning_only:
        conditions.append(Night.status == "planning")
    changed = affected_rows(
        session.execute(
            update(Night)
            .where(and_(*conditions))
            .values(version=Night.version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
    )
    if not changed:
        session.refresh(night)
        if night.status == "cancelled":
            raise NightClosed("cancelled")
        if planning_only and night.status != "planning":
            raise NightClosed("not_planning")
        raise NightClosed("started")


def schedule(
    session: Session, night: Night, *, option_id: int | None = None, starts_at: datetime | None = None
) -> Night:
    """Fix (or move) the start: a candidate time of the date poll, or any future time; SEQUENCE
    grows. Moving a scheduled night is a reschedule: it remembers the start it had, and the
    reminders are re-armed. Raises NightClosed once the night has started or was cancelled.
    The caller commits."""
    if option_id is not None:
        option = next((o for o in night.options if o.id == option_id), None)
        if option is None:
            raise UnknownOption(option_id)
        starts_at = option.starts_at
    if starts_at is None:
        raise ValueError("give option_id or starts_at")
    starts_at = as_utc(starts_at)
    if starts_at <= utcnow():
        raise ValueError("the start must be in the future")
    previous = as_utc(night.starts_at) if night.starts_at is not None else None
    if previous == starts_at and night.status == "scheduled":
        return night
    values: dict[str, Any] = {
        "status": "scheduled",
        "starts_at": starts_at,
        "sort_at": starts_at,
        "sequence": Night.sequence + 1,
    }
    if previous is not None:
        values["previous_starts_at"] = previous
    claim(session, night, before_start=True, **values)
    session.refresh(night)
    events.night_scheduled.send(session, night=night, previous_start=previous, created=False)
    return night


def cancel(session: Session, night: Night) -> bool:
    """Cancel; False if it already was. The caller commits."""
    if night.status == "cancelled":
        return False
    try:
        claim(session, night, status="cancelled", sequence=Night.sequence + 1)
    except NightClosed:
        return False
    session.refresh(night)
    events.night_cancelled.send(session, night=night)
    return True


def list_nights(session: Session, when: str, cursor: str | None, limit: int) -> Page:
    """Upcoming (soonest first) or past (latest first), keyset-paged on (sort_at, id) like the library."""
    now = utcnow()
    upcoming = when == "upcoming"
    stmt = select(Night).options(selectinload(Night.options))
    stmt = stmt.where(Night.sort_at >= now) if upcoming else stmt.where(Night.sort_at < now)
    if cursor:
        at, last_id = decode_cursor(cursor, (_iso_time, ROW_ID))
        at = datetime.fromisoformat(at)
        stmt = (
            stmt.where(tuple_(Night.sort_at, Night.id) > tuple_(at, last_id))
            if upcoming
            else stmt.where(tuple_(Night.sort_at, Night.id) < tuple_(at, last_id))
        )
    order = (Night.sort_at, Night.id) if upcoming else (Night.sort_at.desc(), Night.id.desc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([as_utc(rows[-1].sort_at).isoformat(), rows[-1].id]) if more else None
    return Page(rows, next_cursor)


def _iso_time(value) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False
