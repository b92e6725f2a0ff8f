"""Scores 1–10, one per member per film, and each film's summary (films.ratings_count/_average).

A write locks the film's row first, then writes the score, then recomputes the summary in a new
statement: concurrent raters of one film queue on that lock, so each recount sees every score
committed before it (no lost update). Merges take identity rows first, then films, as a rating
takes the device's row first (services/members) — one lock order, no deadlock.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ...models import Film, FilmRating, utcnow
from .. import events
from ..merges import reassign, superseded
from ..sql import upsert_insert

MIN_SCORE, MAX_SCORE = 1, 10


class FilmNotFound(LookupError):
    pass


class InvalidScore(ValueError):
    pass


@dataclass(frozen=True)
class Summary:
    average: float | None
    count: int
    my_score: int | None

    def to_dict(self) -> dict:
        return {"average": self.average, "count": self.count, "my_score": self.my_score}


def check_score(score: object) -> int:
    if type(score) is not int or not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidScore(f"a score is a whole number from {MIN_SCORE} to {MAX_SCORE}")
    return score


def lock_film(session: Session, film_id: int) -> None:
    found = session.execute(select(Film.id).where(Film.id == film_id).with_for_update()).scalar_one_or_none()
    if found is None:
        raise FilmNotFound(film_id)


def refresh_summaries(session: Session, film_ids: Iterable[int]) -> None:
    """Recount the films' summaries from their scores (the caller holds the films' locks)."""
    ids = sorted(set(film_ids))
    if not ids:
        return
    scores = select(FilmRating).where(FilmRating.film_id == Film.id)
    session.execute(
        update(Film)
        .where(Film.id.in_(ids))
        .values(
            ratings_count=scores.with_only_columns(func.count()).scalar_subquery(),
            ratings_average=scores.with_only_columns(func.avg(FilmRating.score)).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


def summary(session: Session, film_id: int, member_id: int | None) -> Summary:
    """The film's average, count and this member's score: one indexed query."""
    columns: list[Any] = [Film.ratings_average, Film.ratings_count]
    if member_id is not None:
        columns.append(
            select(FilmRating.score)
            .where(FilmRating.film_id == Film.id, FilmRating.member_id == member_id)
            .scalar_subquery()
        )
    row = session.execute(select(*columns).where(Film.id == film_id)).one_or_none()
    if row is None:
        raise FilmNotFound(film_id)
    return Summary(rounded(row[0]), row[1], row[2] if member_id is not None else None)


def rounded(average: float | None) -> float | None:
    return None if average is None else round(float(average), 2)


def rate(session: Session, film_id: int, member_id: int, score: object) -> Summary:
    """Set the member's score of the film (a second score replaces the first). The caller commits."""
    score = check_score(score)
    lock_film(session, film_id)
    stmt = upsert_insert(session)(FilmRating).values(
        film_id=film_id, member_id=member_id, score=score, rated_at=utcnow()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[FilmRating.film_id, FilmRating.member_id],
        set_={"score": stmt.excluded.score, "rated_at": stmt.excluded.rated_at},
    )
    session.execute(stmt)
    refresh_summaries(session, [film_id])
    return summary(session, film_id, member_id)


def unrate(session: Session, film_id: int, member_id: int) -> Summary:
    """Remove the member's score of the film (nothing to remove is fine). The caller commits."""
    lock_film(session, film_id)
    session.execute(delete(FilmRating).where(FilmRating.film_id == film_id, FilmRating.member_id == member_id))
    refresh_summaries(session, [film_id])
    return summary(session, film_id, member_id)


@events.members_merged.connect
def _merge_scores(session: Session, source_id: int, target_id: int) -> None:
    """The source's scores become the target's; where both rated a film, the most recent stands."""
    rows = session.execute(
        select(FilmRating.id, FilmRating.film_id, FilmRating.rated_at).where(
            FilmRating.member_id.in_((source_id, target_id))
        )
    ).all()
    losers = superseded(rows, group="film_id", at="rated_at")
    films = {row.film_id for row in rows if row.id in losers}
    if films:
        session.execute(select(Film.id).where(Film.id.in_(sorted(films))).order_by(Film.id).with_for_update()).all()
        session.execute(delete(FilmRating).where(FilmRating.id.in_(losers)))
    reassign(session, FilmRating, source_id, target_id)
    refresh_summaries(session, films)
