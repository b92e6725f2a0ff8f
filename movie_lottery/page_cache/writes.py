"""Every committed write to a table a page can show announces itself to every process.

Engine events, so any write through SQLAlchemy is covered whatever issues it — the ORM, Core
statements, raw text(), the worker, a data migration — and a table added by a future feature
is covered without anyone remembering to: only the tables listed in ``UNSEEN_TABLES`` (which no
page renders) are left out. The announcement is a Postgres NOTIFY sent inside the writing
transaction just before it commits, so it reaches the listeners exactly when, and only if,
the data is visible; a rolled-back transaction announces nothing.
"""

from __future__ import annotations

import re

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

CHANNEL = "page_cache"
# Written often, shown on no cached page (the notifier's outbox, heartbeat, chats, poll messages,
# the search cache, a member's import while the worker matches it — its own page is not cached): announcing
# them would empty every cache each few seconds for nothing.
UNSEEN_TABLES = frozenset(
    {
        "notifications",
        "notifier_state",
        "telegram_chats",
        "search_cache",
        "poll_messages",
        "due_jobs",
        "alembic_version",
        "import_jobs",
        "import_rows",
    }
)
_PENDING = "page_cache_write_pending"
_WRITE = re.compile(
    r"\s*(insert|update|delete|truncate|merge|alter|drop|create|with\b[\s\S]*\b(insert|update|delete)\b)", re.IGNORECASE
)


def _written_table(context) -> str | None:
    statement = getattr(context.compiled, "statement", None)
    return getattr(getattr(statement, "table", None), "name", None)


def _note_write(conn, _cursor, statement, _parameters, context, _executemany) -> None:
    if conn.info.get(_PENDING) or conn.dialect.name != "postgresql":
        return
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        if _written_table(context) in UNSEEN_TABLES:
            return
    elif not _WRITE.match(statement):
        return
    conn.info[_PENDING] = True


def _announce(conn) -> None:
    """Just before COMMIT: one NOTIFY per transaction that wrote, on the raw DBAPI connection
    (no SQLAlchemy events: statement counters and this hook itself do not see it). The write's
    id is its transaction id (xid8, never reused): a process that starts listening later knows
    from its snapshot which transactions had ended before (freshness.Freshness.has_heard)."""
    if not conn.info.pop(_PENDING, False):
        return
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, pg_current_xact_id()::text), pg_current_xact_id()::text", (CHANNEL,))
        write_id = cursor.fetchone()[1]
    if has_request_context():
        g.page_cache_write = write_id  # the writer's next views wait for this one (see freshness)


def _forget(conn) -> None:
    conn.info.pop(_PENDING, None)


def install() -> None:
    """Idempotent: the hooks are on the Engine class, so every engine of the process has them."""
    if not event.contains(Engine, "after_cursor_execute", _note_write):
        event.listen(Engine, "after_cursor_execute", _note_write)
        event.listen(Engine, "commit", _announce)
        event.listen(Engine, "rollback", _forget)
        event.listen(Engine, "begin", _forget)
