"""What the film page and the member page show: a fixed number of statements each, whatever
the history's size (every list is bounded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ...models import Film, FilmRating, Member, Night, NightRsvp, PollEntry, utcnow
from .. import watchlists
from ..members.identity import member_key
from ..watchlists import Wish
from .history import HISTORY_LIMIT, lotteries_entered, nights_of_film, polls_entered
from .scores import FilmNotFound, rounded
from .seen import seen_by, seen_count
from .taste import mean_difference

TWIN_MIN_COMMON = 3


@dataclass(frozen=True)
class FilmPage:
    film: Film
    scores: Sequence[Any]  # rows (member_id, name, score, rated_at); both None once deleted
    lotteries: Sequence[Any]  # rows of history.lotteries_entered
    polls: Sequence[Any]  # rows of history.polls_entered
    nights: list[Night]
    seen_by: list[str]  # names of the members who have seen it
    wanted_by: Sequence[Any] = ()  # rows (member_id, name): who has it on their watchlist, earliest first

    @property
    def average(self) -> float | None:
        return rounded(self.film.ratings_average)

    def wanted_by_member(self, member_id: int | None) -> bool:
        return any(row.member_id == member_id for row in self.wanted_by)

    def score_of(self, member_id: int | None) -> int | None:
        return next((row.score for row in self.scores if member_id is not None and row.member_id == member_id), None)


def film_page(session: Session, film_id: int) -> FilmPage:
    film = session.get(Film, film_id)
    if film is None:
        raise FilmNotFound(film_id)
    scores = session.execute(
        select(Member.id.label("member_id"), Member.name, FilmRating.score, FilmRating.rated_at)
        .outerjoin(Member, (Member.id == FilmRating.member_id) & Member.name.is_not(None))
        .where(FilmRating.film_id == film_id)
        .order_by(FilmRating.score.desc(), FilmRating.rated_at, FilmRating.id)
    ).all()
    return FilmPage(
        film=film,
        scores=scores,
        lotteries=session.execute(lotteries_entered(film_id)).all(),
        polls=session.execute(polls_entered(PollEntry.film_id == film_id)).all(),
        nights=list(session.scalars(nights_of_film(film_id))),
        wanted_by=watchlists.wanting(session, film_id),
        seen_by=seen_by(session, [film_id])[film_id],
    )


@dataclass(frozen=True)
class Twin:
    member_id: int
    name: str
    common: int
    difference: float  # mean absolute difference of their scores on the films both rated


@dataclass(frozen=True)
class MemberPage:
    member: Member
    scores: Sequence[Any]  # rows (film_id, title, year, poster_url, score, rated_at, ratings_average)
    nights: list[Night]  # nights they said they were going to, that have started
    suggested: Sequence[Any]  # rows of history.polls_entered
    twin: Twin | None
    seen: int  # films they have seen (marked, scored or watched at a night)
    watchlist: list[Wish] = field(default_factory=list)  # newest first

    @property
    def suggested_won(self) -> int:
        return sum(1 for row in self.suggested if row.won)

    @property
    def average(self) -> float | None:
        return rounded(sum(r.score for r in self.scores) / len(self.scores)) if self.scores else None


def taste_twin(session: Session, member_id: int) -> Twin | None:
    mine, theirs = aliased(FilmRating), aliased(FilmRating)
    common = func.count().label("common")
    difference = mean_difference(mine, theirs).label("difference")
    row = session.execute(
        select(theirs.member_id, Member.name, common, difference)
        .select_from(mine)
        .join(theirs, (theirs.film_id == mine.film_id) & (theirs.member_id != mine.member_id))
        .join(Member, (Member.id == theirs.member_id) & Member.name.is_not(None))
        .where(mine.member_id == member_id)
        .group_by(theirs.member_id, Member.name)
        .having(func.count() >= TWIN_MIN_COMMON)
        .order_by(difference, common.desc(), theirs.member_id)
        .limit(1)
    ).one_or_none()
    return None if row is None else Twin(row.member_id, row.name, row.common, round(float(row.difference), 2))


def member_page(session: Session, member_id: int) -> MemberPage | None:
    member = session.get(Member, member_id)
    if member is None or member.name is None:  # deleted: their page goes with their name
        return None
    scores = session.execute(
        select(
            Film.id.label("film_id"),
            Film.title,
            Film.year,
            Film.poster_url,
            FilmRating.score,
            FilmRating.rated_at,
            Film.ratings_average,
        )
        .join(Film, Film.id == FilmRating.film_id)
        .where(FilmRating.member_id == member_id)
        .order_by(FilmRating.rated_at.desc(), FilmRating.id.desc())
        .limit(HISTORY_LIMIT * 5)
    ).all()
    nights = list(
        session.scalars(
            select(Night)
            .join(NightRsvp, NightRsvp.night_id == Night.id)
            .where(
                NightRsvp.member_id == member_id,
                NightRsvp.answer == "going",
                Night.status == "scheduled",
                Night.starts_at <= utcnow(),
            )
            .order_by(Night.starts_at.desc(), Night.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    suggested = session.execute(polls_entered(PollEntry.suggested_by == member_key(member_id))).all()
    return MemberPage(
        member,
        scores,
        nights,
        suggested,
        taste_twin(session, member_id),
        seen_count(session, member_id),
        watchlists.of_member(session, member_id),
    )


__all__ = ["FilmPage", "MemberPage", "Twin", "film_page", "member_page", "taste_twin"]
