"""Adding, removing and listing members' watchlist entries; what merges and deletions do to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import Film, Member, WatchlistEntry, utcnow
from .. import events
from ..sql import upsert_insert
from .. import merges

LIST_LIMIT = 200  # a member page and the API show at most this many, newest first


class FilmNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Wish:
    film: Film
    added_at: datetime


def add(session: Session, member_id: int, film_id: int) -> datetime:
    """Put the film on the member's list (already there: unchanged); returns when it was added.
    The caller commits."""
    if session.scalar(select(Film.id).where(Film.id == film_id)) is None:
        raise FilmNotFound(film_id)
    stmt = upsert_insert(session)(WatchlistEntry).values(member_id=member_id, film_id=film_id, added_at=utcnow())
    session.execute(stmt.on_conflict_do_nothing(index_elements=[WatchlistEntry.member_id, WatchlistEntry.film_id]))
    added = session.scalar(
        select(WatchlistEntry.added_at).where(WatchlistEntry.member_id == member_id, WatchlistEntry.film_id == film_id)
    )
    assert added is not None
    return added


def on_list(session: Session, member_id: int, film_id: int) -> bool:
    return (
        session.scalar(
            select(WatchlistEntry.id).where(WatchlistEntry.member_id == member_id, WatchlistEntry.film_id == film_id)
        )
        is not None
    )


def remove(session: Session, member_id: int, film_id: int) -> None:
    """Take the film off the member's list (not there is fine). The caller commits."""
    session.execute(
        delete(WatchlistEntry).where(WatchlistEntry.member_id == member_id, WatchlistEntry.film_id == film_id)
    )


def of_member(session: Session, member_id: int, limit: int = LIST_LIMIT) -> list[Wish]:
    """The member's list, newest first: one statement."""
    rows = session.execute(
        select(Film, WatchlistEntry.added_at)
        .join(WatchlistEntry, WatchlistEntry.film_id == Film.id)
        .where(WatchlistEntry.member_id == member_id)
        .order_by(WatchlistEntry.added_at.desc(), WatchlistEntry.id.desc())
        .limit(limit)
    ).all()
    return [Wish(film, added_at) for film, added_at in rows]


def wanting(session: Session, film_id: int) -> Sequence[Any]:
    """Who has the film on their list, earliest first: rows (member_id, name)."""
    return session.execute(
        select(Member.id.label("member_id"), Member.name)
        .join(WatchlistEntry, WatchlistEntry.member_id == Member.id)
        .where(WatchlistEntry.film_id == film_id, Member.name.is_not(None))
        .order_by(WatchlistEntry.added_at, WatchlistEntry.id)
    ).all()


def wanting_many(session: Session, film_ids: Iterable[int]) -> dict[int, list[str]]:
    """Names of who wants each of these films (for lists of entries): one statement."""
    ids = sorted(set(film_ids))
    names: dict[int, list[str]] = {}
    if not ids:
        return names
    for film_id, name in session.execute(
        select(WatchlistEntry.film_id, Member.name)
        .join(Member, Member.id == WatchlistEntry.member_id)
        .where(WatchlistEntry.film_id.in_(ids), Member.name.is_not(None))
        .order_by(WatchlistEntry.added_at, WatchlistEntry.id)
    ):
        if name is not None:  # deleted members have no name (and no list)
            names.setdefault(film_id, []).append(name)
    return names


@events.members_merged.connect
def _merge_lists(session: Session, source_id: int, target_id: int) -> None:
    """The source's list joins the target's; a film on both keeps the earlier added_at."""
    rows = session.execute(
        select(WatchlistEntry.id, WatchlistEntry.film_id, WatchlistEntry.member_id, WatchlistEntry.added_at).where(
            WatchlistEntry.member_id.in_((source_id, target_id))
        )
    ).all()
    by_film: dict[int, list[Any]] = {}
    for row in rows:
        by_film.setdefault(row.film_id, []).append(row)
    for both in (pair for pair in by_film.values() if len(pair) == 2):
        source = next(row for row in both if row.member_id == source_id)
        target = next(row for row in both if row.member_id == target_id)
        session.execute(delete(WatchlistEntry).where(WatchlistEntry.id == source.id))
        if source.added_at < target.added_at:
            session.execute(
                update(WatchlistEntry)
                .where(WatchlistEntry.id == target.id)
                .values(added_at=source.added_at)
                .execution_options(synchronize_session=False)
            )
    merges.reassign(session, WatchlistEntry, source_id, target_id)


@events.member_deleted.connect
def _drop_list(session: Session, member_id: int) -> None:
    """A deleted member's list goes with them: a wish is only someone's (unlike a score, which
    stays counted in the group's average, an anonymous wish says nothing). SQLite does not
    enforce ON DELETE CASCADE, so it is done here."""
    session.execute(delete(WatchlistEntry).where(WatchlistEntry.member_id == member_id))
