"""Commit-reveal draw: the pure maths, shared by the draw, the page's explanation and `flask verify-draw`.

At creation the server picks a secret 32-byte seed and publishes sha256(seed).
The draw computes r = HMAC-SHA256(key=seed, msg=public_id) mod total_weight; the winner
is the first entry, in stored order, whose cumulative weight exceeds r. After the
draw the seed is revealed, so anyone can recompute both the commitment and the winner.
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


def draw_number(seed: bytes, public_id: str, total_weight: int) -> int:
    if total_weight <= 0:
        raise ValueError("total weight must be positive")
    digest = hmac.new(seed, public_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % total_weight


def winner_index(seed: bytes, public_id: str, weights: Sequence[int]) -> int:
    """Index into ``weights`` (stored order) of the entry the seed selects."""
    r = draw_number(seed, public_id, sum(weights))
    cumulative = 0
    for index, weight in enumerate(weights):
        cumulative += weight
        if cumulative > r:
            return index
    raise AssertionError("unreachable: r < total weight")
