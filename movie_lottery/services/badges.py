"""Admin badges on library films (watched, favourite, watchlist, banned until a date) and
the one rule every way into a draw asks: may these films enter?"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Film, search_key, utcnow
from .library import FilmData

@dataclass(frozen=True)
class Refusal:
    """Why a film cannot enter a new lottery (or poll)."""

    film_id: int
    title: str
    banned_until: date

    @property
    def message(self) -> str:
        return _(
            "«%(title)s» нельзя добавить: фильм в бане до %(date)s включительно.",
            title=self.title, date=format_date(self.banned_until, "long"),
        )


class FilmRefused(ValueError):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


def today() -> date:
    return utcnow().date()


def tomorrow() -> datetime:
    """The moment today() changes."""
    return datetime.combine(today() + timedelta(days=1), time.min, tzinfo=timezone.utc)


def entry_refusal(
    session: Session, films: Sequence[FilmData] = (), film_ids: Iterable[int] = (), on: date | None = None
) -> Refusal | None:
    """The first of these films (given as entry data and/or library ids) that is banned on
    ``on`` (default today), or None. A film matches by library id, by Kinopoisk id, or by
    title (case-insensitive, original title too) and year when the entry gives one.
    One SQL query: the films banned today (the ban list is short and indexed)."""
    on = on or today()
    banned = session.scalars(select(Film).where(Film.banned_until >= on).order_by(Film.id)).all()
    if not banned:
        return None
    by_id = {f.id: f for f in banned}
    by_kinopoisk = {f.kinopoisk_id: f for f in banned if f.kinopoisk_id is not None}

    def by_title(data: FilmData) -> Film | None:
        key = search_key(data.title)
        return next(
            (f for f in banned
             if key in (search_key(f.title), search_key(f.original_title)) and data.year in (None, f.year)),
            None,
        )

    candidates = [by_id.get(i) for i in film_ids if i is not None]
    for data in films:
        candidates.append(by_kinopoisk.get(data.kinopoisk_id) if data.kinopoisk_id is not None else by_title(data))
    hit = next((f for f in candidates if f is not None), None)
    return Refusal(hit.id, hit.title, hit.banned_until) if hit else None


def ensure_may_enter(session: Session, films: Sequence[FilmData] = (), film_ids: Iterable[int] = ()) -> None:
    refusal = entry_refusal(session, films, film_ids)
    if refusal is not None:
        raise FilmRefused(refusal)


UNSET = object()


def set_badges(film: Film, *, watched_on=UNSET, favourite=UNSET, watchlist=UNSET, banned_until=UNSET) -> Film:
    """Change only the badges given; ``watchlist`` True keeps the original date it was added."""
    if watched_on is not UNSET:
        film.watched_on = watched_on
    if favourite is not UNSET:
        film.favourite = bool(favourite)
    if watchlist is not UNSET:
        if not watchlist:
            film.watchlist_at = None
        elif film.watchlist_at is None:
            film.watchlist_at = utcnow()
    if banned_until is not UNSET:
        film.banned_until = banned_until
    return film


def watchlist(session: Session, limit: int = 100) -> list[Film]:
    """Watchlist films not yet watched, longest waiting first."""
    stmt = (
        select(Film)
        .where(Film.watchlist_at.is_not(None), Film.watched_on.is_(None))
        .order_by(Film.watchlist_at, Film.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
