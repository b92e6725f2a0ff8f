"""Counting a big poll: 25 entries × 200 ballots of each type (ranked: partial rankings of
5–25 films, with vetoes), by the published rule (services/polls/counting). The issue's budget is
20 ms per count.

Baseline, measured in the same run: sorting the same ballots' marks (a pass over the same
data that counts nothing). Prints the median and worst time of each count and the ratio.

    .venv/bin/python bench/ballot_count.py [--entries 25] [--ballots 200] [--runs 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from movie_lottery.services.polls.counting import (  # noqa: E402
    APPROVAL,
    RANKED,
    SINGLE,
    Ballot,
    count,
    priority_order,
)


def make_ballots(ballot_type: str, entry_ids: list[int], n: int, rng: random.Random) -> list[Ballot]:
    ballots = []
    for _ in range(n):
        if ballot_type == SINGLE:
            marks = (rng.choice(entry_ids),)
        elif ballot_type == APPROVAL:
            marks = tuple(rng.sample(entry_ids, rng.randint(1, len(entry_ids))))
        else:
            marks = tuple(rng.sample(entry_ids, rng.randint(min(5, len(entry_ids)), len(entry_ids))))
        vetoes = tuple(rng.sample(entry_ids, 1)) if rng.random() < 0.05 else ()
        ballots.append(Ballot(marks=marks, vetoes=vetoes))
    return ballots


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=25)
    parser.add_argument("--ballots", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(2026)
    entry_ids = rng.sample(range(1, 100_000), args.entries)
    seed = rng.randbytes(32)
    print(f"{args.entries} entries × {args.ballots} ballots, {args.runs} runs each (ms)")
    print(f"{'ballot':<10}{'median':>9}{'worst':>9}{'baseline':>10}{'ratio':>8}  rounds")
    for ballot_type in (SINGLE, APPROVAL, RANKED):
        ballots = make_ballots(ballot_type, entry_ids, args.ballots, rng)

        def run_count() -> None:
            count(ballot_type, entry_ids, ballots, priority_order(seed, "BenchPol", entry_ids))

        def run_baseline() -> None:
            for ballot in ballots:
                sorted(ballot.marks)

        rounds = len(count(ballot_type, entry_ids, ballots, priority_order(seed, "BenchPol", entry_ids)).rounds)
        counted = timed(run_count, args.runs)
        baseline = timed(run_baseline, args.runs)
        median, base = statistics.median(counted), statistics.median(baseline)
        print(f"{ballot_type:<10}{median:>9.2f}{max(counted):>9.2f}{base:>10.2f}{median / base:>7.1f}×  {rounds}")


if __name__ == "__main__":
    main()
