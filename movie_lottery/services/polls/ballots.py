"""Ballots of every type: checked against the poll's rules, one per person (a new one replaces
the person's previous one until the poll closes), counted by the published rule (counting) and,
once the poll has closed, published for anyone to recount."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Member, Poll, PollEntry, PollVote, utcnow
from ..sql import upsert_insert
from . import counting
from .counting import APPROVAL, RANKED, SINGLE, Ballot

MAX_VETOES = 2
# The field of a vote's body that carries each type's marks (the API's names).
MARKS_FIELD = {SINGLE: "entry_id", APPROVAL: "entry_ids", RANKED: "ranking"}


class BallotInvalid(ValueError):
    """A ballot the poll does not take: ``field`` names the body's field, ``code`` says why
    (wrong_type, unknown_entry, duplicate_entry, too_many_marks, no_mark, too_many_vetoes)."""

    def __init__(self, code: str, field: str, limit: int | None = None):
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field
        self.limit = limit


class UnknownEntry(BallotInvalid):
    def __init__(self, field: str = "entry_id"):
        super().__init__("unknown_entry", field)


def refusal(poll: Poll, exc: BallotInvalid) -> str:
    """Why a ballot is refused, in the current locale (the API, the ballot page, Telegram's buttons)."""
    if exc.code == "wrong_type":
        return _("Это голосование принимает «%(field)s».", field=MARKS_FIELD[poll.ballot])
    if exc.code == "too_many_marks":
        return ngettext(
            "Можно отметить не больше %(num)d фильма.", "Можно отметить не больше %(num)d фильмов.", exc.limit or 0
        )
    if exc.code == "too_many_vetoes":
        if not exc.limit:
            return _("В этом голосовании нет вето.")
        return ngettext(
            "Вето можно наложить не больше чем на %(num)d фильм.",
            "Вето можно наложить не больше чем на %(num)d фильма.",
            exc.limit,
        )
    return {
        "unknown_entry": _("Такого фильма в голосовании нет."),
        "duplicate_entry": _("Один фильм указан дважды."),
        "no_mark": _("Отметьте хотя бы один фильм."),
    }[exc.code]


def check_ballot(poll: Poll, ballot_type: str, ballot: Ballot) -> None:
    """Raises BallotInvalid unless ``ballot`` (sent as ``ballot_type``) fits the poll."""
    field = MARKS_FIELD[ballot_type]
    if ballot_type != poll.ballot:
        raise BallotInvalid("wrong_type", field)
    entry_ids = {entry.id for entry in poll.entries}
    for name, chosen in ((field, ballot.marks), ("vetoes", ballot.vetoes)):
        if any(entry_id not in entry_ids for entry_id in chosen):
            raise UnknownEntry(name)
        if len(set(chosen)) != len(chosen):
            raise BallotInvalid("duplicate_entry", name)
    if not ballot.marks:
        raise BallotInvalid("no_mark", field)
    if poll.ballot == APPROVAL and poll.max_approvals and len(ballot.marks) > poll.max_approvals:
        raise BallotInvalid("too_many_marks", field, poll.max_approvals)
    if len(ballot.vetoes) > poll.vetoes_per_member:
        raise BallotInvalid("too_many_vetoes", "vetoes", poll.vetoes_per_member)


def store_ballot(session: Session, poll: Poll, voter: str, ballot: Ballot) -> None:
    """Insert or replace ``voter``'s ballot (the caller has checked it and claimed the open poll)."""
    values = {
        "entry_id": ballot.marks[0],
        "marks": list(ballot.marks) if poll.ballot != SINGLE else None,
        "vetoes": list(ballot.vetoes) or None,
        "voted_at": utcnow(),
        "veto_armed_at": None,  # a new ballot ends Telegram's veto mode (services/polls/presses)
    }
    stmt = upsert_insert(session)(PollVote).values(poll_id=poll.id, voter=voter, **values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[PollVote.poll_id, PollVote.voter],
            set_={name: getattr(stmt.excluded, name) for name in values},
        )
    )


def _ballot(entry_id: int, marks: list[int] | None, vetoes: list[int] | None) -> Ballot:
    return Ballot(marks=tuple(marks) if marks else (entry_id,), vetoes=tuple(vetoes or ()))


def ballots_of(session: Session, poll: Poll) -> list[tuple[str, Ballot]]:
    """(voter key, ballot) of every ballot cast, in the order they were first cast. One query."""
    rows = session.execute(
        select(PollVote.voter, PollVote.entry_id, PollVote.marks, PollVote.vetoes)
        .where(PollVote.poll_id == poll.id)
        .order_by(PollVote.id)
    )
    return [(voter, _ballot(entry_id, marks, vetoes)) for voter, entry_id, marks, vetoes in rows]


def ballot_of(session: Session, poll: Poll, voter: str | None) -> Ballot | None:
    if voter is None:
        return None
    row = session.execute(
        select(PollVote.entry_id, PollVote.marks, PollVote.vetoes).where(
            PollVote.poll_id == poll.id, PollVote.voter == voter
        )
    ).one_or_none()
    return _ballot(*row) if row else None


def live_counts(poll: Poll, ballots: Sequence[Ballot]) -> dict[int, int]:
    """What the page shows while the poll is open: votes (single), approvals (approval) or
    first choices (ranked) per entry id; entries without any are absent."""
    counts: dict[int, int] = {}
    for ballot in ballots:
        for entry_id in ballot.marks if poll.ballot == APPROVAL else ballot.marks[:1]:
            counts[entry_id] = counts.get(entry_id, 0) + 1
    return counts


def priority(poll: Poll) -> list[int]:
    return counting.priority_order(poll.tiebreak_seed, poll.public_id, [entry.id for entry in poll.entries])


def count(poll: Poll, ballots: Sequence[Ballot]) -> counting.Result:
    return counting.count(poll.ballot, [entry.id for entry in poll.entries], ballots, priority(poll))


def outcome(session: Session, poll: Poll) -> counting.Result:
    """The poll's result by the published rule (its winner is None only for an empty poll)."""
    return count(poll, [ballot for _voter, ballot in ballots_of(session, poll)])


@dataclass(frozen=True)
class Winner:
    entry: PollEntry
    tie_broken: bool  # a tie on the way was broken by the committed seed


def winner(session: Session, poll: Poll) -> Winner | None:
    """Who the count names now (the winner once the poll has closed); None before any ballot."""
    cast = [ballot for _voter, ballot in ballots_of(session, poll)]
    result = count(poll, cast)
    if not cast or result.winner is None:
        return None
    entry = next(entry for entry in poll.entries if entry.id == result.winner)
    return Winner(entry, any(round_.tie_broken for round_ in result.rounds))


def result_line(won: Winner | None, film: Callable[[PollEntry], str]) -> str:
    """The closed poll's result in a sentence (Telegram, pushes), in the current locale."""
    if won is None:
        return _("Никто не проголосовал.")
    if won.tie_broken:
        return _("Победил: %(films)s (ничью решило опубликованное зерно)", films=film(won.entry))
    return _("Победил: %(films)s", films=film(won.entry))


@dataclass(frozen=True)
class PublishedBallot:
    voter: str
    ballot: Ballot

    def to_dict(self, ballot_type: str) -> dict:
        field = MARKS_FIELD[ballot_type]
        marks = self.ballot.marks[0] if ballot_type == SINGLE else list(self.ballot.marks)
        return {"voter": self.voter, field: marks, "vetoes": list(self.ballot.vetoes)}


def published_ballots(session: Session, poll: Poll) -> list[PublishedBallot]:
    """Every ballot with its voter as the group knows them: the member's name, «гость n» for a
    device without a member, or «anonymous n» for all of a poll with secret ballots (then in an
    order that says nothing about who voted when)."""
    cast = ballots_of(session, poll)
    if poll.secret_ballots:
        ordered = sorted((ballot for _voter, ballot in cast), key=lambda b: json.dumps([b.marks, b.vetoes]))
        return [PublishedBallot(f"anonymous {n}", ballot) for n, ballot in enumerate(ordered, 1)]
    member_ids = {int(voter[2:]) for voter, _ballot in cast if voter.startswith("m:")}
    names = {
        row.id: row.name for row in session.execute(select(Member.id, Member.name).where(Member.id.in_(member_ids)))
    }
    published, guests = [], 0
    for voter, ballot in cast:
        name = names.get(int(voter[2:])) if voter.startswith("m:") else None
        if name is None:
            guests += 1
            name = f"гость {guests}"
        published.append(PublishedBallot(name, ballot))
    return published


def finalists(poll: Poll, ballots: Sequence[Ballot], n: int) -> list[int]:
    """The last ``n`` entries standing of a ranked count run on until one is left (for a
    lottery among the finalists), in the poll's order."""
    standing = counting.elimination_order([entry.id for entry in poll.entries], ballots, priority(poll))[-n:]
    return [entry.id for entry in poll.entries if entry.id in standing]
