"""Who has seen a film: a member marked it ("Я видел(а)"), scored it, or said "going" to a
past night that showed it (chosen directly, or the winner of its lottery or of its poll's
lottery — as history.nights_of_film). Every page and answer asks seen_by/seen_count, one
statement each whatever the number of films or members."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import case, delete, func, select, union
from sqlalchemy.orm import Session, aliased

from ...models import Film, FilmRating, Lottery, Member, Night, NightRsvp, Poll, SeenMark, search_key, utcnow
from .. import events
from ..sql import upsert_insert
from .scores import FilmNotFound
from .. import merges


def _pairs(*, film_ids: list[int] | None = None, member_id: int | None = None):
    """(film_id, member_id) of everyone who has seen a film, narrowed to films or a member."""
    night_lottery, poll_lottery = aliased(Lottery), aliased(Lottery)
    night_film = case(
        (Night.film_id.is_not(None), Night.film_id),
        (Night.lottery_id.is_not(None), night_lottery.winner_film_id),
        else_=poll_lottery.winner_film_id,
    )
    marks = select(SeenMark.film_id, SeenMark.member_id)
    scores = select(FilmRating.film_id, FilmRating.member_id).where(FilmRating.member_id.is_not(None))
    nights = (
        select(night_film.label("film_id"), NightRsvp.member_id)
        .select_from(NightRsvp)
        .join(Night, Night.id == NightRsvp.night_id)
        .outerjoin(night_lottery, night_lottery.id == Night.lottery_id)
        .outerjoin(Poll, Poll.id == Night.poll_id)
        .outerjoin(poll_lottery, poll_lottery.id == Poll.lottery_id)
        .where(
            NightRsvp.answer == "going",
            NightRsvp.member_id.is_not(None),
            Night.status == "scheduled",
            Night.starts_at <= utcnow(),
            night_film.is_not(None),
        )
    )
    parts = []
    for part, film_col, member_col in (
        (marks, SeenMark.film_id, SeenMark.member_id),
        (scores, FilmRating.film_id, FilmRating.member_id),
        (nights, night_film, NightRsvp.member_id),
    ):
        if film_ids is not None:
            part = part.where(film_col.in_(film_ids))
        if member_id is not None:
            part = part.where(member_col == member_id)
        parts.append(part)
    return union(*parts).subquery()


def seen_by(session: Session, film_ids: Iterable[int]) -> dict[int, list[str]]:
    """{film_id: names of the members who have seen it, alphabetically} for every film asked."""
    ids = sorted(set(film_ids))
    found: dict[int, list[str]] = {film_id: [] for film_id in ids}
    if not ids:
        return found
    pairs = _pairs(film_ids=ids)
    rows = session.execute(
        select(pairs.c.film_id, Member.name)
        .join(Member, Member.id == pairs.c.member_id)
        .order_by(pairs.c.film_id, Member.name, Member.id)
    ).all()
    for film_id, name in rows:
        found[film_id].append(name)
    return found


def seen_count(session: Session, member_id: int) -> int:
    """How many films the member has seen."""
    pairs = _pairs(member_id=member_id)
    return session.scalar(select(func.count()).select_from(pairs)) or 0


def has_marked(session: Session, film_id: int, member_id: int | None) -> bool:
    if member_id is None:
        return False
    return session.get(SeenMark, (member_id, film_id)) is not None


def mark(session: Session, film_id: int, member_id: int) -> None:
    """The member has seen the film (again is fine: idempotent). The caller commits."""
    if session.scalar(select(Film.id).where(Film.id == film_id)) is None:
        raise FilmNotFound(film_id)
    mark_many(session, member_id, [film_id])


def mark_many(session: Session, member_id: int, film_ids: Iterable[int]) -> int:
    """Mark films seen (those marked already stay as they were); how many were new."""
    rows = [{"member_id": member_id, "film_id": film_id, "marked_at": utcnow()} for film_id in sorted(set(film_ids))]
    if not rows:
        return 0
    stmt = (
        upsert_insert(session)(SeenMark)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[SeenMark.member_id, SeenMark.film_id])
    )
    return len(session.execute(stmt.returning(SeenMark.film_id)).all())


def unmark(session: Session, film_id: int, member_id: int) -> None:
    """Take the mark back (a score or a night the member went to still counts as seen)."""
    session.execute(delete(SeenMark).where(SeenMark.film_id == film_id, SeenMark.member_id == member_id))


KINOPOISK_LINK = re.compile(r"kinopoisk\.ru/(?:film|series)/(\d+)", re.IGNORECASE)


def library_film(session: Session, reference: str) -> Film | None:
    """The library film a Telegram /seen names: a Kinopoisk link, or its title (an exact title
    first, then the oldest film whose titles contain the words)."""
    link = KINOPOISK_LINK.search(reference)
    if link:
        return session.scalar(select(Film).where(Film.kinopoisk_id == int(link.group(1))))
    key = search_key(reference.strip())
    if not key:
        return None
    found = session.scalars(
        select(Film).where(Film.search_text.contains(key, autoescape=True)).order_by(Film.id).limit(20)
    ).all()
    return min(
        found, key=lambda f: (key not in (search_key(f.title), search_key(f.original_title)), f.id), default=None
    )


@events.members_merged.connect
def _merge_marks(session: Session, source_id: int, target_id: int) -> None:
    """The source's marks become the target's; a film both marked keeps the target's mark."""
    both = select(SeenMark.film_id).where(SeenMark.member_id == target_id)
    session.execute(
        delete(SeenMark)
        .where(SeenMark.member_id == source_id, SeenMark.film_id.in_(both))
        .execution_options(synchronize_session=False)
    )
    merges.reassign(session, SeenMark, source_id, target_id)


@events.member_deleted.connect
def _forget_marks(session: Session, member_id: int) -> None:
    """A deleted member's marks go (SQLite does not enforce ON DELETE CASCADE)."""
    session.execute(
        delete(SeenMark).where(SeenMark.member_id == member_id).execution_options(synchronize_session=False)
    )
