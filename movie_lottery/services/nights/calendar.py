"""Nights as iCalendar (RFC 5545), made by the icalendar library: one night, or the feed of
every upcoming night and those of the last FEED_PAST_DAYS days.

The place (often a home address) is for members only: the public feed leaves LOCATION out,
a member's own feed (/calendar/<token>.ics, a random token per member) has it.

UID is stable per night; SEQUENCE is the night's, which grows with every reschedule and the
cancellation, so subscribed calendars replace the event; a cancelled night is STATUS:CANCELLED.
A night still choosing its date is TENTATIVE at its earliest candidate time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import Lottery, Member, Night, as_utc, utcnow
from .. import events
from .film import night_film

PRODID = "-//movie_lottery//Movie nights//EN"
DURATION = timedelta(hours=3)
FEED_PAST_DAYS = 30
FEED_LIMIT = 500
FEED_TOKEN_BYTES = 24


def _event(session: Session, night: Night, zone: ZoneInfo, url: str, texts: dict[str, str], with_place: bool):
    from icalendar import Event

    start = night.starts_at or min((o.starts_at for o in night.options), default=night.sort_at)
    start = as_utc(start).astimezone(zone)
    event = Event()
    event.add("uid", f"night-{night.public_id}@movie-lottery")
    event.add("dtstamp", as_utc(night.updated_at))
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", night.title)
    event.add("url", url)
    event.add("sequence", night.sequence)
    event.add("status", {"cancelled": "CANCELLED", "planning": "TENTATIVE"}.get(night.status, "CONFIRMED"))
    if night.place and with_place:
        event.add("location", night.place)
    film = night_film(session, night)
    lines = []
    if film is not None:
        lines.append(texts["film"] % (film.title + (f" ({film.year})" if film.year else "")))
    if night.status == "planning":
        lines.append(texts["planning"])
    lines.append(url)
    event.add("description", "\n".join(lines))
    return event


def to_ics(
    session: Session,
    found: Iterable[Night],
    zone: ZoneInfo,
    url_of: Callable[[Night], str],
    texts: dict[str, str],
    name: str | None = None,
    *,
    with_place: bool = False,
) -> bytes:
    """texts: {"film": "Смотрим: %s", "planning": "…"} in the visitor's language; with_place
    for a member (their own feed, or a member's browser)."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    starts = []
    for night in found:
        event = _event(session, night, zone, url_of(night), texts, with_place)
        calendar.add_component(event)
        starts.append(event.decoded("dtstart"))
    if starts:
        calendar.add_component(vtimezone(zone, min(starts).date(), (max(starts) + DURATION).date()))
    return calendar.to_ical()


def vtimezone(zone: ZoneInfo, first: date, last: date):
    """The zone's rules in force from `first` to `last` (a day's margin each side), one observance
    per clock change. The zone's whole history since 1970, with each rule's later changes as the
    tail of an RDATE list, reads an hour off in vobject and in ical.js (Thunderbird, Nextcloud)."""
    from icalendar import Timezone

    found = Timezone.from_tzinfo(
        zone, tzid=zone.key, first_date=first - timedelta(days=1), last_date=last + timedelta(days=1)
    )
    flat = Timezone()
    flat.add("tzid", zone.key)
    for observance in found.subcomponents:
        rdates = observance.pop("RDATE", None)
        flat.add_component(observance)
        for listed in rdates if isinstance(rdates, list) else [rdates] if rdates is not None else []:
            for when in listed.dts:
                change = type(observance)()
                for key in ("TZNAME", "TZOFFSETFROM", "TZOFFSETTO"):
                    if key in observance:
                        change[key] = observance[key]
                change.add("dtstart", when.dt)
                flat.add_component(change)
    return flat


def feed_nights(session: Session) -> list[Night]:
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    return list(
        session.scalars(
            select(Night)
            .where(Night.sort_at >= since)
            .options(
                selectinload(Night.options),
                selectinload(Night.film),
                selectinload(Night.lottery).selectinload(Lottery.entries),
                selectinload(Night.poll),
            )
            .order_by(Night.sort_at, Night.id)
            .limit(FEED_LIMIT)
        )
    )


def new_feed_token(session: Session, member: Member) -> str:
    """A new secret for the member's own feed; the old address stops working. The caller commits."""
    member.calendar_token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    session.flush()
    return member.calendar_token


def feed_member(session: Session, token: str) -> Member | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Member).where(Member.calendar_token == token, Member.name.is_not(None)))


@events.members_merged.connect
def _keep_a_feed(session: Session, source_id: int, target_id: int) -> None:
    """The person keeps a feed address: the target's own, else the one the source had."""
    source, target = session.get(Member, source_id), session.get(Member, target_id)
    if source is not None and target is not None and target.calendar_token is None and source.calendar_token:
        token, source.calendar_token = source.calendar_token, None
        session.flush()
        target.calendar_token = token
