"""Commit-reveal draw: the pure maths, shared by the draw, the page's explanation and `flask verify-draw`.

At creation the server picks a secret 32-byte seed and publishes sha256(seed).
The draw computes r = HMAC-SHA256(key=seed, msg=public_id) mod total_weight; the winner
is the first entry, in stored order, whose cumulative weight exceeds r. After the
draw the seed is revealed, so anyone can recompute both the commitment and the winner.

Eliminate mode uses the same seed: round k (k = 1, 2, …) removes one film among those
still in, r_k = HMAC-SHA256(key=seed, msg=f"{public_id}:{k}") mod (their total weight),
with the same cumulative-weight rule over the remaining films in stored order; the last
film left wins.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment_for(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


MODES = ("single", "eliminate")


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


def elimination_order(seed: bytes, public_id: str, weights: Sequence[int]) -> list[int]:
    """Indexes into ``weights`` in the order the rounds eliminate them (all but the winner)."""
    remaining = list(range(len(weights)))
    eliminated = []
    for k in range(1, len(weights)):
        remaining_weights = [weights[i] for i in remaining]
        r = draw_number(seed, round_message(public_id, k), sum(remaining_weights))
        eliminated.append(remaining.pop(cumulative_pick(r, remaining_weights)))
    return eliminated


def outcome(mode: str, seed: bytes, public_id: str, weights: Sequence[int]) -> tuple[list[int], int]:
    """(eliminated indexes in order, winner index) for a draw in ``mode``."""
    if mode == "eliminate":
        eliminated = elimination_order(seed, public_id, weights)
        (winner,) = set(range(len(weights))) - set(eliminated)
        return eliminated, winner
    if mode == "single":
        return [], winner_index(seed, public_id, weights)
    raise ValueError(f"unknown mode {mode!r}")
