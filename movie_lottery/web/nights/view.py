"""How nights look in JSON (the API, the page's live counts), their links and times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...models import Night, as_utc, iso_utc
from ...services import nights
from ...services.nights.zones import group_zone
from ..presenters import external_url


def night_url(night: Night) -> str:
    return external_url("nights.night", public_id=night.public_id)


def manage_url(night: Night, token: str) -> str:
    # The token rides in the fragment: browsers never send it, so it stays out of logs.
    return external_url("nights.manage", public_id=night.public_id) + "#" + token


def ics_url(night: Night) -> str:
    return external_url("nights_calendar.night_ics", public_id=night.public_id)


def in_group_zone(value: datetime) -> datetime:
    return as_utc(value).astimezone(group_zone())


def film_json(film: nights.WatchedFilm | None) -> dict[str, Any] | None:
    if film is None:
        return None
    return {
        "title": film.title,
        "year": film.year,
        "poster_url": film.poster_url,
        "film_id": film.film_id,
        "source": film.source,
    }


def night_json(
    night: Night, answers: nights.Answers, film: nights.WatchedFilm | None, with_place: bool = False
) -> dict[str, Any]:
    """Times in the group's time zone, with their offsets; the place for members only."""

    def when(value):
        return None if value is None else in_group_zone(value).isoformat()

    return {
        "id": night.public_id,
        "title": night.title,
        "url": night_url(night),
        "status": nights.status_of(night),
        "starts_at": when(night.starts_at),
        "place": night.place if with_place else None,
        "film": film_json(film),
        "date_options": [
            {
                "id": o.id,
                "starts_at": when(o.starts_at),
                "count": answers.option_counts.get(o.id, 0),
                "members": answers.option_names.get(o.id, []),
            }
            for o in night.options
        ],
        "best_option_ids": answers.best_options(),
        "rsvp": answers.rsvp_names,
        "rsvp_counts": answers.rsvp_counts,
        "my_rsvp": answers.my_rsvp,
        "my_options": sorted(answers.my_options),
        "reminders_minutes": list(night.reminders or []),
        "ics_url": ics_url(night),
        "updated_at": iso_utc(night.updated_at),
    }


def summary_json(night: Night, with_place: bool = False) -> dict[str, Any]:
    """A night in a list (no answers: one query per page)."""
    return {
        "id": night.public_id,
        "title": night.title,
        "url": night_url(night),
        "status": nights.status_of(night),
        "starts_at": None if night.starts_at is None else in_group_zone(night.starts_at).isoformat(),
        "date_options": [in_group_zone(o.starts_at).isoformat() for o in night.options],
        "place": night.place if with_place else None,
    }
