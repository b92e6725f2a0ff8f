"""Counting ballots by the published rule: single, approval and ranked choice, with vetoes,
every tie broken by the poll's committed seed. Polls, their Telegram announcements, swipe
sessions and `flask verify-poll` all count through here.

The rule (the poll page says the same):
- Priority order: the entries sorted by the big-endian number
  HMAC-SHA256(key=seed, msg=f"{poll id}:tie:{entry id}"), smallest first.
- Vetoes: an entry vetoed by anyone is out before counting; if every entry is vetoed, those
  with the fewest vetoes stay in.
- single, approval: the entry with the most votes (approvals) wins; a tie goes to the earliest
  of the tied entries in priority order. One round.
- ranked, instant runoff with one elimination per round: every ballot counts for its
  highest-ranked entry still in; a ballot with none left is exhausted and leaves the count. An
  entry with more than half of the counted ballots wins; otherwise the entry with the fewest is
  eliminated, a tie for fewest eliminating the latest of them in priority order. When one entry
  is left, it wins.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SINGLE = "single"
APPROVAL = "approval"
RANKED = "ranked"
BALLOT_TYPES = (SINGLE, APPROVAL, RANKED)


def tie_number(seed: bytes, poll_id: str, entry_id: int) -> int:
    digest = hmac.new(seed, f"{poll_id}:tie:{entry_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big")


def priority_order(seed: bytes, poll_id: str, entry_ids: Iterable[int]) -> list[int]:
    """The entries, earliest in priority first: the order every tie is broken by."""
    return sorted(entry_ids, key=lambda entry_id: tie_number(seed, poll_id, entry_id))


@dataclass(frozen=True)
class Ballot:
    """One person's ballot. ``marks``: single, the one entry; approval, the entries marked;
    ranked, the ranking, best first. ``vetoes``: the entries this person vetoed."""

    marks: tuple[int, ...]
    vetoes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Round:
    counts: dict[int, int]  # the entries still in at this round, in the order given
    eliminated: int | None = None
    tie_broken: bool = False

    def to_dict(self) -> dict:
        return {
            "counts": {str(entry_id): n for entry_id, n in self.counts.items()},
            "eliminated": self.eliminated,
            "tie_broken": self.tie_broken,
        }


@dataclass(frozen=True)
class Result:
    winner: int | None
    rounds: list[Round] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"winner": self.winner, "rounds": [r.to_dict() for r in self.rounds]}


def entries_in(entry_ids: Sequence[int], ballots: Iterable[Ballot]) -> list[int]:
    """The entries that survive the vetoes, in the order given."""
    vetoes = dict.fromkeys(entry_ids, 0)
    for ballot in ballots:
        for entry_id in set(ballot.vetoes):
            if entry_id in vetoes:
                vetoes[entry_id] += 1
    fewest = min(vetoes.values(), default=0)
    return [entry_id for entry_id in entry_ids if vetoes[entry_id] == fewest]


def count(ballot_type: str, entry_ids: Sequence[int], ballots: Sequence[Ballot], priority: Sequence[int]) -> Result:
    """Count ``ballots`` over ``entry_ids`` (the order rounds list them in); ``priority`` is
    priority_order() of the same entries."""
    if ballot_type not in BALLOT_TYPES:
        raise ValueError(f"unknown ballot type {ballot_type!r}")
    remaining = entries_in(entry_ids, ballots)
    if not remaining:
        return Result(winner=None)
    rank = {entry_id: place for place, entry_id in enumerate(priority)}
    if ballot_type == RANKED:
        return _instant_runoff(remaining, ballots, rank)
    counts = dict.fromkeys(remaining, 0)
    for ballot in ballots:
        for entry_id in set(ballot.marks):
            if entry_id in counts:
                counts[entry_id] += 1
    most = max(counts.values())
    tied = [entry_id for entry_id in remaining if counts[entry_id] == most]
    winner = min(tied, key=rank.__getitem__)
    return Result(winner=winner, rounds=[Round(counts=counts, tie_broken=len(tied) > 1)])


def elimination_order(entry_ids: Sequence[int], ballots: Sequence[Ballot], priority: Sequence[int]) -> list[int]:
    """Ranked ballots counted on past any majority until one entry is left: the entries still in
    after the vetoes, in the order they go out, the one left last."""
    remaining = entries_in(entry_ids, ballots)
    if not remaining:
        return []
    rank = {entry_id: place for place, entry_id in enumerate(priority)}
    result = _instant_runoff(remaining, ballots, rank, to_the_last=True)
    gone = [r.eliminated for r in result.rounds if r.eliminated is not None]
    return gone + [entry_id for entry_id in remaining if entry_id not in gone]


def _instant_runoff(
    remaining: list[int], ballots: Sequence[Ballot], rank: dict[int, int], to_the_last: bool = False
) -> Result:
    # Each ballot sits on the pile of its highest-ranked entry still in; eliminating an entry
    # moves only that entry's pile, so a whole count touches each ranking once.
    still_in = set(remaining)
    piles: dict[int, list[int]] = {entry_id: [] for entry_id in remaining}
    position = [0] * len(ballots)

    def place(index: int) -> None:
        marks = ballots[index].marks
        while position[index] < len(marks):
            entry_id = marks[position[index]]
            if entry_id in still_in:
                piles[entry_id].append(index)
                return
            position[index] += 1

    for index in range(len(ballots)):
        place(index)
    rounds: list[Round] = []
    while True:
        counts = {entry_id: len(piles[entry_id]) for entry_id in remaining}
        counted = sum(counts.values())
        leader = max(remaining, key=counts.__getitem__)
        if (2 * counts[leader] > counted and not to_the_last) or len(remaining) == 1:
            rounds.append(Round(counts=counts))
            return Result(winner=leader, rounds=rounds)
        fewest = min(counts.values())
        tied = [entry_id for entry_id in remaining if counts[entry_id] == fewest]
        loser = max(tied, key=rank.__getitem__)
        rounds.append(Round(counts=counts, eliminated=loser, tie_broken=len(tied) > 1))
        remaining = [entry_id for entry_id in remaining if entry_id != loser]
        still_in.discard(loser)
        for index in piles.pop(loser):
            position[index] += 1
            place(index)
