"""Exactly one notifier at a time, across processes, hosts and Render's deploy overlap.

Postgres: a session-level advisory lock held on a dedicated connection with TCP
keepalives. Checking it means asking pg_locks whether *this* backend still holds it:
calling pg_try_advisory_lock again on the same session always succeeds (locks are
re-entrant), so it would prove nothing.
SQLite (local runs): an OS file lock next to the database file gives the same guarantee.
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

import psycopg
from filelock import FileLock, Timeout

from ..config import libpq_conninfo

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D6C_6E6F_7469  # "mlnoti": differs from the migration lock key
HELD_QUERY = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 1"
)


class SingletonLock(Protocol):
    def try_acquire(self) -> bool: ...
    def still_held(self) -> bool: ...
    def release(self) -> None: ...


class PostgresAdvisoryLock:
    def __init__(self, conninfo: str, connect_args: dict):
        self.conninfo, self.connect_args = conninfo, connect_args
        self.conn: psycopg.Connection | None = None

    def try_acquire(self) -> bool:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.conninfo, autocommit=True, **self.connect_args)
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
            return row is not None and bool(row[0])
        except psycopg.Error as exc:
            log.warning("cannot reach Postgres for the notifier lock: %s", exc.__class__.__name__)
            self._drop()
            return False

    def still_held(self) -> bool:
        if self.conn is None or self.conn.closed:
            return False
        try:
            # A bigint key is stored as classid (high 32 bits) and objid (low 32 bits).
            row = self.conn.execute(HELD_QUERY, (LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF)).fetchone()
            return row is not None and row[0] == 1
        except psycopg.Error as exc:
            log.error("lost the notifier lock connection: %s", exc.__class__.__name__)
            self._drop()
            return False

    def release(self) -> None:
        if self.conn is not None and not self.conn.closed:
            try:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            except psycopg.Error:
                pass  # closing the session below releases it anyway
        self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
        self.conn = None


class FileSingletonLock:
    def __init__(self, path: str):
        self.lock = FileLock(path)

    def try_acquire(self) -> bool:
        try:
            self.lock.acquire(timeout=0)
            return True
        except Timeout:
            return False

    def still_held(self) -> bool:
        return self.lock.is_locked

    def release(self) -> None:
        if self.lock.is_locked:
            self.lock.release(force=True)


def lock_for(engine_url, connect_args: dict, instance_path: str) -> SingletonLock:
    """The right lock for the configured database."""
    if engine_url.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(libpq_conninfo(engine_url), connect_args)
    database = engine_url.database or os.path.join(instance_path, "movie_lottery.db")
    return FileSingletonLock(database + ".notifier.lock")
