"""What a film or a member went through: lotteries and polls entered (and won), nights."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ...models import Lottery, LotteryEntry, Night, Poll, PollEntry, PollVote, utcnow

HISTORY_LIMIT = 100


def entry_votes(entry=PollEntry):
    return select(func.count()).where(PollVote.entry_id == entry.id).correlate(entry).scalar_subquery()


def poll_entry_won():
    """A poll's entry won: the poll has closed and no other entry of it has more votes (ties share
    the win), with at least one vote. A boolean expression over PollEntry joined to Poll."""
    votes = entry_votes()
    other = aliased(PollVote)
    beaten = exists(
        select(1)
        .select_from(other)
        .where(other.poll_id == Poll.id)
        .group_by(other.entry_id)
        .having(func.count() > votes)
    )
    now = utcnow()
    closed = or_(Poll.closes_at <= now, and_(Poll.closed_at.is_not(None), Poll.closed_at <= now))
    return and_(closed, votes > 0, ~beaten)


def lotteries_entered(film_id: int):
    """Rows (public_id, title, created_at, drawn_at, won) of the lotteries the film entered."""
    return (
        select(
            Lottery.public_id,
            Lottery.title,
            Lottery.created_at,
            Lottery.drawn_at,
            (Lottery.winner_position == LotteryEntry.position).label("won"),
        )
        .join(LotteryEntry, LotteryEntry.lottery_id == Lottery.id)
        .where(LotteryEntry.film_id == film_id)
        .order_by(Lottery.created_at.desc(), Lottery.id.desc())
        .limit(HISTORY_LIMIT)
    )


def polls_entered(*where):
    """Rows (public_id, title, created_at, entry title, year, film_id, votes, won, closes_at) of poll
    entries (closes_at: when "won" may change without a write)."""
    return (
        select(
            Poll.public_id,
            Poll.title,
            Poll.created_at,
            PollEntry.title.label("film_title"),
            PollEntry.year,
            PollEntry.film_id,
            entry_votes().label("votes"),
            poll_entry_won().label("won"),
            Poll.closes_at,
        )
        .join(PollEntry, PollEntry.poll_id == Poll.id)
        .where(*where)
        .order_by(Poll.created_at.desc(), Poll.id.desc())
        .limit(HISTORY_LIMIT)
    )


def nights_of_film(film_id: int):
    """Nights that showed the film: chosen directly, or by a lottery it won."""
    won_lotteries = select(Lottery.id).where(Lottery.winner_film_id == film_id)
    return (
        select(Night)
        .where(or_(Night.film_id == film_id, Night.lottery_id.in_(won_lotteries)))
        .order_by(Night.sort_at.desc(), Night.id.desc())
        .limit(HISTORY_LIMIT)
    )
