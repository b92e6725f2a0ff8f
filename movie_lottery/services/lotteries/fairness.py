"""Commit-reveal draw: the pure maths, shared by the draw, the page's explanation and `flask verify-draw`.

At creation the server picks a secret 32-byte seed and publishes sha256(seed).
The draw computes r = HMAC-SHA256(key=seed, msg=public_id) mod total_weight; the winner
is the first entry, in stored order, whose cumulative weight exceeds r. After the
draw the seed is revealed, so anyone can recompute both the commitment and the winner.

A film's weight is its chance to win in both modes (rule "win_weighted"). Eliminate mode
picks the winner exactly as a single draw does, then the other films drop out one per round
from the same seed: in round k (k = 1, 2, …, n - 1), among the films still in other than the
winner, in stored order, r_k = HMAC-SHA256(key=seed, msg=f"{public_id}:{k}") mod (how many
of them are left), and the film at that 0-based place drops out.

Eliminate-mode lotteries made before migration 0010 were drawn by the old rule
("drop_weighted"): round k removed the first film still in whose cumulative weight exceeded
r_k = HMAC-SHA256(seed, f"{public_id}:{k}") mod (the total weight still in), and the last film
left won, so weight was the chance of dropping out. Each lottery records its rule, and they
still verify by it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment_for(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


MODES = ("single", "eliminate")
WIN_WEIGHTED = "win_weighted"  # weight is the chance to win, in both modes
DROP_WEIGHTED = "drop_weighted"  # eliminate mode before 0010: weight was the chance of dropping out each round
RULES = (WIN_WEIGHTED, DROP_WEIGHTED)
CURRENT_RULE = WIN_WEIGHTED


def draw_number(seed: bytes, message: str, total_weight: int) -> int:
    """HMAC-SHA256(key=seed, msg=message) as a big-endian number, mod the total weight."""
    if total_weight <= 0:
        raise ValueError("total weight must be positive")
    digest = hmac.new(seed, message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % total_weight


def round_message(public_id: str, k: int) -> str:
    return f"{public_id}:{k}"


def cumulative_pick(r: int, weights: Sequence[int]) -> int:
    """Index of the first weight whose running sum exceeds r."""
    cumulative = 0
    for index, weight in enumerate(weights):
        cumulative += weight
        if cumulative > r:
            return index
    raise ValueError("r must be below the total weight")


def winner_index(seed: bytes, public_id: str, weights: Sequence[int]) -> int:
    """Index into ``weights`` (stored order) of the entry the seed selects."""
    return cumulative_pick(draw_number(seed, public_id, sum(weights)), weights)


@dataclass(frozen=True)
class Step:
    """One published number of a draw: r = HMAC-SHA256(seed, message) mod modulus, and the
    entry (index into the weights) it picked, which either wins or drops out."""

    message: str
    modulus: int
    r: int
    index: int
    drops_out: bool


def steps(mode: str, rule: str, seed: bytes, public_id: str, weights: Sequence[int]) -> list[Step]:
    """Every number a draw in ``mode`` under ``rule`` computes, in the order it computes them."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if mode == "eliminate" and rule == DROP_WEIGHTED:
        return _weighted_drop_outs(seed, public_id, weights)
    total = sum(weights)
    r = draw_number(seed, public_id, total)
    winner = cumulative_pick(r, weights)
    found = [Step(public_id, total, r, winner, drops_out=False)]
    if mode == "eliminate":
        others = [i for i in range(len(weights)) if i != winner]
        for k in range(1, len(weights)):
            message, left = round_message(public_id, k), len(others)
            r = draw_number(seed, message, left)
            found.append(Step(message, left, r, others.pop(r), drops_out=True))
    return found


def _weighted_drop_outs(seed: bytes, public_id: str, weights: Sequence[int]) -> list[Step]:
    """The rule before 0010: each round's loser drawn by weight among the films still in."""
    remaining = list(range(len(weights)))
    found = []
    for k in range(1, len(weights)):
        remaining_weights = [weights[i] for i in remaining]
        message, total = round_message(public_id, k), sum(remaining_weights)
        r = draw_number(seed, message, total)
        found.append(Step(message, total, r, remaining.pop(cumulative_pick(r, remaining_weights)), drops_out=True))
    return found


def outcome(mode: str, rule: str, seed: bytes, public_id: str, weights: Sequence[int]) -> tuple[list[int], int]:
    """(eliminated indexes in the order they went, winner index) for a draw in ``mode`` under ``rule``."""
    found = steps(mode, rule, seed, public_id, weights)
    eliminated = [step.index for step in found if step.drops_out]
    winners = [step.index for step in found if not step.drops_out]
    if not winners:  # drop_weighted: the last film left
        winners = sorted(set(range(len(weights))) - set(eliminated))
    return eliminated, winners[0]
