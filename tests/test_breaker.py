import threading
import time

import pytest

from movie_lottery.clients.breaker import Breaker, BreakerOpen


class Down(Exception):
    pass


class Excluded(Exception):
    pass


def fail():
    raise Down()


def test_opens_after_fail_max_and_then_fails_fast():
    breaker = Breaker("t", fail_max=3, reset_timeout=60, exclude=[Excluded])
    for _ in range(3):
        with pytest.raises(Down):
            breaker.call(fail)
    assert breaker.state == "open"
    calls = []
    with pytest.raises(BreakerOpen):
        breaker.call(calls.append, 1)
    assert calls == []  # failing fast is not calling at all: no clock needed


def test_excluded_errors_do_not_count():
    breaker = Breaker("t", fail_max=2, reset_timeout=60, exclude=[Excluded])

    def bad_input():
        raise Excluded()

    for _ in range(5):
        with pytest.raises(Excluded):
            breaker.call(bad_input)
    assert breaker.state == "closed"


def test_half_open_lets_one_trial_through_then_closes_or_reopens():
    breaker = Breaker("t", fail_max=1, reset_timeout=0.2)
    with pytest.raises(Down):
        breaker.call(fail)
    time.sleep(0.25)
    with pytest.raises(Down):
        breaker.call(fail)  # the trial fails: open again
    assert breaker.state == "open"
    time.sleep(0.25)
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == "closed"


def test_only_one_trial_at_a_time():
    breaker = Breaker("t", fail_max=1, reset_timeout=0.1)
    with pytest.raises(Down):
        breaker.call(fail)
    time.sleep(0.15)
    inside, release = threading.Event(), threading.Event()

    def slow_trial():
        inside.set()
        release.wait(5)
        return "trial"

    thread = threading.Thread(target=breaker.call, args=(slow_trial,))
    thread.start()
    assert inside.wait(5)
    with pytest.raises(BreakerOpen):
        breaker.call(lambda: "second")
    release.set()
    thread.join(5)
    assert breaker.state == "closed"


def test_a_slow_call_does_not_block_other_threads():
    """pybreaker's own call() would serialise these (its issue #3): the slow call here returns
    only once the second call is done, so with a serialising breaker the order flips."""
    breaker = Breaker("t", fail_max=3, reset_timeout=60)
    inside, second_done, order = threading.Event(), threading.Event(), []

    def slow():
        inside.set()
        second_done.wait(10)
        order.append("slow")

    thread = threading.Thread(target=breaker.call, args=(slow,))
    thread.start()
    assert inside.wait(5)
    assert breaker.call(lambda: 42) == 42
    order.append("second")
    second_done.set()
    thread.join(15)
    assert order == ["second", "slow"]
