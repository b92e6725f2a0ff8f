"""Reminders and the "watched" badge, through the due jobs table (services/due_jobs.py).

Scheduling a night (also by a reschedule) drops its pending jobs and arms one reminder per
offset whose time is still ahead (an offset already past is skipped) and the "watched" mark at
the start. Keys carry the night's SEQUENCE, so a job armed for an older time never runs as a
newer one; cancelling drops them all. A reminder's handler puts one message in the outbox in
the same commit that marks the job done: exactly once, also across failover and restarts.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from ...models import Film, Night, Notification, as_utc, utcnow
from .. import due_jobs, events, notifications
from .answers import answers
from .core import status_of
from .film import night_film
from .telegram import night_url, when_in_zone
from .zones import group_zone


def job_prefix(night: Night) -> str:
    return f"night:{night.id}:"


@events.night_scheduled.connect
def _on_scheduled(session: Session, night: Night, previous_start, created: bool) -> None:
    arm(session, night)


def arm(session: Session, night: Night) -> None:
    """(Re-)schedule the night's reminders and its "watched" mark for its current start."""
    due_jobs.cancel(session, job_prefix(night))
    if night.starts_at is None:  # still a date poll: nothing to remind of yet
        return
    start = as_utc(night.starts_at)
    now = utcnow()
    for minutes in night.reminders or []:
        due = start - timedelta(minutes=minutes)
        if due > now:
            due_jobs.schedule(
                session,
                f"{job_prefix(night)}remind:{minutes}:s{night.sequence}",
                "night_reminder",
                due,
                {"night_id": night.id, "minutes": minutes, "sequence": night.sequence},
            )
    due_jobs.schedule(
        session,
        f"{job_prefix(night)}watched:s{night.sequence}",
        "night_watched",
        start,
        {"night_id": night.id, "sequence": night.sequence},
    )


@events.night_cancelled.connect
def _disarm(session: Session, night: Night) -> None:
    due_jobs.cancel(session, job_prefix(night))


def _current(session: Session, payload: dict) -> Night | None:
    """The night, if it is still scheduled for the time the job was armed for."""
    night = session.get(Night, payload["night_id"])
    if night is None or night.status != "scheduled" or night.sequence != payload["sequence"]:
        return None
    return night


@due_jobs.handler("night_reminder")
def _remind(session: Session, payload: dict) -> None:
    night = _current(session, payload)
    if night is not None:
        notifications.enqueue(
            session,
            "night_reminder",
            {"public_id": night.public_id, "night_id": night.id, "minutes": payload["minutes"]},
        )


@notifications.composer("night_reminder")
def _compose_reminder(session: Session, notification: Notification, site_url: str | None):
    night = session.get(Night, notification.payload["night_id"])
    if night is None or night.starts_at is None or status_of(night) not in ("scheduled", "past"):
        return None  # cancelled meanwhile: no reminder
    found = answers(session, night)
    minutes = notification.payload["minutes"]
    with force_locale(notifications.message_locale()):
        if minutes % 1440 == 0:
            soon = ngettext("Через %(num)d день", "Через %(num)d дней", minutes // 1440)
        elif minutes % 60 == 0:
            soon = ngettext("Через %(num)d час", "Через %(num)d часов", minutes // 60)
        else:
            soon = _("Через %(num)d мин", num=minutes)
        lines = [
            _(
                "⏰ %(soon)s — «%(title)s», %(when)s.",
                soon=soon,
                title=escape_html(night.title),
                when=when_in_zone(night.starts_at),
            )
        ]
        if night.place and notifications.for_members():
            lines.append(_("Где: %(place)s", place=escape_html(night.place)))
        film = night_film(session, night)
        if film is not None:
            lines.append(_("Смотрим: %(film)s", film=f"<b>{escape_html(film.title)}</b>"))
        going = found.rsvp_names["going"]
        lines.append(
            _("Идут: %(names)s", names=", ".join(escape_html(n) for n in going))
            if going
            else _("Пока никто не ответил «Иду».")
        )
    url = night_url(site_url, night.public_id)
    return "\n".join(lines + ([url] if url else [])), None


@due_jobs.handler("night_watched")
def _mark_watched(session: Session, payload: dict) -> None:
    """At the start: the night's film (when it is in the library) gets the "watched" badge with
    the night's date in the group's time zone. The admin can take it off like any badge."""
    night = _current(session, payload)
    film = night_film(session, night) if night is not None else None
    if night is None or night.starts_at is None or film is None or film.film_id is None:
        return
    library_film = session.get(Film, film.film_id)
    day = as_utc(night.starts_at).astimezone(group_zone()).date()
    if library_film is not None and (library_film.watched_on is None or library_film.watched_on < day):
        library_film.watched_on = day


@due_jobs.rearmed_by("night_reminder", "night_watched")
def rearm_all(session: Session) -> int:
    """Arm every upcoming scheduled night again — after a backup is imported (backups leave the
    due-jobs table out). As at scheduling, offsets whose time has passed are skipped, so nothing
    already sent is sent again.
    Returns how many nights were armed. The caller commits."""
    upcoming = session.scalars(select(Night).where(Night.status == "scheduled", Night.starts_at > utcnow())).all()
    for night in upcoming:
        arm(session, night)
    return len(upcoming)
