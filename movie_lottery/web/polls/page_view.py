"""What the poll page shows for each ballot type (the visitor's ballot pre-filled, the live
counts, the closed poll's rounds) and how its plain form becomes a ballot when JavaScript is off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ...models import Poll, PollEntry
from ...services import polls
from ...services.polls.counting import APPROVAL, RANKED, SINGLE, Ballot, Round
from .view import results_visible


@dataclass(frozen=True)
class RoundView:
    """One round of the count as bars: (entry, count, share of the round's denominator in %)."""

    bars: list[tuple[PollEntry, int, int]]
    eliminated: PollEntry | None
    tie_broken: bool


def _rounds(poll: Poll, rounds: list[Round], ballot_count: int) -> list[RoundView]:
    by_id = {entry.id: entry for entry in poll.entries}
    views = []
    for round_ in rounds:
        # approval: the share of ballots marking the film; single and ranked: of the ballots counted
        whole = ballot_count if poll.ballot == APPROVAL else sum(round_.counts.values())
        bars = [(by_id[entry_id], n, round(n * 100 / whole) if whole else 0) for entry_id, n in round_.counts.items()]
        eliminated = by_id.get(round_.eliminated) if round_.eliminated is not None else None
        views.append(RoundView(bars, eliminated, round_.tie_broken))
    return views


def page_context(session, poll: Poll, voter: str | None) -> dict[str, Any]:
    """The template's values for the poll page: one query for every ballot cast (the counts, the
    visitor's own ballot and, once closed, the count by the published rule)."""
    cast = polls.ballots.ballots_of(session, poll)
    ballots = [ballot for _voter, ballot in cast]
    mine = next((ballot for key, ballot in cast if key == voter), None) if voter else None
    counts = polls.ballots.live_counts(poll, ballots)
    closed = poll.is_closed()
    my_vote = mine.marks[0] if mine else None
    context: dict[str, Any] = {
        "counts": counts,
        # single and ranked: the share of ballots; approval: the share of all marks
        "total": sum(counts.values()),
        "leaders": polls.leaders(counts),
        "my_vote": my_vote,
        "my_ballot": mine,
        "closed": closed,
        "visible": results_visible(poll, my_vote, closed),
        "ballot_count": len(ballots),
        "one_tap": poll.ballot == SINGLE and not poll.vetoes_per_member,
    }
    if poll.ballot == RANKED:
        ranking = list(mine.marks) if mine else []
        by_id = {entry.id: entry for entry in poll.entries}
        context["ranked"] = [by_id[entry_id] for entry_id in ranking if entry_id in by_id]
        context["unranked"] = [entry for entry in poll.entries if entry.id not in ranking]
    if closed:
        result = polls.ballots.count(poll, ballots)
        context["winner"] = next((e for e in poll.entries if e.id == result.winner), None) if ballots else None
        context["tie_broken"] = any(round_.tie_broken for round_ in result.rounds)
        context["rounds"] = _rounds(poll, result.rounds, len(ballots)) if ballots else []
        counted = set(result.rounds[0].counts) if result.rounds else set()
        context["vetoed_out"] = [entry for entry in poll.entries if entry.id not in counted] if ballots else []
    return context


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def ballot_from_form(poll: Poll, form: MultiDict) -> tuple[str, Ballot]:
    """The plain form's ballot (the page without JavaScript): entry_id (single), entry_ids
    (approval, checkboxes) or rank-<entry id> places (ranked, 1…N; empty: not ranked), and any
    vetoes checkboxes. A film given two places counts at the first of its places' order."""
    vetoes = tuple(_ids(form.getlist("vetoes")))
    if poll.ballot == APPROVAL:
        return APPROVAL, Ballot(tuple(_ids(form.getlist("entry_ids"))), vetoes)
    if poll.ballot == RANKED:
        places = []
        for position, entry in enumerate(poll.entries):
            place = form.get(f"rank-{entry.id}", "")
            if place.isdigit():
                places.append((int(place), position, entry.id))
        return RANKED, Ballot(tuple(entry_id for _place, _position, entry_id in sorted(places)), vetoes)
    entry_id = form.get("entry_id", "")
    return SINGLE, Ballot((int(entry_id),) if entry_id.isdigit() else (), vetoes)
