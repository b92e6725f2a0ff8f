"""A circuit breaker that uses pybreaker's state machine without its lock-held calls.

pybreaker's CircuitBreaker.call() holds the breaker's lock for the whole guarded call
(pybreaker issue #3): under gunicorn's gthread workers one slow remote call would make
every other thread using the same breaker queue behind it. Here the lock is held only
to decide whether a call may go ahead and to record its outcome; the call itself runs
outside it. In half-open state exactly one trial call is let through at a time.

With a SharedState (Redis), the breaker's state lives there (SharedStorage), so once any
process has learnt that a service is down every process fails fast. pybreaker's lock is
per process, as its Redis storage documents: transitions are last-writer-wins across
processes, and in half-open state each process may send its own trial call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pybreaker

if TYPE_CHECKING:
    from .shared_state import SharedState

T = TypeVar("T")


class BreakerOpen(pybreaker.CircuitBreakerError):
    """Raised at once, without any I/O, while the circuit is open."""


class SharedStorage(pybreaker.CircuitBreakerStorage):
    """pybreaker's state in one Redis hash, mirrored in this process's memory: every
    successful read refreshes the mirror, every write goes to both, and while Redis is
    unavailable the mirror alone is the state (so the breaker still protects this process)."""

    def __init__(self, shared: SharedState, name: str):
        super().__init__("shared")
        self._shared = shared
        self._key = shared.key("breaker", name)
        self._local: dict[str, Any] = {
            "state": pybreaker.STATE_CLOSED,
            "fail_counter": 0,
            "success_counter": 0,
            "opened_at": None,
        }

    def _get(self, field: str) -> Any:
        # redis-py types a sync client's answers as "Awaitable | value" (shared by its async client).
        empty: dict[bytes, bytes] = {}
        stored = self._shared.run(lambda r: cast("dict[bytes, bytes]", r.hgetall(self._key)), empty)
        for raw_name, raw_value in stored.items():
            name, value = raw_name.decode(), raw_value.decode()
            self._local[name] = value if name == "state" else float(value) if name == "opened_at" else int(value)
        return self._local[field]

    def _set(self, field: str, value: Any) -> None:
        self._local[field] = value
        self._shared.run(lambda r: r.hset(self._key, field, value), None)

    def _increment(self, field: str) -> None:
        self._local[field] += 1
        shared_count = self._shared.run(lambda r: r.hincrby(self._key, field, 1), None)
        if shared_count is not None:
            self._local[field] = shared_count

    @property
    def state(self) -> str:
        return self._get("state")

    @state.setter
    def state(self, state: str) -> None:
        self._set("state", str(state))

    def increment_counter(self) -> None:
        self._increment("fail_counter")

    def reset_counter(self) -> None:
        self._set("fail_counter", 0)

    def increment_success_counter(self) -> None:
        self._increment("success_counter")

    def reset_success_counter(self) -> None:
        self._set("success_counter", 0)

    @property
    def counter(self) -> int:
        return self._get("fail_counter")

    @property
    def success_counter(self) -> int:
        return self._get("success_counter")

    @property
    def opened_at(self) -> datetime | None:
        stamp = self._get("opened_at")
        return None if stamp is None else datetime.fromtimestamp(stamp, UTC)

    @opened_at.setter
    def opened_at(self, now: datetime) -> None:
        self._set("opened_at", now.timestamp())


class Breaker:
    def __init__(
        self,
        name: str,
        *,
        fail_max: int = 3,
        reset_timeout: float = 30.0,
        exclude: Iterable[type[BaseException]] = (),
        shared: SharedState | None = None,
    ):
        self._options: dict[str, Any] = {
            "fail_max": fail_max,
            "reset_timeout": reset_timeout,
            "exclude": list(exclude),
            "name": name,
            "throw_new_error_on_trip": False,
        }
        self._shared = shared
        self._built: pybreaker.CircuitBreaker | None = None
        self._build_lock = threading.Lock()
        self._trial = threading.Lock()

    @property
    def _cb(self) -> pybreaker.CircuitBreaker:
        """Built on first use: pybreaker reads its storage at construction (Redis: I/O)."""
        if self._built is None:
            with self._build_lock:
                if self._built is None:
                    storage = None if self._shared is None else SharedStorage(self._shared, self._options["name"])
                    self._built = pybreaker.CircuitBreaker(state_storage=storage, **self._options)
        return self._built

    @property
    def state(self) -> str:
        """ "closed", "open" or "half-open" — no I/O without Redis, one bounded read with it."""
        return self._cb.current_state

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        trial = self._admit()
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            self._record(exc)
            raise
        else:
            self._record(None)
            return result
        finally:
            if trial:
                self._trial.release()

    def _admit(self) -> bool:
        """Raise BreakerOpen, or return whether this call is the half-open trial."""
        cb = self._cb
        with cb._lock:
            if cb.current_state == pybreaker.STATE_OPEN:
                # pybreaker keeps opened_at in its storage; the public API only exposes it
                # through call(), which would run our function under the lock.
                opened_at = cb._state_storage.opened_at
                if opened_at and datetime.now(UTC) < opened_at + timedelta(seconds=cb.reset_timeout):
                    raise BreakerOpen(f"{cb.name}: circuit open")
                cb.half_open()
            if cb.current_state != pybreaker.STATE_HALF_OPEN:
                return False
        if not self._trial.acquire(blocking=False):
            raise BreakerOpen(f"{cb.name}: a trial call is already in flight")
        return True

    def _record(self, exc: BaseException | None) -> None:
        cb = self._cb
        with cb._lock:
            state = cb.state
            if exc is None:
                state._handle_success()
                return
            try:
                state._handle_error(exc, reraise=False)
            except BaseException:  # noqa: BLE001 - pybreaker re-raises on the tripping failure;
                pass  # the caller re-raises the original exception itself
