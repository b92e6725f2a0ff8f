"""A ballot built press by press (the poll's buttons in Telegram): a single vote, approval marks
toggled one film at a time, a ranking built by pressing films in order (reset to start again),
and a veto armed by ⛔ for the person's next film.

Every press that changes a ballot first claims the open poll (the row lock that serialises every
writer of the poll, the site's ballots too), then reads the person's ballot and writes it back,
so presses arriving together from several places never lose one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import Poll, PollVote, as_utc, utcnow
from .ballots import UnknownEntry, check_ballot, store_ballot
from .core import PollClosed, claim_open
from .counting import APPROVAL, SINGLE, Ballot

VETO_ARMED_FOR = timedelta(minutes=5)  # ⛔ then a film: the film must follow within this


class PressRefused(ValueError):
    """code: no_vetoes (the poll takes none) | no_ballot (a veto needs a ballot with a mark)"""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Pressed:
    """What a press did. ``kind``: voted, marked, unmarked, withdrawn (the last mark went: no
    ballot left), ranked, already_ranked, reset, vetoed, unvetoed, veto_armed, veto_disarmed.
    ``ballot``: the person's ballot after the press (None: they have none)."""

    kind: str
    ballot: Ballot | None
    entry_id: int | None = None


def _mine(session: Session, poll: Poll, voter: str) -> tuple[Ballot | None, bool]:
    """The person's ballot, and whether their veto is armed now."""
    row = session.execute(
        select(PollVote.entry_id, PollVote.marks, PollVote.vetoes, PollVote.veto_armed_at).where(
            PollVote.poll_id == poll.id, PollVote.voter == voter
        )
    ).one_or_none()
    if row is None:
        return None, False
    ballot = Ballot(tuple(row.marks) if row.marks else (row.entry_id,), tuple(row.vetoes or ()))
    armed = row.veto_armed_at is not None and as_utc(row.veto_armed_at) > utcnow() - VETO_ARMED_FOR
    return ballot, armed


def _toggled(chosen: tuple[int, ...], entry_id: int) -> tuple[int, ...]:
    return tuple(e for e in chosen if e != entry_id) if entry_id in chosen else chosen + (entry_id,)


def _withdraw(session: Session, poll: Poll, voter: str) -> None:
    session.execute(delete(PollVote).where(PollVote.poll_id == poll.id, PollVote.voter == voter))


def press_film(session: Session, poll: Poll, voter: str, entry_id: int) -> Pressed:
    """A film's button. Raises UnknownEntry, PollClosed, BallotInvalid (too many marks or
    vetoes). The caller commits."""
    if entry_id not in {entry.id for entry in poll.entries}:
        raise UnknownEntry()
    claim_open(session, poll)
    ballot, armed = _mine(session, poll, voter)
    if ballot is not None and armed:
        vetoes = _toggled(ballot.vetoes, entry_id)
        changed = Ballot(ballot.marks, vetoes)
        kind = "vetoed" if entry_id in vetoes else "unvetoed"
    elif poll.ballot == SINGLE:
        changed, kind = Ballot((entry_id,), ballot.vetoes if ballot else ()), "voted"
    elif poll.ballot == APPROVAL:
        marks = _toggled(ballot.marks if ballot else (), entry_id)
        if not marks:
            _withdraw(session, poll, voter)
            return Pressed("withdrawn", None, entry_id)
        changed = Ballot(marks, ballot.vetoes if ballot else ())
        kind = "marked" if entry_id in marks else "unmarked"
    elif ballot is not None and entry_id in ballot.marks:
        return Pressed("already_ranked", ballot, entry_id)
    else:
        changed = Ballot((ballot.marks if ballot else ()) + (entry_id,), ballot.vetoes if ballot else ())
        kind = "ranked"
    check_ballot(poll, poll.ballot, changed)
    store_ballot(session, poll, voter, changed)  # disarms the veto too
    return Pressed(kind, changed, entry_id)


def press_reset(session: Session, poll: Poll, voter: str) -> Pressed:
    """Start the ballot again (a ranking is built in order, so a change starts from scratch).
    Raises PollClosed. The caller commits."""
    claim_open(session, poll)
    _withdraw(session, poll, voter)
    return Pressed("reset", None)


def press_veto(session: Session, poll: Poll, voter: str) -> Pressed:
    """⛔: arm (or disarm) a veto for the person's next film button. Raises PressRefused,
    PollClosed. The caller commits."""
    if not poll.vetoes_per_member:
        raise PressRefused("no_vetoes")
    if poll.is_closed():
        raise PollClosed(poll.public_id)
    ballot, armed = _mine(session, poll, voter)
    if ballot is None:
        raise PressRefused("no_ballot")
    session.execute(
        update(PollVote)
        .where(PollVote.poll_id == poll.id, PollVote.voter == voter)
        .values(veto_armed_at=None if armed else utcnow())
        .execution_options(synchronize_session=False)
    )
    return Pressed("veto_disarmed" if armed else "veto_armed", ballot)
