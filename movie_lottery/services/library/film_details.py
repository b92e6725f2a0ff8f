"""What a film's own Kinopoisk document adds to a library film: its length, the trailer and
similar films. Fetched on an admin's request (a bounded client call), never in a page render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, object_session

from .. import events
from ...models import Film
from .core import FilmData, add_film

if TYPE_CHECKING:
    from ...clients.kinopoisk import FilmInfo, KinopoiskClient


class NotSimilar(LookupError):
    """The Kinopoisk id is not among the film's similar films."""


def apply_details(film: Film, info: FilmInfo) -> None:
    film.trailer_url = info.trailer_url
    film.similar = list(info.similar) or None
    length = info.length_minutes or film.length_minutes
    if length != film.length_minutes:
        film.length_minutes = length
        session = object_session(film)
        if session is not None:  # what waits for the end of a night with this film moves (the rating request)
            session.flush()
            events.film_length_known.send(session, film=film)


def refresh(client: KinopoiskClient | None, film: Film) -> bool:
    """Fill the film's details from Kinopoisk; False when there is nothing to ask or no answer.
    Raises KinopoiskError when Kinopoisk fails."""
    if client is None or film.kinopoisk_id is None:
        return False
    info = client.get_film(film.kinopoisk_id)
    if info is None:
        return False
    apply_details(film, info)
    return True


def similar_item(film: Film, kinopoisk_id: int) -> dict:
    item = next((i for i in film.similar or [] if i.get("kinopoisk_id") == kinopoisk_id), None)
    if item is None:
        raise NotSimilar(kinopoisk_id)
    return item


def similar_data(item: dict) -> FilmData:
    return FilmData(
        title=item["title"], year=item.get("year"), poster_url=item.get("poster_url"), kinopoisk_id=item["kinopoisk_id"]
    )


def add_similar(session: Session, client: KinopoiskClient | None, film: Film, kinopoisk_id: int) -> tuple[Film, bool]:
    """Add one of the film's similar films to the library: its full document when Kinopoisk
    answers (raises KinopoiskError when it fails), else what the similar list says."""
    item = similar_item(film, kinopoisk_id)
    info = client.get_film(kinopoisk_id) if client is not None else None
    if info is None:
        return add_film(session, similar_data(item))
    added, created = add_film(
        session,
        FilmData(
            title=info.title,
            year=info.year,
            poster_url=info.poster_url,
            kinopoisk_id=info.kinopoisk_id,
            original_title=info.original_title,
            rating=info.rating,
            genres=info.genres,
            description=info.description,
        ),
    )
    if created:
        apply_details(added, info)
    return added, created
