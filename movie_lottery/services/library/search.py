"""Film search on Kinopoisk with a day-long cache in the database (shared by all workers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...clients.formats import parse_kinopoisk_ref
from ...models import SearchCache, as_utc, utcnow

if TYPE_CHECKING:
    from ...clients.kinopoisk import KinopoiskClient

CACHE_TTL = timedelta(days=1)
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SearchResult:
    source: str  # kinopoisk | cache | disabled
    results: list[dict]


def normalise(query: str) -> str:
    return " ".join(query.casefold().split())


def _cached(session: Session, key: str) -> list[dict] | None:
    row = session.scalar(select(SearchCache).where(SearchCache.key == key))
    if row is None:
        return None
    return row.results if utcnow() - as_utc(row.fetched_at) < CACHE_TTL else None


def _store(session: Session, key: str, results: list[dict]) -> None:
    row = session.scalar(select(SearchCache).where(SearchCache.key == key))
    if row is not None:
        row.results, row.fetched_at = results, utcnow()
        return
    try:
        with session.begin_nested():
            session.add(SearchCache(key=key, results=results))
    except IntegrityError:
        pass  # another worker cached the same answer a moment ago: theirs is as good


def cached_search(session: Session, query: str) -> list[dict] | None:
    """A text search's cached results, if a search of it was made in the last day."""
    return _cached(session, f"q:{normalise(query)}")


def cached_film(session: Session, kinopoisk_id: int) -> dict | None:
    """A film the day's searches (or a lookup by id) met, as its search result."""
    found = _cached(session, f"id:{int(kinopoisk_id)}")
    return found[0] if found else None


def store_search(session: Session, query: str, results: list[dict]) -> None:
    """Cache a text search's results (each film is cached by its id too). The caller commits."""
    for result in results:
        _store(session, f"id:{result['kinopoisk_id']}", [result])
    _store(session, f"q:{normalise(query)}", results)


def search(session: Session, client: KinopoiskClient | None, query: str) -> SearchResult:
    """A Kinopoisk link or id finds that film; text searches. Raises KinopoiskError."""
    if client is None:
        return SearchResult("disabled", [])
    kinopoisk_id = parse_kinopoisk_ref(query)
    key = f"id:{kinopoisk_id}" if kinopoisk_id else f"q:{normalise(query)}"
    cached = _cached(session, key)
    if cached is not None:
        return SearchResult("cache", cached)
    if kinopoisk_id:
        found = client.get_film(kinopoisk_id)
        results = [found.to_dict()] if found else []
    else:
        results = [film.to_dict() for film in client.search(query)]
        store_search(session, query, results)
        return SearchResult("kinopoisk", results)
    _store(session, key, results)
    return SearchResult("kinopoisk", results)
