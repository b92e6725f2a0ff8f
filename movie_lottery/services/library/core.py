"""The film library: adding without duplicates, and keyset-paginated browsing."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Text, cast, delete, false, func, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import site_day
from ...models import Film, FilmRating, Lottery, LotteryEntry, SeenMark, WatchlistEntry, search_key

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

# Sort name -> (column expression, descending?). Nullable columns sort through a
# sentinel so the keyset comparison stays a plain tuple comparison.
SORTS: dict[str, tuple[Any, bool]] = {
    "added": (Film.id, True),
    "title": (Film.search_text, False),
    "year": (func.coalesce(Film.year, 0), True),
    "rating": (func.coalesce(Film.rating, -1.0), True),
    "group": (func.coalesce(Film.ratings_average, -1.0), True),
}

# What a card of the library page shows (templates/library.html): the page loads only these,
# as plain rows, not whole Film objects (descriptions, magnets…).
CARD_COLUMNS = (
    Film.id,
    Film.title,
    Film.year,
    Film.poster_url,
    Film.rating,
    Film.genres,
    Film.kinopoisk_id,
    Film.info_hash,
    Film.torrent_state,
    Film.torrent_progress,
    Film.watched_on,
    Film.favourite,
    Film.watchlist_at,
    Film.banned_until,
    Film.ratings_average,
    Film.ratings_count,
)

# Kinopoisk's genre names, offered as filter choices without scanning the table.
KNOWN_GENRES = (
    "аниме",
    "биография",
    "боевик",
    "вестерн",
    "военный",
    "детектив",
    "детский",
    "документальный",
    "драма",
    "история",
    "комедия",
    "короткометражка",
    "криминал",
    "мелодрама",
    "музыка",
    "мультфильм",
    "мюзикл",
    "приключения",
    "семейный",
    "спорт",
    "триллер",
    "ужасы",
    "фантастика",
    "фэнтези",
)


BADGES = ("watched", "favourite", "watchlist", "banned")


def badge_filter(badge: str, on: date | None = None):
    """A WHERE clause selecting library films that carry ``badge`` (a ban counts until its last day)."""
    if badge == "watched":
        return Film.watched_on.is_not(None)
    if badge == "favourite":
        return Film.favourite.is_(True)
    if badge == "watchlist":
        return Film.watchlist_at.is_not(None)
    if badge == "banned":
        return Film.banned_until >= (on or site_day.today())
    raise ValueError(f"unknown badge {badge!r}")


class InvalidCursor(ValueError):
    """A cursor that this server did not produce (or for another sort)."""


@dataclass(frozen=True)
class FilmData:
    """What is known about a film when it is added (from a form, the API or Kinopoisk)."""

    title: str
    year: int | None = None
    poster_url: str | None = None
    kinopoisk_id: int | None = None
    original_title: str | None = None
    rating: float | None = None
    genres: tuple[str, ...] = ()
    description: str | None = None

    @classmethod
    def of_entry(cls, entry: Any) -> FilmData:
        """The film as a lottery or poll entry copied it (entries keep a snapshot, not a reference)."""
        return cls(
            title=entry.title,
            year=entry.year,
            poster_url=entry.poster_url,
            kinopoisk_id=entry.kinopoisk_id,
            original_title=entry.original_title,
            rating=entry.rating,
            genres=tuple(entry.genres or ()),
            description=entry.description,
        )


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def _int_within(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: type(value) is int and low <= value <= high


def _number_within(low: float, high: float) -> Callable[[Any], bool]:
    return lambda value: type(value) in (int, float) and low <= value <= high  # NaN fails both


# What each cursor value may be: a wrong type or an out-of-range id would otherwise reach
# the database as a type error or an overflow (and look like an outage).
ROW_ID = _int_within(1, 2**31 - 1)
SORT_KEYS: dict[str, Callable[[Any], bool]] = {
    "added": ROW_ID,
    "title": lambda value: isinstance(value, str) and len(value) <= 1000,
    "year": _int_within(0, 9999),
    "rating": _number_within(-1.0, 10.0),
    "group": _number_within(-1.0, 10.0),
}


def decode_cursor(cursor: str, checks: Sequence[Callable[[Any], bool]]) -> list[Any]:
    """The values of a cursor made by encode_cursor, each accepted by its check."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor("malformed cursor") from None
    if not isinstance(values, list) or len(values) != len(checks):
        raise InvalidCursor("malformed cursor")
    if not all(check(value) for check, value in zip(checks, values, strict=True)):
        raise InvalidCursor("cursor values do not fit this listing")
    return values


def film_data(film: Film) -> FilmData:
    """A library film as the data a new entry is made of."""
    return FilmData(
        title=film.title,
        year=film.year,
        poster_url=film.poster_url,
        kinopoisk_id=film.kinopoisk_id,
        original_title=film.original_title,
        rating=film.rating,
        genres=tuple(film.genres or ()),
        description=film.description,
    )


def title_keys(title: str | None, original_title: str | None) -> set[str]:
    return {search_key(t) for t in (title, original_title) if t}


def same_film(film: Film, data: FilmData) -> bool:
    """The one identity rule of the library (de-duplication and the ban check agree on it):
    the same Kinopoisk id, or, when either side has none, a shared title (the original title
    counts too) and a year that agrees (a missing year agrees with any)."""
    if film.kinopoisk_id is not None and data.kinopoisk_id is not None:
        return film.kinopoisk_id == data.kinopoisk_id
    shares_a_title = bool(title_keys(film.title, film.original_title) & title_keys(data.title, data.original_title))
    return shares_a_title and (None in (film.year, data.year) or film.year == data.year)


def find_existing(session: Session, data: FilmData) -> Film | None:
    """The library film this data describes (see same_film): one query narrows the library
    to films with that Kinopoisk id or holding one of the titles, Python applies the rule.
    A Kinopoisk id match wins, then an exact year, then the oldest film."""
    keys = title_keys(data.title, data.original_title)
    by_title = or_(*(Film.search_text.contains(key, autoescape=True) for key in keys))
    if data.year is not None:
        by_title = by_title & (Film.year.is_(None) | (Film.year == data.year))
    if data.kinopoisk_id is not None:
        by_title = (by_title & Film.kinopoisk_id.is_(None)) | (Film.kinopoisk_id == data.kinopoisk_id)
    candidates = [
        f for f in session.scalars(select(Film).where(by_title).order_by(Film.id).limit(50)) if same_film(f, data)
    ]
    return min(
        candidates,
        key=lambda f: (f.kinopoisk_id != data.kinopoisk_id or data.kinopoisk_id is None, f.year != data.year, f.id),
        default=None,
    )


def complete_from(film: Film, data: FilmData) -> None:
    """A film found again through Kinopoisk gains its id and fills what it lacked (its row stays one)."""
    if film.kinopoisk_id is not None or data.kinopoisk_id is None:
        return
    film.kinopoisk_id = data.kinopoisk_id
    for name in ("original_title", "year", "poster_url", "rating", "description"):
        if getattr(film, name) in (None, "") and getattr(data, name) not in (None, ""):
            setattr(film, name, getattr(data, name))
    if not film.genres and data.genres:
        film.genres = list(data.genres)
    film.refresh_search_text()


def add_film(session: Session, data: FilmData) -> tuple[Film, bool]:
    """Add a film unless it is already there; returns (film, created). Safe under concurrency."""
    existing = find_existing(session, data)
    if existing is not None:
        try:
            with session.begin_nested():
                complete_from(existing, data)
        except IntegrityError:
            session.refresh(existing)  # another row took the id a moment ago: keep this one as it was
        return existing, False
    film = Film(
        kinopoisk_id=data.kinopoisk_id,
        title=data.title,
        original_title=data.original_title,
        year=data.year,
        poster_url=data.poster_url,
        rating=data.rating,
        genres=list(data.genres),
        description=data.description,
    )
    try:
        with session.begin_nested():
            session.add(film)
    except IntegrityError:
        # Another transaction added the same Kinopoisk id between our check and insert.
        existing = find_existing(session, data)
        if existing is None:
            raise
        return existing, False
    return film, True


def browse(
    session: Session,
    *,
    query: str | None = None,
    year: int | None = None,
    genre: str | None = None,
    badge: str | None = None,
    sort: str = "added",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    columns: Sequence[Any] | None = None,
    member_id: int | None = None,
    unrated_only: bool = False,
    wished: str | None = None,
) -> Page:
    """One SQL query per page whatever the depth: keyset pagination on (sort key, id).
    Items are Film objects, or rows of just ``columns`` when given; with ``member_id`` rows also
    carry ``my_score`` (that member's score, or None) and ``my_seen`` (their "seen" mark), and
    ``unrated_only`` leaves out the films the member has rated, and ``on_my_list`` (the film is on
    that member's watchlist). ``wished`` keeps the films on someone's watchlist ("anyone") or on the
    member's ("mine")."""
    column, descending = SORTS[sort]
    extra: tuple[Any, ...] = ()
    if columns:
        my_score = (
            null()
            if member_id is None
            else select(FilmRating.score)
            .where(FilmRating.film_id == Film.id, FilmRating.member_id == member_id)
            .scalar_subquery()
        )
        on_my_list = null() if member_id is None else _wished_by(member_id).exists()
        my_seen = (
            null()
            if member_id is None
            else select(SeenMark.film_id).where(SeenMark.film_id == Film.id, SeenMark.member_id == member_id).exists()
        )
        extra = (my_score.label("my_score"), on_my_list.label("on_my_list"), my_seen.label("my_seen"))
    stmt = select(*(columns or (Film,)), *extra, column.label("sort_key"), Film.id.label("sort_id"))
    if unrated_only and member_id is not None:
        stmt = stmt.where(
            ~select(FilmRating.id).where(FilmRating.film_id == Film.id, FilmRating.member_id == member_id).exists()
        )
    if wished == "anyone":
        stmt = stmt.where(_wished_by(None).exists())
    elif wished == "mine":
        stmt = stmt.where(_wished_by(member_id).exists() if member_id is not None else false())
    if query:
        stmt = stmt.where(Film.search_text.contains(search_key(query), autoescape=True))
    if year is not None:
        stmt = stmt.where(Film.year == year)
    if genre:
        # genres is a JSON list stored as UTF-8 text; match the quoted element.
        stmt = stmt.where(cast(Film.genres, Text).contains(json.dumps(genre, ensure_ascii=False), autoescape=True))
    if badge:
        stmt = stmt.where(badge_filter(badge))
    if cursor:
        key, last_id = decode_cursor(cursor, (SORT_KEYS[sort], ROW_ID))
        if descending:
            stmt = stmt.where((column < key) | ((column == key) & (Film.id < last_id)))
        else:
            stmt = stmt.where((column > key) | ((column == key) & (Film.id > last_id)))
    order = (column.desc(), Film.id.desc()) if descending else (column.asc(), Film.id.asc())
    rows = session.execute(stmt.order_by(*order).limit(limit + 1)).all()
    items = rows[:limit] if columns else [row[0] for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(items, encode_cursor([last.sort_key, last.sort_id]) if last else None)


WISHED = ("anyone", "mine")


def _wished_by(member_id: int | None):
    """The film's watchlist entries (of one member, or anyone's), for an EXISTS."""
    entries = select(WatchlistEntry.id).where(WatchlistEntry.film_id == Film.id)
    return entries if member_id is None else entries.where(WatchlistEntry.member_id == member_id)


def backdrop_posters(session: Session, limit: int = 24) -> list[str]:
    """Poster URLs of the newest library films, for the home page collage."""
    stmt = select(Film.poster_url).where(Film.poster_url.is_not(None)).order_by(Film.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def delete_film(session: Session, film: Film) -> None:
    """Remove a film from the library; lotteries keep their entries as snapshots. The links
    are cleared here rather than left to ON DELETE SET NULL, which SQLite does not enforce."""
    session.execute(update(Lottery).where(Lottery.winner_film_id == film.id).values(winner_film_id=None))
    session.execute(update(LotteryEntry).where(LotteryEntry.film_id == film.id).values(film_id=None))
    session.execute(delete(WatchlistEntry).where(WatchlistEntry.film_id == film.id))  # nor ON DELETE CASCADE
    session.delete(film)
