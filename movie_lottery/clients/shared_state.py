"""Optional Redis (REDIS_URL; Render's Key Value) for state every web process should share:
the circuit breakers and qBittorrent's status snapshot. Flask-Limiter keeps its own
connection to the same Redis for the rate limits (config.ratelimit_config).

Redis is never the store of record (Postgres is): everything kept here may be lost. Nor is
it ever in the way: nothing connects before the first use, each command is bounded by a
fraction of a second and not retried, and when Redis fails the callers fall back to their
per-process state. After a failure Redis is left alone for ``retry_after`` seconds; the
outage and the recovery are logged once each per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.exceptions import LockError
from redis.retry import Retry

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = 0.25  # seconds, per connect and per command
RETRY_AFTER = 2.0
PREFIX = "movie_lottery:"


def redis_options() -> dict[str, Any]:
    """redis-py retries a failed command three times with back-off by default: not here."""
    return {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, "retry": Retry(NoBackoff(), 0)}


class SharedState:
    def __init__(self, url: str, *, retry_after: float = RETRY_AFTER):
        self._url = url
        self._retry_after = retry_after
        self._client: redis.Redis | None = None
        self._client_lock = threading.Lock()
        self._down_until = 0.0
        self._down = False

    def __repr__(self) -> str:
        return "SharedState(redis)"

    @staticmethod
    def key(*parts: str) -> str:
        return PREFIX + ":".join(parts)

    @property
    def available(self) -> bool:
        """No I/O: False while Redis is being left alone after a failure."""
        return time.monotonic() >= self._down_until

    def run(self, command: Callable[[redis.Redis], T], default: T) -> T:
        """command(redis), or ``default`` when Redis is unavailable."""
        if not self.available:
            return default
        try:
            result = command(self._redis())
        except redis.RedisError as exc:
            self._failed(exc)
            return default
        if self._down:
            self._down = False
            log.warning("Redis is reachable again: shared state is back in use")
        return result

    @contextmanager
    def single_flight(self, name: str, seconds: float) -> Iterator[bool]:
        """Yields True to the one process (across all instances) that should do the work now;
        also True when Redis is unavailable: then the caller's own guard is all there is.
        The lock expires by itself after ``seconds``, whatever happens to its holder."""
        # r.lock() does no I/O; acquire() is True, False, or None when Redis is unavailable.
        lock = self.run(lambda r: r.lock(self.key("lock", name), timeout=seconds, blocking=False), None)
        acquired = None if lock is None else self.run(lambda _r: lock.acquire(), None)
        try:
            yield acquired is not False
        finally:
            if acquired:
                self.run(lambda _r: _release(lock), None)

    def _redis(self) -> redis.Redis:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = redis.Redis.from_url(self._url, **redis_options())
        return self._client

    def _failed(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + self._retry_after
        if not self._down:
            self._down = True
            log.warning("Redis is unavailable (%s): this process falls back to its own state", exc.__class__.__name__)


def _release(lock: Any) -> None:
    try:
        lock.release()
    except LockError:
        pass  # it expired: whoever took it next is not ours to free
