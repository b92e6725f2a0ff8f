"""From a poll's votes to the provably fair draw: the films that got votes weighted by them,
or the tied leaders with equal weights. The lottery is made once and links back to the poll."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Lottery, Poll
from . import lottery as lotteries
from .library import FilmData
from .polls import close, leaders, tally

LOTTERY_MODES = ("weighted", "leaders")


class NotEnoughCandidates(ValueError):
    """Fewer than two films qualify for the draw (``count`` of them do)."""

    def __init__(self, count: int):
        super().__init__(f"{count} film(s) qualify")
        self.count = count



def make_lottery(session: Session, poll: Poll, mode: str = "weighted", draw_mode: str = "single") -> tuple[Lottery, bool]:
    """The poll's draw (closing the poll): among the films that got votes, weighted by them,
    or among the tied leaders with equal weights; ``draw_mode`` is the lottery's mode (single
    or eliminate: either way a film's weight is its chance to win). Made once: returns (lottery, created).
    Raises NotEnoughCandidates when fewer than two films qualify. Commits."""
    if mode not in LOTTERY_MODES:
        raise ValueError(f"mode must be one of {LOTTERY_MODES}")
    if poll.lottery is not None:
        return poll.lottery, False
    close(session, poll)
    counts = tally(session, poll)
    chosen = set(leaders(counts)) if mode == "leaders" else set(counts)
    candidates = [entry for entry in poll.entries if entry.id in chosen]
    if len(candidates) < lotteries.MIN_ENTRIES:
        session.rollback()
        raise NotEnoughCandidates(len(candidates))
    created = lotteries.create_lottery(session, poll.title, [
        lotteries.EntryData(
            film=FilmData(title=e.title, year=e.year, poster_url=e.poster_url, kinopoisk_id=e.kinopoisk_id),
            weight=counts[e.id] if mode == "weighted" else 1,
            film_id=e.film_id,
        )
        for e in candidates
    ], mode=draw_mode)
    session.flush()
    claimed = session.execute(
        update(Poll).where(Poll.id == poll.id, Poll.lottery_id.is_(None))
        .values(lottery_id=created.id, version=Poll.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:  # a concurrent request made it first
        session.rollback()
        session.refresh(poll)
        return poll.lottery, False
    session.commit()
    session.refresh(poll)
    return created, True


def poll_for_lottery(session: Session, lottery_id: int) -> Poll | None:
    return session.scalar(select(Poll).where(Poll.lottery_id == lottery_id).limit(1))
