"""What the rating pages share: links to nights, scoring on a night's page."""

from __future__ import annotations

from flask import url_for

from ...extensions import db
from ...services import nights, ratings

RATE_LIMIT = "60/minute"


def night_link(public_id: str) -> str:
    return url_for("nights.night", public_id=public_id)


def night_rating(night, film, member):
    """Scoring on a night's page: once the night has started, for a film of the library."""
    if film is None or film.film_id is None or nights.status_of(night) != "past":
        return None
    return ratings.summary(db.session, film.film_id, member.id if member else None)
