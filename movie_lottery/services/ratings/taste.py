"""The group's taste on /stats: best and worst rated, the most divisive, taste twins, the
harshest and kindest critics, and where the group disagrees with Kinopoisk.

Four statements whatever the size: films are ranked on their kept summary (films.ratings_*,
indexed), the rest is grouped in SQL and bounded by LIMIT."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, cast, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from ...models import Film, FilmRating, Member
from .scores import rounded

TOP = 10
MIN_RATINGS = 3  # a film's figures need at least this many scores
MIN_COMMON = 3  # taste twins: films both rated
MIN_CRITIC = 3  # critics: films rated


@dataclass(frozen=True)
class RatedFilm:
    id: int
    title: str
    year: int | None
    average: float
    count: int
    spread: int | None = None  # highest minus lowest score
    kinopoisk: float | None = None  # Kinopoisk's rating


@dataclass(frozen=True)
class Pair:
    first_id: int
    first: str
    second_id: int
    second: str
    common: int
    difference: float


@dataclass(frozen=True)
class Critic:
    id: int
    name: str
    films: int
    delta: float  # their mean minus the group's mean on the same films


@dataclass(frozen=True)
class Taste:
    best: list[RatedFilm]
    worst: list[RatedFilm]
    divisive: list[RatedFilm]
    twins: list[Pair]
    harshest: Critic | None
    kindest: Critic | None
    versus_kinopoisk: list[RatedFilm]
    without_kinopoisk: int = 0  # films rated enough that Kinopoisk has no rating for


def ranked(session: Session) -> tuple[dict[str, list[RatedFilm]], dict[str, int]]:
    """Best, worst and farthest from Kinopoisk in one statement (three bounded branches of a
    UNION ALL over the films' kept summaries), and how many films each branch ranked."""
    gap = func.abs(Film.ratings_average - Film.rating)
    orders = {
        "best": ((Film.ratings_average.desc(), Film.ratings_count.desc()), ()),
        "worst": ((Film.ratings_average, Film.ratings_count.desc()), ()),
        "kinopoisk": ((gap.desc(),), (Film.rating.is_not(None),)),
    }
    branches = [
        select(
            literal(name).label("list"),
            Film.id,
            Film.title,
            Film.year,
            Film.ratings_average,
            Film.ratings_count,
            Film.rating,
            func.count().over().label("ranked"),
        )
        .where(Film.ratings_count >= MIN_RATINGS, *where)
        .order_by(*order, Film.id)
        .limit(TOP)
        .subquery()
        for name, (order, where) in orders.items()
    ]
    rows = session.execute(union_all(*(select(branch) for branch in branches))).all()
    lists: dict[str, list[RatedFilm]] = {name: [] for name in orders}
    totals = dict.fromkeys(orders, 0)
    for r in rows:
        average = rounded(r.ratings_average)
        if average is not None:  # always, with MIN_RATINGS scores
            lists[r.list].append(RatedFilm(r.id, r.title, r.year, average, r.ratings_count, kinopoisk=r.rating))
        totals[r.list] = r.ranked
    # UNION ALL does not promise to keep each branch's order: put it back.
    lists["best"].sort(key=lambda f: (-f.average, -f.count, f.id))
    lists["worst"].sort(key=lambda f: (f.average, -f.count, f.id))
    lists["kinopoisk"].sort(key=lambda f: (-abs(f.average - (f.kinopoisk or 0.0)), f.id))  # all rated on Kinopoisk
    return lists, totals


def best_and_worst(
    best: list[RatedFilm], worst: list[RatedFilm], total: int
) -> tuple[list[RatedFilm], list[RatedFilm]]:
    """A film is among the best or the worst, never both: with fewer than 2×TOP rated films the
    upper half (the middle one included) is the best, the lower half the worst."""
    best = best[: min(TOP, (total + 1) // 2)]
    shown = {film.id for film in best}
    return best, [film for film in worst if film.id not in shown][: min(TOP, total // 2)]


def divisive(session: Session) -> list[RatedFilm]:
    spread = (func.max(FilmRating.score) - func.min(FilmRating.score)).label("spread")
    deviation = func.avg(func.abs(FilmRating.score - Film.ratings_average)).label("deviation")
    rows = session.execute(
        select(Film.id, Film.title, Film.year, Film.ratings_average, Film.ratings_count, spread, deviation)
        .join(FilmRating, FilmRating.film_id == Film.id)
        .where(Film.ratings_count >= MIN_RATINGS)
        .group_by(Film.id, Film.title, Film.year, Film.ratings_average, Film.ratings_count)
        .order_by(spread.desc(), deviation.desc(), Film.id)
        .limit(TOP)
    )
    return [
        RatedFilm(r.id, r.title, r.year, average, r.ratings_count, spread=r.spread)
        for r in rows
        if (average := rounded(r.ratings_average)) is not None
    ]  # always, with MIN_RATINGS scores


def mean_difference(first, second):
    """The mean absolute difference of two members' scores over the films both rated (as a float:
    averaging integers in Postgres would go through slow numeric arithmetic)."""
    return cast(func.sum(func.abs(first.score - second.score)), Float) / func.count()


def taste_twins(session: Session) -> list[Pair]:
    """The cost of /stats at scale: every pair of scores of a film is compared (bench/stats_page.py)."""
    first, second = aliased(FilmRating), aliased(FilmRating)
    first_member, second_member = aliased(Member), aliased(Member)
    common = func.count().label("common")
    difference = mean_difference(first, second).label("difference")
    nameless = select(Member.id).where(Member.name.is_(None))
    pairs = (
        select(first.member_id.label("first_id"), second.member_id.label("second_id"), common, difference)
        .join(second, (second.film_id == first.film_id) & (second.member_id > first.member_id))
        .where(first.member_id.not_in(nameless), second.member_id.not_in(nameless))  # deleted members
        .group_by(first.member_id, second.member_id)
        .having(func.count() >= MIN_COMMON)
        .order_by(difference, common.desc(), first.member_id, second.member_id)
        .limit(TOP)
        .subquery()
    )
    rows = session.execute(
        select(
            pairs.c.first_id,
            first_member.name,
            pairs.c.second_id,
            second_member.name.label("second_name"),
            pairs.c.common,
            pairs.c.difference,
        )
        .join(first_member, first_member.id == pairs.c.first_id)
        .join(second_member, second_member.id == pairs.c.second_id)
        .order_by(pairs.c.difference, pairs.c.common.desc(), pairs.c.first_id, pairs.c.second_id)
    )
    return [Pair(r.first_id, r.name, r.second_id, r.second_name, r.common, round(float(r.difference), 2)) for r in rows]


def critics(session: Session) -> tuple[Critic | None, Critic | None]:
    """The harshest and the kindest member: their mean score against the group's mean on the
    same films (one row per member, at most a few hundred)."""
    delta = func.avg(FilmRating.score - Film.ratings_average).label("delta")
    films = func.count().label("films")
    rows = session.execute(
        select(Member.id, Member.name, films, delta)
        .join(FilmRating, FilmRating.member_id == Member.id)
        .join(Film, Film.id == FilmRating.film_id)
        .where(Film.ratings_count >= 2, Member.name.is_not(None))  # alone on a film, a member is the group
        .group_by(Member.id, Member.name)
        .having(func.count() >= MIN_CRITIC)
    ).all()
    if not rows:
        return None, None
    ranked = [Critic(r.id, r.name, r.films, round(float(r.delta), 2)) for r in rows]
    harshest = min(ranked, key=lambda c: (c.delta, -c.films, c.id))
    kindest = max(ranked, key=lambda c: (c.delta, c.films, -c.id))
    return harshest, (kindest if kindest.id != harshest.id else None)


def collect(session: Session) -> Taste:
    lists, totals = ranked(session)
    harshest, kindest = critics(session)
    best, worst = best_and_worst(lists["best"], lists["worst"], totals["best"])
    return Taste(
        best=best,
        worst=worst,
        divisive=divisive(session),
        twins=taste_twins(session),
        harshest=harshest,
        kindest=kindest,
        versus_kinopoisk=lists["kinopoisk"],
        without_kinopoisk=totals["best"] - totals["kinopoisk"],
    )
