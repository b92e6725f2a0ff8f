import hashlib
import hmac

from movie_lottery.services import fairness


def test_commitment_is_sha256_of_the_seed():
    seed = bytes(range(32))
    assert fairness.commitment_for(seed) == hashlib.sha256(seed).hexdigest()


def test_winner_is_first_entry_whose_cumulative_weight_exceeds_r():
    seed, public_id, weights = b"\x07" * 32, "AbCdEfGh", [3, 1, 5, 1]
    r = int.from_bytes(hmac.new(seed, public_id.encode(), hashlib.sha256).digest(), "big") % sum(weights)
    cumulative = [3, 4, 9, 10]
    expected = next(i for i, c in enumerate(cumulative) if c > r)
    assert fairness.winner_index(seed, public_id, weights) == expected


def test_weights_shift_the_odds():
    wins = [0, 0]
    for n in range(2000):
        wins[fairness.winner_index(n.to_bytes(32, "big"), "lottery", [1, 9])] += 1
    # 10 % vs 90 %: allow a wide margin, the point is that weight matters.
    assert 100 < wins[0] < 320
    assert wins[0] + wins[1] == 2000


def test_seeds_are_fresh_and_32_bytes():
    seeds = {fairness.new_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(s) == 32 for s in seeds)
