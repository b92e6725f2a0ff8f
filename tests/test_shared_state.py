"""State shared through a real redis-server (started on a free loopback port for these
tests): breakers and qBittorrent's status snapshot span processes, and a Redis outage never
fails a call — each process falls back to its own state, logs it once, and returns to the
shared state when Redis is back. Each SharedState below stands for one process."""

import logging
import re
import threading
import time

import pytest

from movie_lottery.clients import shared_state
from movie_lottery.clients.breaker import Breaker, BreakerOpen
from movie_lottery.clients.qbittorrent import QbitClient
from movie_lottery.clients.shared_state import SharedState
from movie_lottery.extensions import db, limiter

from .fakes.tcp_proxy import Unreachable, blackhole
from .helpers import LOGIN_LIMIT, build_app, empty_all_tables, failed_login
from .redis_server import RedisServer
from .servers import ROOT

HASH = "c9e15763f722f23e98a29decdfae341b98d53056"


class Down(Exception):
    pass


def fail():
    raise Down()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server):
    redis_server.client().flushdb()
    return redis_server.url


def test_a_breaker_opened_in_one_process_is_open_in_every_process(redis_url):
    one = Breaker("svc", fail_max=2, reset_timeout=60, shared=SharedState(redis_url))
    other = Breaker("svc", fail_max=2, reset_timeout=60, shared=SharedState(redis_url))
    for _ in range(2):
        with pytest.raises(Down):
            one.call(fail)
    assert other.state == "open"
    calls = []
    with pytest.raises(BreakerOpen):
        other.call(calls.append, 1)
    assert calls == []


def test_failures_in_different_processes_add_up(redis_url):
    breakers = [Breaker("svc", fail_max=3, reset_timeout=60, shared=SharedState(redis_url)) for _ in range(3)]
    for breaker in breakers:
        with pytest.raises(Down):
            breaker.call(fail)
    assert {breaker.state for breaker in breakers} == {"open"}


def test_the_shared_half_open_trial_closes_the_breaker_for_everyone(redis_url):
    one = Breaker("svc", fail_max=1, reset_timeout=0.2, shared=SharedState(redis_url))
    other = Breaker("svc", fail_max=1, reset_timeout=0.2, shared=SharedState(redis_url))
    with pytest.raises(Down):
        one.call(fail)
    time.sleep(0.3)
    assert other.call(lambda: "ok") == "ok"
    assert one.state == "closed"


def test_construction_does_no_io():
    # Nothing listens here: building clients (as create_app does) must not notice.
    shared = SharedState("redis://127.0.0.1:9/0")
    Breaker("svc", shared=shared)
    QbitClient("127.0.0.1", 9, "a", "b", shared=shared)
    assert shared.available


def test_redis_down_falls_back_to_the_process_own_breaker_and_logs_once(redis_server, caplog):
    shared = SharedState(redis_server.url, retry_after=0.2)
    breaker = Breaker("svc", fail_max=2, reset_timeout=60, shared=shared)
    redis_server.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="movie_lottery.clients.shared_state"):
            for _ in range(2):
                with pytest.raises(Down):
                    breaker.call(fail)
            time.sleep(0.3)  # past retry_after: Redis is tried (and fails) again
            for _ in range(5):
                with pytest.raises(BreakerOpen):
                    breaker.call(fail)
        assert breaker.state == "open"
        outages = [r for r in caplog.records if "Redis is unavailable" in r.getMessage()]
        assert len(outages) == 1
    finally:
        redis_server.start()


def test_redis_back_after_an_outage_is_shared_again(redis_server, caplog):
    redis_server.client().flushdb()
    one = Breaker("svc", fail_max=1, reset_timeout=60, shared=SharedState(redis_server.url, retry_after=0.2))
    redis_server.stop()
    try:
        assert one.state == "closed"  # from its own memory
    finally:
        redis_server.start()
    time.sleep(0.3)
    with caplog.at_level(logging.WARNING, logger="movie_lottery.clients.shared_state"):
        with pytest.raises(Down):
            one.call(fail)
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    other = Breaker("svc", fail_max=1, reset_timeout=60, shared=SharedState(redis_server.url))
    assert other.state == "open"


def test_one_status_fetch_across_processes(redis_url):
    connect_timeout, read_timeout = 0.5, 1.0
    options = {"connect_timeout": connect_timeout, "read_timeout": read_timeout, "status_ttl": 30.0, "fail_max": 100}
    with blackhole() as hole:
        fetcher = QbitClient("127.0.0.1", hole.port, "a", "b", shared=SharedState(redis_url), **options)
        others = [
            QbitClient("127.0.0.1", hole.port, "a", "b", shared=SharedState(redis_url), **options) for _ in range(5)
        ]
        started = threading.Event()
        thread = threading.Thread(target=lambda: (started.set(), fetcher.statuses()))
        thread.start()
        started.wait(5)
        deadline = time.monotonic() + 5
        while hole.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        # While the fetcher waits on qBittorrent, the other processes do not ask it too.
        assert [other.statuses().ok for other in others] == [False] * 5
        assert hole.accepted == 1
        thread.join(10)
        # Afterwards they all take the fetcher's snapshot from Redis.
        assert all(other.statuses() is not None for other in others)
        assert hole.accepted == 1
        assert others[0].statuses().fetched_at <= time.monotonic()


def test_redis_down_status_fetches_are_per_process(redis_server):
    options = {"connect_timeout": 0.5, "read_timeout": 0.5, "status_ttl": 30.0, "fail_max": 100}
    redis_server.stop()
    try:
        with blackhole() as hole:
            clients = [
                QbitClient("127.0.0.1", hole.port, "a", "b", shared=SharedState(redis_server.url), **options)
                for _ in range(2)
            ]
            assert [client.statuses().ok for client in clients] == [False, False]
            assert hole.accepted == 2  # each process asked for itself, and nothing failed
    finally:
        redis_server.start()


@pytest.fixture(params=["sqlite", "postgres"])
def app_with_redis(request, redis_url):
    application = build_app(request.getfixturevalue(f"{request.param}_url"), REDIS_URL=redis_url)
    # The limiter is one object per process (extensions.py): one test's Redis outage must
    # not carry over into the next app built in this process.
    limiter._storage_dead = False
    yield application
    with application.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def test_rate_limits_live_in_redis_and_fall_back_to_memory(app_with_redis, redis_server, caplog):
    client = app_with_redis.test_client()
    codes = [failed_login(client) for _ in range(LOGIN_LIMIT + 1)]
    assert codes == [401] * LOGIN_LIMIT + [429]
    assert redis_server.client().keys("movie_lottery:limits*")
    redis_server.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="flask-limiter"):
            # Served, and limited per process from memory (a fresh count), never a 500.
            codes = [failed_login(client) for _ in range(LOGIN_LIMIT + 1)]
        assert codes == [401] * LOGIN_LIMIT + [429]
        assert sum("falling back to in-memory" in r.getMessage() for r in caplog.records) == 1
    finally:
        redis_server.start()


# The README's promise, read from the README: "Redis calls have 0.25 s timeouts and are not retried".
README_TIMEOUT = float(re.search(r"Redis calls have ([\d.]+) s timeouts", (ROOT / "README.md").read_text()).group(1))
MARGIN = 0.15  # seconds: the thread's wake-up on a loaded machine, far below a second timeout


def test_the_readme_states_the_timeout_the_code_uses():
    assert README_TIMEOUT == shared_state.TIMEOUT


@pytest.fixture(params=["hung", "unreachable"])
def bad_redis(request):
    """A Redis that accepts connections and never answers (a hung server), or an address that
    drops every packet, so connecting never completes (a host gone from the network)."""
    with blackhole() if request.param == "hung" else Unreachable() as server:
        yield server


def connections(server) -> int:
    return getattr(server, "accepted", 1)  # the unreachable one accepts nothing to count


def test_a_bad_redis_costs_one_short_timeout_and_is_not_retried(bad_redis, caplog):
    """The command waits out the README's timeout once, on one connection (no retry, no second
    timeout of redis-py or the socket's default), then Redis is left alone for retry_after."""
    shared = SharedState(f"redis://127.0.0.1:{bad_redis.port}/0", retry_after=60)
    with caplog.at_level(logging.WARNING, logger="movie_lottery.clients.shared_state"):
        started = time.monotonic()
        assert shared.run(lambda r: r.get("x"), "fallback") == "fallback"
        elapsed = time.monotonic() - started
        assert connections(bad_redis) == 1  # it reached the bad server, once: no retry on a new connection
        assert README_TIMEOUT * 0.95 <= elapsed <= README_TIMEOUT + MARGIN, f"{elapsed:.3f}s"
        for _ in range(5):  # left alone now: answered from the fallback without a connection
            started = time.monotonic()
            assert shared.run(lambda r: r.get("x"), "fallback") == "fallback"
            assert time.monotonic() - started < MARGIN
        assert connections(bad_redis) == 1
    assert sum("Redis is unavailable" in r.getMessage() for r in caplog.records) == 1


def test_a_bad_redis_never_holds_up_the_rate_limits(sqlite_url, bad_redis, caplog):
    """Flask-Limiter's own connection has the same bounds: logins are answered and limited from
    memory, and the bad Redis is asked only now and then, not on every request. The request that
    finds it bad waits for at most two commands, as the README says: the count that fails, then
    the limiter's immediate check whether Redis is back."""
    application = build_app(sqlite_url, REDIS_URL=f"redis://127.0.0.1:{bad_redis.port}/0")
    limiter._storage_dead = False  # the limiter is one object per process (see app_with_redis)
    client = application.test_client()
    timings, codes = [], []
    try:
        with caplog.at_level(logging.WARNING, logger="flask-limiter"):
            started = time.monotonic()
            for _ in range(LOGIN_LIMIT + 1):
                asked = time.monotonic()
                codes.append(failed_login(client))
                timings.append(time.monotonic() - asked)
            took = time.monotonic() - started
        assert codes == [401] * LOGIN_LIMIT + [429]
        assert 1 <= connections(bad_redis) <= 2, connections(bad_redis)
        # one timeout, or two when the limiter checks at once whether Redis is back (it does unless
        # this process's limiter checked in the last seconds: its back-off is per process)
        assert README_TIMEOUT * 0.95 <= timings[0] <= 2 * README_TIMEOUT + MARGIN, f"{timings[0]:.3f}s"
        if took < 2:  # before the limiter's first back-off re-check: no other request asked Redis
            assert max(timings[1:]) < README_TIMEOUT, timings
        assert sum("falling back to in-memory" in r.getMessage() for r in caplog.records) == 1
    finally:
        limiter._storage_dead = False
        with application.app_context():
            empty_all_tables()
            db.engine.dispose()
