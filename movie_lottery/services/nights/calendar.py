"""Nights as iCalendar (RFC 5545), made by the icalendar library: one night, or the feed of
every upcoming night and those of the last FEED_PAST_DAYS days.

UID is stable per night; SEQUENCE is the night's, which grows with every reschedule and the
cancellation, so subscribed calendars replace the event; a cancelled night is STATUS:CANCELLED.
A night still choosing its date is TENTATIVE at its earliest candidate time.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import Lottery, Night, as_utc, utcnow
from .film import night_film

PRODID = "-//movie_lottery//Movie nights//EN"
DURATION = timedelta(hours=3)
FEED_PAST_DAYS = 30
FEED_LIMIT = 500


def _event(session: Session, night: Night, zone: ZoneInfo, url: str, texts: dict[str, str]):
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
    if night.place:
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


def to_ics(session: Session, found: Iterable[Night], zone: ZoneInfo, url_of: Callable[[Night], str],
           texts: dict[str, str], name: str | None = None) -> bytes:
    """texts: {"film": "Смотрим: %s", "planning": "…"} in the visitor's language."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    for night in found:
        calendar.add_component(_event(session, night, zone, url_of(night), texts))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_nights(session: Session) -> list[Night]:
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    return list(session.scalars(
        select(Night).where(Night.sort_at >= since)
        .options(selectinload(Night.options), selectinload(Night.film),
                 selectinload(Night.lottery).selectinload(Lottery.entries), selectinload(Night.poll))
        .order_by(Night.sort_at, Night.id).limit(FEED_LIMIT)
    ))
