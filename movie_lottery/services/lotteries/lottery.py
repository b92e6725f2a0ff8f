"""Creating lotteries and drawing them exactly once."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from ...models import Lottery, LotteryEntry, utcnow
from .. import events
from ..library import ROW_ID, FilmData, Page, add_film, badges, decode_cursor, encode_cursor
from ..public_ids import get_by_public_id, head_row, insert_with_public_id
from ..sql import affected_rows
from . import fairness

MIN_ENTRIES = 2
MAX_ENTRIES = 100


class LotteryNotFound(LookupError):
    pass


@dataclass(frozen=True)
class EntryData:
    film: FilmData
    weight: int = 1
    film_id: int | None = None


@dataclass(frozen=True)
class DrawResult:
    lottery: Lottery
    newly_drawn: bool


def create_lottery(session: Session, title: str | None, entries: Sequence[EntryData], mode: str = "single") -> Lottery:
    """Persist a lottery with a fresh secret seed; only its sha256 commitment is public.
    Raises badges.FilmRefused when an entry is banned from new lotteries."""
    if not MIN_ENTRIES <= len(entries) <= MAX_ENTRIES:
        raise ValueError(f"a lottery needs {MIN_ENTRIES}–{MAX_ENTRIES} entries")
    if mode not in fairness.MODES:
        raise ValueError(f"unknown mode {mode!r}")
    badges.ensure_may_enter(session, [e.film for e in entries], [e.film_id for e in entries])
    seed = fairness.new_seed()
    return insert_with_public_id(
        session,
        lambda public_id: Lottery(
            public_id=public_id,
            title=title,
            mode=mode,
            draw_rule=fairness.CURRENT_RULE,
            seed=seed,
            commitment=fairness.commitment_for(seed),
            entries=[
                LotteryEntry(
                    position=position,
                    weight=entry.weight,
                    title=entry.film.title,
                    year=entry.film.year,
                    poster_url=entry.film.poster_url,
                    kinopoisk_id=entry.film.kinopoisk_id,
                    film_id=entry.film_id,
                    original_title=entry.film.original_title,
                    rating=entry.film.rating,
                    genres=list(entry.film.genres) or None,
                    description=entry.film.description,
                )
                for position, entry in enumerate(entries)
            ],
        ),
    )


def get_lottery(session: Session, public_id: str) -> Lottery:
    return get_by_public_id(session, Lottery, public_id, LotteryNotFound, Lottery.entries)


def state_tag(session: Session, public_id: str) -> str:
    """Changes exactly when the lottery does (a lottery changes only by being drawn): an
    ETag that pollers can revalidate with one indexed lookup instead of the whole lottery."""
    row = head_row(session, Lottery, public_id, LotteryNotFound, Lottery.id, Lottery.drawn_at)
    return f"{row.id}-{'drawn' if row.drawn_at else 'open'}"


def outcome(lottery: Lottery) -> tuple[list[int], int]:
    """(eliminated entry indexes in order, winner index) the lottery's seed selects under the
    rule it was made with."""
    weights = [e.weight for e in lottery.entries]
    return fairness.outcome(lottery.mode, lottery.draw_rule, lottery.seed, lottery.public_id, weights)


def draw(session: Session, public_id: str) -> DrawResult:
    """Draw the winner once. Concurrent callers all compute the same winner (it is a
    function of the seed); a conditional UPDATE lets exactly one of them record it and
    do the side effects (library, notification) in that same transaction."""
    lottery = get_lottery(session, public_id)
    if lottery.is_drawn:
        return DrawResult(lottery, newly_drawn=False)
    _eliminated, position = outcome(lottery)
    claimed = affected_rows(
        session.execute(
            update(Lottery)
            .where(Lottery.id == lottery.id, Lottery.drawn_at.is_(None))
            .values(drawn_at=utcnow(), winner_position=position)
        )
    )
    if not claimed:
        session.rollback()
        return DrawResult(get_lottery(session, public_id), newly_drawn=False)
    session.refresh(lottery)
    winner = lottery.winner
    assert winner is not None  # the position was just recorded
    film, _created = add_film(session, FilmData.of_entry(winner))
    session.flush()
    lottery.winner_film_id = winner.film_id = film.id
    events.lottery_drawn.send(session, lottery=lottery)
    session.commit()
    return DrawResult(lottery, newly_drawn=True)


@functools.cache
def _summaries_select() -> Select:
    """Built once (statements are immutable): labelling an aliased entity's columns costs
    more than running the query."""
    winner = aliased(LotteryEntry)
    entry_count = select(func.count(LotteryEntry.id)).where(LotteryEntry.lottery_id == Lottery.id).scalar_subquery()
    return (
        select(
            Lottery.id,
            Lottery.public_id,
            Lottery.title,
            Lottery.created_at,
            entry_count.label("entry_count"),
            winner.title.label("winner_title"),
            winner.year.label("winner_year"),
            winner.poster_url.label("winner_poster_url"),
        )
        .outerjoin(winner, (winner.lottery_id == Lottery.id) & (winner.position == Lottery.winner_position))
        .order_by(Lottery.id.desc())
    )


def summaries(session: Session, cursor: str | None = None, limit: int = 20) -> Page:
    """Newest first, as rows of what a list shows (public_id, title, created_at, entry_count,
    winner_title, winner_year, winner_poster_url): one query per page at any depth, no
    entries loaded (the home page and the history page)."""
    stmt = _summaries_select()
    if cursor:
        (last_id,) = decode_cursor(cursor, (ROW_ID,))
        stmt = stmt.where(Lottery.id < last_id)
    rows = session.execute(stmt.limit(limit + 1)).all()
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


def history(session: Session, cursor: str | None = None, limit: int = 20) -> Page:
    """Newest first; two SQL queries per page (lotteries, then their entries) at any depth."""
    stmt = select(Lottery).options(selectinload(Lottery.entries))
    if cursor:
        (last_id,) = decode_cursor(cursor, (ROW_ID,))
        stmt = stmt.where(Lottery.id < last_id)
    rows = list(session.scalars(stmt.order_by(Lottery.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


def eliminated_positions(lottery: Lottery) -> list[int]:
    """Entry positions in the order an eliminate-mode draw removed them ([] before the draw or in single mode)."""
    if not lottery.is_drawn:
        return []
    eliminated, _winner = outcome(lottery)
    return [lottery.entries[i].position for i in eliminated]


def delete_lottery(session: Session, public_id: str) -> None:
    """Delete a lottery and its entries; the library keeps the films it added."""
    session.delete(get_lottery(session, public_id))


def entries_of(lottery: Lottery, without_winner: bool = False) -> list[EntryData]:
    """The lottery's entries as data for a new lottery (optionally leaving the winner out)."""
    return [
        EntryData(film=FilmData.of_entry(e), weight=e.weight, film_id=e.film_id)
        for e in lottery.entries
        if not (without_winner and e.position == lottery.winner_position)
    ]
