"""Admin badges on library films (watched, favourite, watchlist, banned until a date) and
the one rule every way into a draw asks: may these films enter?"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import site_day
from ...models import Film, utcnow
from .core import FilmData, same_film


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
            title=self.title,
            date=format_date(self.banned_until, "long"),
        )


class FilmRefused(ValueError):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


today = site_day.today  # the group's day (SITE_TIMEZONE): a ban lasts to the end of its last day there
tomorrow = site_day.next_midnight  # the moment today() changes


def entry_refusal(
    session: Session, films: Sequence[FilmData] = (), film_ids: Iterable[int | None] = (), on: date | None = None
) -> Refusal | None:
    """The first of these films (given as entry data and/or library ids) that is banned on
    ``on`` (default today), or None. A film matches by library id or by the library's
    identity rule (library.same_film: Kinopoisk id, or title and year). One SQL query."""
    banned = banned_films(session, on)
    if not banned:
        return None
    candidates = [next((f for f in banned if f.id == i), None) for i in film_ids if i is not None]
    candidates += [banned_match(banned, data) for data in films]
    hit = next((f for f in candidates if f is not None), None)
    return Refusal(hit.id, hit.title, hit.banned_until) if hit is not None and hit.banned_until is not None else None


def banned_films(session: Session, on: date | None = None) -> list[Film]:
    """The films banned on ``on`` (default today): one query, the ban list is short and indexed."""
    return list(session.scalars(select(Film).where(Film.banned_until >= (on or today())).order_by(Film.id)))


def banned_match(banned: Sequence[Film], data: FilmData, film_id: int | None = None) -> Film | None:
    return next((f for f in banned if f.id == film_id or same_film(f, data)), None)


FILM_KEYS = ("title", "year", "kinopoisk_id", "original_title")


def mark_banned(session: Session, results: Sequence[dict]) -> list[dict]:
    """Search results (dicts of FilmData fields) with the library's ban, as library items carry
    it ({"badges": {"banned_until"}}), for those that are the same film as a banned one."""
    banned = banned_films(session)
    marked = []
    for result in results:
        fields: dict[str, Any] = {name: result.get(name) for name in FILM_KEYS}
        hit = banned_match(banned, FilmData(**fields))
        marked.append(
            {**result, "badges": {"banned_until": hit.banned_until.isoformat()}}
            if hit is not None and hit.banned_until is not None
            else result
        )
    return marked


def ensure_may_enter(session: Session, films: Sequence[FilmData] = (), film_ids: Iterable[int | None] = ()) -> None:
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


def watchlist(session: Session, limit: int = 100, *, without_banned: bool = False) -> list[Film]:
    """Watchlist films not yet watched, longest waiting first (without those banned today)."""
    stmt = select(Film).where(Film.watchlist_at.is_not(None), Film.watched_on.is_(None))
    if without_banned:
        stmt = stmt.where(Film.banned_until.is_(None) | (Film.banned_until < today()))
    return list(session.scalars(stmt.order_by(Film.watchlist_at, Film.id).limit(limit)))
