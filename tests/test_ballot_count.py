"""Counting ballots by the published rule, checked against two independent counts: pref-voting
(where its rules are ours: complete rankings with its tie-breaking instant runoff, approval) and
a naive recount written from the rule's text (partial rankings, vetoes, every ballot type)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movie_lottery.services.polls.counting import (
    APPROVAL,
    RANKED,
    SINGLE,
    Ballot,
    count,
    entries_in,
    priority_order,
)

POLL_ID = "AbCdEf12"


def naive_count(ballot_type, entry_ids, ballots, seed):
    """The rule as the issue words it, recomputed from scratch every round."""

    def tie_key(entry_id):
        digest = hmac.new(seed, f"{POLL_ID}:tie:{entry_id}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest, "big")

    veto_counts = {e: sum(e in set(b.vetoes) for b in ballots) for e in entry_ids}
    if all(veto_counts.values()):
        least = min(veto_counts.values())
        still = [e for e in entry_ids if veto_counts[e] == least]
    else:
        still = [e for e in entry_ids if veto_counts[e] == 0]
    if ballot_type in (SINGLE, APPROVAL):
        totals = {e: sum(e in set(b.marks) for b in ballots) for e in still}
        best = max(totals.values())
        return min((e for e in still if totals[e] == best), key=tie_key), 1
    rounds = 0
    while True:
        rounds += 1
        firsts = {e: 0 for e in still}
        for b in ballots:
            top = [m for m in b.marks if m in firsts]
            if top:
                firsts[top[0]] += 1
        counted = sum(firsts.values())
        for e in still:
            if firsts[e] * 2 > counted:
                return e, rounds
        if len(still) == 1:
            return still[0], rounds
        least = min(firsts.values())
        out = max((e for e in still if firsts[e] == least), key=tie_key)
        still.remove(out)


@st.composite
def profiles(draw, ballot_type, complete=False, vetoes=True):
    entry_ids = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=7, unique=True))
    seed = draw(st.binary(min_size=32, max_size=32))
    n = draw(st.integers(0, 12))
    ballots = []
    for _ in range(n):
        if ballot_type == SINGLE:
            marks = (draw(st.sampled_from(entry_ids)),)
        elif ballot_type == APPROVAL:
            marks = tuple(draw(st.lists(st.sampled_from(entry_ids), min_size=1, unique=True)))
        elif complete:
            marks = tuple(draw(st.permutations(entry_ids)))
        else:
            marks = tuple(draw(st.lists(st.sampled_from(entry_ids), min_size=1, unique=True)))
        chosen_vetoes = tuple(draw(st.lists(st.sampled_from(entry_ids), max_size=2, unique=True))) if vetoes else ()
        ballots.append(Ballot(marks=marks, vetoes=chosen_vetoes))
    return entry_ids, ballots, seed


@pytest.mark.parametrize("ballot_type", [SINGLE, APPROVAL, RANKED])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_count_agrees_with_a_naive_recount_of_the_rule(ballot_type, data):
    entry_ids, ballots, seed = data.draw(profiles(ballot_type))
    priority = priority_order(seed, POLL_ID, entry_ids)
    result = count(ballot_type, entry_ids, ballots, priority)
    expected_winner, expected_rounds = naive_count(ballot_type, entry_ids, ballots, seed)
    assert result.winner == expected_winner
    assert len(result.rounds) == expected_rounds
    # Each round lists exactly the entries still in, and the counted ballots never grow.
    in_play = entries_in(entry_ids, ballots)
    for round_ in result.rounds:
        assert list(round_.counts) == in_play
        if round_.eliminated is not None:
            in_play = [e for e in in_play if e != round_.eliminated]
    assert result.winner in in_play


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_complete_rankings_agree_with_pref_votings_tie_breaking_instant_runoff(data):
    from pref_voting.iterative_methods import instant_runoff_tb
    from pref_voting.profiles import Profile

    entry_ids, ballots, seed = data.draw(profiles(RANKED, complete=True, vetoes=False))
    if not ballots:
        return
    priority = priority_order(seed, POLL_ID, entry_ids)
    index = {entry_id: i for i, entry_id in enumerate(entry_ids)}
    profile = Profile([[index[e] for e in b.marks] for b in ballots])
    # pref-voting eliminates tie_breaker[0] first among the tied; ours, the latest in priority.
    theirs = instant_runoff_tb(profile, tie_breaker=[index[e] for e in reversed(priority)])
    ours = count(RANKED, entry_ids, ballots, priority)
    assert theirs == [index[ours.winner]]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_approval_agrees_with_pref_votings_approval(data):
    from pref_voting.grade_methods import approval
    from pref_voting.grade_profiles import GradeProfile

    entry_ids, ballots, seed = data.draw(profiles(APPROVAL, vetoes=False))
    if not ballots:
        return
    profile = GradeProfile([{e: 1 for e in b.marks} for b in ballots], [0, 1], candidates=list(entry_ids))
    tied_winners = approval(profile)
    priority = priority_order(seed, POLL_ID, entry_ids)
    ours = count(APPROVAL, entry_ids, ballots, priority)
    assert sorted(tied_winners) == sorted(
        e for e, n in ours.rounds[0].counts.items() if n == max(ours.rounds[0].counts.values())
    )
    assert ours.winner == min(tied_winners, key=priority.index)
    assert ours.rounds[0].tie_broken == (len(tied_winners) > 1)


def test_priority_is_the_published_hmac_order():
    seed = bytes(range(32))
    numbers = {
        e: int.from_bytes(hmac.new(seed, f"{POLL_ID}:tie:{e}".encode(), hashlib.sha256).digest(), "big")
        for e in (3, 14, 15, 92)
    }
    assert priority_order(seed, POLL_ID, [3, 14, 15, 92]) == sorted(numbers, key=numbers.get)


def test_three_friends_three_films_tie_goes_to_the_earliest_in_priority():
    seed = b"\x07" * 32
    films = [101, 102, 103]
    priority = priority_order(seed, POLL_ID, films)
    ballots = [Ballot((101,)), Ballot((102,)), Ballot((103,))]
    result = count(SINGLE, films, ballots, priority)
    assert result.winner == priority[0]
    assert result.rounds[0].tie_broken is True
    assert result.to_dict()["rounds"][0]["counts"] == {"101": 1, "102": 1, "103": 1}


def test_ranked_rounds_eliminate_one_at_a_time_and_exhausted_ballots_leave():
    seed = b"\x01" * 32
    films = [1, 2, 3, 4]
    priority = priority_order(seed, POLL_ID, films)
    ballots = [
        Ballot((1, 2)),
        Ballot((1,)),
        Ballot((2, 1)),
        Ballot((3, 2)),
        Ballot((3,)),
    ]
    result = count(RANKED, films, ballots, priority)
    # Film 4 is nobody's first choice: it goes out first, alone.
    assert result.rounds[0].counts == {1: 2, 2: 1, 3: 2, 4: 0}
    assert result.rounds[0].eliminated == 4 and result.rounds[0].tie_broken is False
    assert result.rounds[1].eliminated == 2
    # Ballot (2, 1) moves to 1; (3,) and (3, 2) stay on 3: 3 against 2, a majority of 5.
    assert result.rounds[2].counts == {1: 3, 3: 2} and result.rounds[2].eliminated is None
    assert result.winner == 1


def test_vetoes_remove_films_and_when_all_are_vetoed_the_least_vetoed_stay():
    seed = b"\x02" * 32
    films = [1, 2, 3]
    priority = priority_order(seed, POLL_ID, films)
    ballots = [Ballot((1,), vetoes=(1,)), Ballot((1,)), Ballot((2,), vetoes=(3,))]
    assert count(SINGLE, films, ballots, priority).winner == 2
    everything_vetoed = [Ballot((1,), vetoes=(1, 2)), Ballot((2,), vetoes=(3,)), Ballot((3,), vetoes=(1,))]
    assert entries_in(films, everything_vetoed) == [2, 3]
    assert count(APPROVAL, films, everything_vetoed, priority).rounds[0].counts == {2: 1, 3: 1}


def test_no_ballots_at_all_still_names_a_winner_by_priority():
    seed = b"\x03" * 32
    films = [5, 6, 7]
    priority = priority_order(seed, POLL_ID, films)
    for ballot_type in (SINGLE, APPROVAL, RANKED):
        assert count(ballot_type, films, [], priority).winner == priority[0]
