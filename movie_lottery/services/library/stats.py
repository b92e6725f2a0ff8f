"""What the group has been watching: aggregates for the /stats page.

Five SQL statements whatever the size of the history, each bounded (LIMIT, or grouped to a
few dozen rows) and served by an index (see migration 0007)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from . import site_day
from ...models import Film, Lottery, LotteryEntry
from .badges import watchlist

TOP = 10
MONTHS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class EnteredFilm:
    title: str
    year: int | None
    entries: int


@dataclass(frozen=True)
class Stats:
    draws_last_year: int
    winners_by_genre: list[Bar]
    winners_by_decade: list[Bar]
    draws_per_month: list[tuple[date, int]]  # first day of the month, draws; the last MONTHS months
    never_won: list[EnteredFilm]
    waiting: list[Film]


def winning_entry():
    """Join condition: the entry that won its lottery."""
    return and_(LotteryEntry.lottery_id == Lottery.id, LotteryEntry.position == Lottery.winner_position)


def winners_by_genre(session: Session) -> list[Bar]:
    """Wins per genre of the winning library film, counted in SQL (genres is a JSON list)."""
    wins = (
        select(Lottery.winner_film_id.label("film_id"), func.count().label("wins"))
        .where(Lottery.winner_film_id.is_not(None))
        .group_by(Lottery.winner_film_id)
        .subquery()
    )
    unnest = func.json_array_elements_text if session.get_bind().dialect.name == "postgresql" else func.json_each
    genre = unnest(Film.genres).table_valued("value").alias("genre")
    total = func.sum(wins.c.wins).label("total")
    rows = session.execute(
        select(genre.c.value, total)
        .select_from(Film)
        .join(wins, wins.c.film_id == Film.id)
        .join(genre, true())
        .group_by(genre.c.value)
        .order_by(total.desc(), genre.c.value)
        .limit(TOP)
    )
    return [Bar(name, int(count)) for name, count in rows]


def winners_by_decade(session: Session) -> list[Bar]:
    decade = (LotteryEntry.year // 10 * 10).label("decade")
    rows = session.execute(
        select(decade, func.count())
        .select_from(Lottery)
        .join(LotteryEntry, winning_entry())
        .where(Lottery.drawn_at.is_not(None), LotteryEntry.year.is_not(None))
        .group_by(decade)
        .order_by(decade)
    )
    return [Bar(_("%(decade)d-е", decade=int(d)), n) for d, n in rows if d is not None]


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def draws_per_month(session: Session, today: date) -> list[tuple[date, int]]:
    first = month_start(today, MONTHS - 1)
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", Lottery.drawn_at), "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Lottery.drawn_at)
    rows: dict[str, int] = dict(
        session.execute(
            select(month.label("month"), func.count()).where(Lottery.drawn_at >= first).group_by("month")
        ).all()
    )
    months = [month_start(today, back) for back in range(MONTHS - 1, -1, -1)]
    return [(m, rows.get(m.strftime("%Y-%m"), 0)) for m in months]


def never_won(session: Session) -> list[EnteredFilm]:
    """Films (by title and year, as entered) in the most lotteries without ever winning one."""
    winner = aliased(LotteryEntry)
    won = exists(
        select(1)
        .select_from(Lottery)
        .join(winner, and_(winner.lottery_id == Lottery.id, winner.position == Lottery.winner_position))
        .where(winner.title == LotteryEntry.title, winner.year.is_not_distinct_from(LotteryEntry.year))
    )
    entries = func.count().label("entries")
    rows = session.execute(
        select(LotteryEntry.title, LotteryEntry.year, entries)
        .where(~won)
        .group_by(LotteryEntry.title, LotteryEntry.year)
        .order_by(entries.desc(), LotteryEntry.title)
        .limit(TOP)
    )
    return [EnteredFilm(title, year, n) for title, year, n in rows]


def collect(session: Session, today: date | None = None) -> Stats:
    today = today or site_day.today()
    per_month = draws_per_month(session, today)
    return Stats(
        draws_last_year=sum(n for _m, n in per_month),
        winners_by_genre=winners_by_genre(session),
        winners_by_decade=winners_by_decade(session),
        draws_per_month=per_month,
        never_won=never_won(session),
        waiting=watchlist(session, limit=TOP, without_banned=True),
    )
