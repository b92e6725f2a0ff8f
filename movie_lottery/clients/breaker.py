"""A circuit breaker that uses pybreaker's state machine without its lock-held calls.

pybreaker's CircuitBreaker.call() holds the breaker's lock for the whole guarded call
(pybreaker issue #3): under gunicorn's gthread workers one slow remote call would make
every other thread using the same breaker queue behind it. Here the lock is held only
to decide whether a call may go ahead and to record its outcome; the call itself runs
outside it. In half-open state exactly one trial call is let through at a time.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pybreaker

T = TypeVar("T")


class BreakerOpen(pybreaker.CircuitBreakerError):
    """Raised at once, without any I/O, while the circuit is open."""


class Breaker:
    def __init__(self, name: str, *, fail_max: int = 3, reset_timeout: float = 30.0,
                 exclude: Iterable[type[BaseException]] = ()):
        self._cb = pybreaker.CircuitBreaker(
            fail_max=fail_max, reset_timeout=reset_timeout, exclude=list(exclude), name=name,
            throw_new_error_on_trip=False,
        )
        self._trial = threading.Lock()

    @property
    def state(self) -> str:
        """"closed", "open" or "half-open" — no I/O."""
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
