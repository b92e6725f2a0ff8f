"""The film a wish names: a library film, or a Kinopoisk film added to the library first (as a
drawn lottery's winner or a similar film is)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...clients.formats import parse_kinopoisk_ref
from ...models import Film, Lottery, LotteryEntry, Poll, PollEntry, search_key
from ..library import FilmData, add_film, search
from ..library.core import find_existing

if TYPE_CHECKING:
    from ...clients.kinopoisk import KinopoiskClient


class NotFound(LookupError):
    """Neither the library nor Kinopoisk knows the film."""


def of_result(result: dict) -> FilmData:
    """A Kinopoisk search result (services/library/search) as the data a library film is made of."""
    return FilmData(
        title=result["title"],
        year=result.get("year"),
        poster_url=result.get("poster_url"),
        kinopoisk_id=result.get("kinopoisk_id"),
        original_title=result.get("original_title"),
        rating=result.get("rating"),
        genres=tuple(result.get("genres") or ()),
        description=result.get("description"),
    )


def library_film(session: Session, query: str) -> Film | None:
    """The library film a Kinopoisk link or id names, or the one best matching a title (a title
    equal to the query first, then the shortest containing it). Reads only."""
    kinopoisk_id = parse_kinopoisk_ref(query)
    if kinopoisk_id is not None:
        return session.scalar(select(Film).where(Film.kinopoisk_id == kinopoisk_id))
    key = search_key(query.strip())
    if not key:
        return None
    exact = (Film.search_text == key) | Film.search_text.startswith(key + " ", autoescape=True)
    return session.scalar(
        select(Film)
        .where(Film.search_text.contains(key, autoescape=True))
        .order_by(exact.desc(), func.length(Film.title), Film.id)
        .limit(1)
    )


def from_kinopoisk(session: Session, client: KinopoiskClient | None, query: str) -> tuple[Film, bool]:
    """Kinopoisk's film for a link, an id or a title (its first result; a search's cached answer
    first), added to the library unless it is there: (film, added). Raises NotFound, KinopoiskError."""
    found = search.search(session, client, query).results
    if not found:
        raise NotFound(query)
    return add_film(session, of_result(found[0]))


def film_for_query(session: Session, client: KinopoiskClient | None, query: str) -> tuple[Film, bool]:
    """The library first, then Kinopoisk: (film, added to the library)."""
    film = library_film(session, query)
    return (film, False) if film is not None else from_kinopoisk(session, client, query)


def film_for_kinopoisk(session: Session, client: KinopoiskClient | None, kinopoisk_id: int) -> tuple[Film, bool]:
    return film_for_query(session, client, str(kinopoisk_id))


def film_for_entry(session: Session, entry: Any) -> tuple[Film, bool]:
    """The library film a lottery's or poll's entry is: its film_id, else the library's film by
    its identity rule (library.same_film); a film with a Kinopoisk id the library lacks is added
    from the entry's copy, as a drawn winner is. (film, added); raises NotFound for a title only."""
    if entry.film_id is not None:
        film = session.get(Film, entry.film_id)
        if film is not None:
            return film, False
    data = FilmData.of_entry(entry)
    existing = find_existing(session, data)
    if existing is not None:
        return existing, False
    if data.kinopoisk_id is None:
        raise NotFound(entry.title)
    return add_film(session, data)


def lottery_entry(session: Session, public_id: str, position: int) -> LotteryEntry | None:
    return session.scalar(
        select(LotteryEntry)
        .join(Lottery, Lottery.id == LotteryEntry.lottery_id)
        .where(Lottery.public_id == public_id, LotteryEntry.position == position)
    )


def poll_entry(session: Session, public_id: str, entry_id: int) -> PollEntry | None:
    return session.scalar(
        select(PollEntry)
        .join(Poll, Poll.id == PollEntry.poll_id)
        .where(Poll.public_id == public_id, PollEntry.id == entry_id)
    )
