"""From a poll's votes to the provably fair draw: the films that got votes (approvals) weighted
by them, or the tied leaders with equal weights; a ranked poll's last 2–5 films standing with
equal weights. Vetoed films are out, as in the count. The lottery is made once and links back
to the poll."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models import Lottery, Poll
from ..library import FilmData
from ..lotteries import lottery as lotteries
from ..sql import affected_rows
from .ballots import ballots_of, finalists
from .core import banned_entries, close, leaders, tally
from .counting import RANKED, entries_in

LOTTERY_MODES = ("weighted", "leaders")
FINALISTS = range(2, 6)
DEFAULT_FINALISTS = 3


class NotEnoughCandidates(ValueError):
    """Fewer than two films qualify for the draw (``count`` of them do)."""

    def __init__(self, count: int):
        super().__init__(f"{count} film(s) qualify")
        self.count = count


def make_lottery(
    session: Session,
    poll: Poll,
    mode: str = "weighted",
    draw_mode: str = "single",
    without_banned: bool = False,
    finalist_count: int = DEFAULT_FINALISTS,
) -> tuple[Lottery, bool]:
    """The poll's draw (closing the poll): among the films that got votes, weighted by them,
    or among the tied leaders with equal weights (a ranked poll: among its last
    ``finalist_count`` films standing, equal weights); ``draw_mode`` is the lottery's mode (single
    or eliminate: either way a film's weight is its chance to win); ``without_banned`` leaves
    out the films banned today (else a banned film refuses the draw). Made once: returns
    (lottery, created). Raises NotEnoughCandidates when fewer than two films qualify,
    badges.FilmRefused. Commits."""
    if mode not in LOTTERY_MODES or finalist_count not in FINALISTS:
        raise ValueError(f"mode must be one of {LOTTERY_MODES}, finalists 2–5")
    if poll.lottery is not None:
        return poll.lottery, False
    close(session, poll)
    cast = [ballot for _voter, ballot in ballots_of(session, poll)]
    not_vetoed = set(entries_in([entry.id for entry in poll.entries], cast))
    if poll.ballot == RANKED:
        counts = dict.fromkeys(finalists(poll, cast, finalist_count), 1)
    else:
        counts = {entry_id: votes for entry_id, votes in tally(session, poll).items() if entry_id in not_vetoed}
    if without_banned:
        banned = banned_entries(session, poll)
        counts = {entry_id: votes for entry_id, votes in counts.items() if entry_id not in banned}
    chosen = set(leaders(counts)) if mode == "leaders" and poll.ballot != RANKED else set(counts)
    candidates = [entry for entry in poll.entries if entry.id in chosen]
    if len(candidates) < lotteries.MIN_ENTRIES:
        session.rollback()
        raise NotEnoughCandidates(len(candidates))
    created = lotteries.create_lottery(
        session,
        poll.title,
        [
            lotteries.EntryData(
                film=FilmData.of_entry(e),
                weight=counts[e.id] if mode == "weighted" else 1,  # a ranked poll's finalists all count 1
                film_id=e.film_id,
            )
            for e in candidates
        ],
        mode=draw_mode,
    )
    session.flush()
    claimed = affected_rows(
        session.execute(
            update(Poll)
            .where(Poll.id == poll.id, Poll.lottery_id.is_(None))
            .values(lottery_id=created.id, version=Poll.version + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:  # a concurrent request made it first
        session.rollback()
        session.refresh(poll)
        assert poll.lottery is not None  # the other caller's, committed
        return poll.lottery, False
    session.commit()
    session.refresh(poll)
    return created, True


def poll_for_lottery(session: Session, lottery_id: int) -> Poll | None:
    return session.scalar(select(Poll).where(Poll.lottery_id == lottery_id).limit(1))
