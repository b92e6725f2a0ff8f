"""What a process knows about the database's freshness without asking it on every request.

A thread per web process LISTENs to the writes announced by ``writes`` (every process of every
instance hears every committed write) and counts them in ``generation``: a cached page is good
only while the generation it was rendered under is still current. The listener proves its
connection alive by hearing its own ping each ``PING_SECONDS``; a process that cannot vouch for
that (not yet connected, connection lost, pings unanswered) serves nothing from its cache, and
every (re)connection starts a new generation, since announcements may have been missed meanwhile.

The writer's own next view: the write's id (its transaction id) rides back in a short-lived
cookie, and a process serves that visitor from its cache only once it has heard that very write
— or once it knows the write had ended before it started listening (a worker started or
recycled since, another instance): its whole cache is younger than the write. It knows that
from a snapshot taken once listening: a transaction below the snapshot's xmax and not in its
list of transactions in progress had ended. (Not "below its xmin" alone: the xmin is the
oldest transaction open anywhere on the server, another database's included, so one long
transaction elsewhere would keep every writer from the cache.)
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import psycopg

from .writes import CHANNEL

log = logging.getLogger(__name__)

PING_SECONDS = 0.5
TRUSTED_SECONDS = 2.0  # without hearing our own ping this long, the cache is not trusted
REMEMBERED_WRITES = 4096


@dataclass(frozen=True)
class EndedBy:
    """A Postgres snapshot's view of which transactions had ended (a later one sees more)."""

    xmin: int
    xmax: int
    in_progress: frozenset[int]

    @classmethod
    def snapshot(cls, conn: psycopg.Connection) -> EndedBy:
        row = conn.execute(
            "SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text, ARRAY(SELECT pg_snapshot_xip(s)::text) "
            "FROM pg_current_snapshot() AS s"
        ).fetchone()
        if row is None:  # one row, always
            raise psycopg.ProgrammingError("pg_current_snapshot() returned no row")
        xmin, xmax, xip = row
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in xip))

    def ended(self, xid: int) -> bool:
        return xid < self.xmin or (xid < self.xmax and xid not in self.in_progress)


class Freshness:
    def __init__(self, conninfo: str | None, connect_args: dict):
        self.conninfo, self.connect_args = conninfo, connect_args
        self.generation = 0
        self._heard_at = float("-inf")
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._ended = EndedBy(0, 0, frozenset())  # the transactions that had ended when we started listening
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a new generation, or our ping heard
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ping = "ping:" + secrets.token_hex(8)

    # -- asked by requests (no I/O) ------------------------------------------------------
    def trusted(self) -> bool:
        return time.monotonic() - self._heard_at < TRUSTED_SECONDS

    def has_heard(self, write_id: str) -> bool:
        if write_id in self._recent:
            return True
        try:
            return self._ended.ended(int(write_id))
        except ValueError:  # not an id of ours
            return False

    # -- the listener thread ---------------------------------------------------------------
    def start(self) -> None:
        if self.conninfo is None or (self._thread is not None and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(self.conninfo,), name="page-cache-listener", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_trusted(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(self.trusted, timeout)

    def wait_for_generation_after(self, generation: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.generation > generation, timeout)

    def _run(self, conninfo: str) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, **self.connect_args) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # A snapshot taken once we listen: each transaction it shows as ended had
                    # ended by then, so every page rendered from the next generation on shows it.
                    self._ended = EndedBy.snapshot(conn)
                    self._new_generation()  # anything may have been written while we were not listening
                    backoff = 0.1
                    self._listen(conn)
            except Exception as exc:  # noqa: BLE001  (whatever it was, the thread must keep listening)
                self._heard_at = float("-inf")
                self._new_generation()
                log.warning(
                    "page cache listener: %s; pages are rendered uncached until it reconnects", exc.__class__.__name__
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self._heard_at = float("-inf")

    def _listen(self, conn: psycopg.Connection) -> None:
        while not self._stop.is_set():
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self._ping))
            for notify in conn.notifies(timeout=PING_SECONDS):
                if notify.payload == self._ping:
                    with self._changed:
                        self._heard_at = time.monotonic()
                        self._changed.notify_all()
                elif not notify.payload.startswith("ping:"):
                    self._heard(notify.payload)

    def _heard(self, write_id: str) -> None:
        with self._changed:
            self.generation += 1
            self._recent[write_id] = None
            while len(self._recent) > REMEMBERED_WRITES:
                self._recent.popitem(last=False)
            self._changed.notify_all()

    def _new_generation(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()
