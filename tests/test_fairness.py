import hashlib
import hmac

import pytest

from movie_lottery.services.lotteries import fairness


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


# Eliminate mode: known vectors worked by hand. seed = 00 01 … 1f, public id "AbCdEfGh", weights 1,2,3,4.
KNOWN_SEED, KNOWN_ID, KNOWN_WEIGHTS = bytes(range(32)), "AbCdEfGh", [1, 2, 3, 4]
WIN, DROP = fairness.WIN_WEIGHTED, fairness.DROP_WEIGHTED


def hmac_number(seed: bytes, message: str) -> int:
    return int.from_bytes(hmac.new(seed, message.encode(), hashlib.sha256).digest(), "big")


def test_elimination_known_vector():
    # r = HMAC(seed, "AbCdEfGh") mod 10 = 8 -> cumulative 1,3,6,10 -> index 3 wins (as a single draw would).
    # The others, in order: [0, 1, 2]. r_1 = HMAC(seed, "AbCdEfGh:1") mod 3 = 2 -> index 2 out -> [0, 1];
    # r_2 = HMAC(…:2) mod 2 = 0 -> index 0 out -> [1]; r_3 = HMAC(…:3) mod 1 = 0 -> index 1 out.
    assert hmac_number(KNOWN_SEED, KNOWN_ID) % 10 == 8
    assert [hmac_number(KNOWN_SEED, f"{KNOWN_ID}:{k}") % left for k, left in ((1, 3), (2, 2), (3, 1))] == [2, 0, 0]
    assert fairness.outcome("eliminate", WIN, KNOWN_SEED, KNOWN_ID, KNOWN_WEIGHTS) == ([2, 0, 1], 3)
    assert fairness.winner_index(KNOWN_SEED, KNOWN_ID, KNOWN_WEIGHTS) == 3


def test_elimination_known_vector_under_the_rule_before_0010():
    # r_1 = HMAC(seed, "AbCdEfGh:1") mod 10 = 4 -> cumulative 1,3,6,10 -> index 2 out (weights left 1,2,4)
    # r_2 = HMAC(seed, "AbCdEfGh:2") mod 7 = 3  -> cumulative 1,3,7 -> index 3 out (left 1,2)
    # r_3 = HMAC(seed, "AbCdEfGh:3") mod 3 = 2  -> cumulative 1,3 -> index 1 out; index 0 wins.
    assert [hmac_number(KNOWN_SEED, f"{KNOWN_ID}:{k}") % total for k, total in ((1, 10), (2, 7), (3, 3))] == [4, 3, 2]
    assert fairness.outcome("eliminate", DROP, KNOWN_SEED, KNOWN_ID, KNOWN_WEIGHTS) == ([2, 3, 1], 0)


def test_single_mode_outcome_is_the_classic_winner_under_either_rule():
    seed, public_id, weights = b"\x07" * 32, "AbCdEfGh", [3, 1, 5, 1]
    for rule in fairness.RULES:
        assert fairness.outcome("single", rule, seed, public_id, weights) == (
            [],
            fairness.winner_index(seed, public_id, weights),
        )


def test_elimination_removes_every_film_but_one_exactly_once():
    for rule in fairness.RULES:
        for n in range(2, 12):
            weights = [(i % 4) + 1 for i in range(n)]
            eliminated, winner = fairness.outcome("eliminate", rule, n.to_bytes(32, "big"), "x", weights)
            assert sorted(eliminated + [winner]) == list(range(n))


def test_eliminate_mode_winner_is_the_single_draw_winner():
    for n in range(300):
        seed, weights = n.to_bytes(32, "big"), [(n + i) % 5 + 1 for i in range(2 + n % 9)]
        _out, winner = fairness.outcome("eliminate", WIN, seed, "AbCdEfGh", weights)
        assert winner == fairness.outcome("single", WIN, seed, "AbCdEfGh", weights)[1]


def test_in_eliminate_mode_weight_is_the_chance_to_win():
    """Issue 23: four films weighted 1, 1, 1, 7 — the heavy one should win about 70 % of draws
    (under the old rule it won about 1 % of them)."""
    weights, draws = [1, 1, 1, 7], 4000
    wins = [0] * len(weights)
    for n in range(draws):
        _out, winner = fairness.outcome("eliminate", WIN, n.to_bytes(32, "big"), "lottery", weights)
        wins[winner] += 1
    for weight, won in zip(weights, wins):
        expected = draws * weight / sum(weights)
        spread = (draws * weight / sum(weights) * (1 - weight / sum(weights))) ** 0.5
        assert abs(won - expected) < 5 * spread, (wins, weights)


def test_the_rule_before_0010_made_weight_the_chance_of_dropping_out():
    wins = [0, 0]
    for n in range(1000):
        _out, winner = fairness.outcome("eliminate", DROP, n.to_bytes(32, "big"), "lottery", [1, 9])
        wins[winner] += 1
    # With two films there is one round, and it eliminated the heavy film 90 % of the time.
    assert 800 < wins[0] < 980


def test_unknown_mode_or_rule_is_refused():
    with pytest.raises(ValueError):
        fairness.outcome("bogus", WIN, KNOWN_SEED, KNOWN_ID, KNOWN_WEIGHTS)
    with pytest.raises(ValueError):
        fairness.outcome("eliminate", "bogus", KNOWN_SEED, KNOWN_ID, KNOWN_WEIGHTS)


def test_public_ids_never_start_with_a_dash():
    """An id like '-x3Gk…' would read as an option: `flask verify-draw -x3Gk…` failed 1 time in 64."""
    from movie_lottery.models import new_public_id

    ids = [new_public_id() for _ in range(5000)]
    assert all(len(i) == 8 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)
