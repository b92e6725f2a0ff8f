"""Reads a backup document into an empty database, all in one transaction: any error —
a truncated or corrupt file, a foreign document, rows the schema refuses — leaves the
database as it was, with one line naming the table, row and column and why. The document is
parsed as a stream (reader.py), every value bounded in size before it is read (bounds.py), so
memory stays flat; every row is checked the same way on SQLite and Postgres (checks.py).

What the data's rows imply but backups leave out — due jobs, the outbox — is rebuilt in the same
transaction (rebuild.py).

A backup from an older schema is upgraded on the way in: columns added since get their
defaults, tables added since stay empty, tables or columns dropped since are skipped, and a
migration that changed existing rows has its step run on them (upgrades.py).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import ijson
from sqlalchemy import JSON, Engine, MetaData, bindparam, insert, literal, select, text
from sqlalchemy.exc import SQLAlchemyError

from ...dbsetup import schema_revision
from .bounds import OverBound
from .checks import TableChecks, required_columns, value_check
from .codec import FIRST_VERSION, FORMAT, VERSION, BackupError
from .export import database_error
from .reader import Reader
from .rebuild import rebuild
from .tables import backed_up
from .upgrades import data_steps, for_table

BATCH_ROWS = 1000
BATCH_BYTES = 8 * 1024 * 1024  # of the file: a batch of films with .torrent files stays small
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Restored:
    schema: str
    upgraded_from: str | None  # the backup's older schema, if it was upgraded
    rows: dict[str, int] = field(default_factory=dict)
    armed: dict[str, int] = field(default_factory=dict)  # due jobs armed again, per kind (rebuild.py)


def open_backup(path: str) -> gzip.GzipFile | io.BufferedReader:
    """The document's bytes, gunzipped when the file is gzip (by its content, not its name)."""
    raw = open(path, "rb")  # noqa: SIM115 (handed to the caller, who closes it)
    return gzip.GzipFile(fileobj=raw, mode="rb") if raw.peek(2)[:2] == GZIP_MAGIC else raw


def schema_history() -> list[str]:
    """The migrations' revisions, newest first."""
    from alembic.script import ScriptDirectory

    from ...dbsetup import MIGRATIONS_DIR

    return [script.revision for script in ScriptDirectory(MIGRATIONS_DIR).walk_revisions()]


def restore(
    engine: Engine, metadata: MetaData, stream: BinaryIO | io.BufferedIOBase, *, replace: bool = False
) -> Restored:
    """Import the document; raises BackupError (nothing written) when it cannot."""
    reader = Reader(stream)
    try:
        return _restore(engine, metadata, reader, replace)
    except BackupError:
        raise
    except OverBound as exc:
        raise reader.refuse(exc.what, column=not exc.unit) from None
    except SQLAlchemyError as exc:
        raise database_error(exc) from None
    except ijson.IncompleteJSONError as exc:
        reason = "it ends before the document does" if "premature EOF" in str(exc) else "it is not valid JSON"
        raise BackupError(f"the file is truncated or corrupt: {reason}") from None
    except ijson.JSONError:
        raise BackupError("the file is truncated or corrupt: it is not valid JSON") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BackupError(f"the file is truncated or corrupt: its gzip stream is broken ({_first_line(exc)})") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"corrupt backup: {exc.__class__.__name__}: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else ""


def _check_header(header: dict, history: list[str]) -> str | None:
    """The backup's schema when older than ours (None when the same)."""
    if header.get("format") != FORMAT:
        raise BackupError("not a movie_lottery backup")
    version, schema = header.get("version"), header.get("schema")
    if not isinstance(version, int) or isinstance(version, bool) or not isinstance(schema, str):
        raise BackupError("corrupt backup: its header has no version or schema")
    if version > VERSION:
        raise BackupError(
            f"the backup is from a newer version of the site (format {version}, this site reads "
            f"up to {VERSION}): update the site first"
        )
    if version < FIRST_VERSION:
        raise BackupError(
            f"the backup's format version {version} is not one any version of the site wrote "
            f"(they start at {FIRST_VERSION})"
        )
    if schema not in history:
        raise BackupError(
            f"the backup is from a newer version of the site (schema {schema}, this site knows "
            f"up to {history[0]}): update the site first"
        )
    return None if schema == history[0] else schema


def _restore(engine: Engine, metadata: MetaData, reader: Reader, replace: bool) -> Restored:
    history = schema_history()
    older = _check_header(reader.header(), history)
    if not reader.has_tables:
        raise BackupError("corrupt backup: it holds no tables")
    tables = {table.name: table for table in backed_up(metadata)}
    since = history[: history.index(older)] if older else []  # the migrations the backup missed
    result = Restored(schema=history[0], upgraded_from=older)
    with engine.begin() as conn:
        if schema_revision(conn) != history[0]:
            raise BackupError("the database is not at the current schema: run flask upgrade-db first")
        if conn.dialect.name == "postgresql":  # a big import may take long, and idle while reading the file
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
        occupied = [
            name
            for name, table in tables.items()
            if conn.execute(select(literal(1)).select_from(table).limit(1)).first()
        ]
        if occupied and not replace:
            raise BackupError(
                f"the database already holds data ({', '.join(occupied)}): import into an empty "
                "database, or pass --replace to delete that data first"
            )
        for table in reversed(list(tables.values())) if replace else ():
            conn.execute(table.delete())
        for name, columns, rows in reader.tables():
            table = tables.get(name)
            if name in result.rows or (table is None and not older):
                raise BackupError(f"corrupt backup: unexpected table {name!r}")
            if table is None:  # dropped since that schema
                for _row in rows:
                    pass
                continue
            result.rows[name] = _insert(conn, reader, table, columns, rows, older is not None, for_table(name, since))
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables.values())
        for data_step in data_steps(since):
            data_step(conn)  # after the sequences: a step may insert rows
        result.armed = rebuild(conn)
    return result


def _insert(conn, reader: Reader, table, columns: list, rows: Iterator[list], older: bool, steps: list) -> int:
    """Each row checked (checks.py), upgraded by the steps, then inserted in batches of at most
    BATCH_ROWS rows or about BATCH_BYTES of the file, each checked against the rows before it."""
    unknown = [name for name in columns if name not in table.c]
    if unknown and not older:
        raise BackupError(f"corrupt backup: {table.name} has no column {unknown[0]!r}")
    kept = [(index, name, value_check(table.c[name])) for index, name in enumerate(columns) if name in table.c]
    required = required_columns(table)
    table_checks = None
    count, batch, statement, batch_start = 0, [], None, reader.stream.position
    for row in rows:
        count += 1
        values = {}
        for index, name, check in kept:
            try:
                values[name] = check(row[index])
            except ValueError as exc:
                raise BackupError(f"table {table.name}, row {count}, column {name}: {exc}") from None
        for upgrade in steps:
            upgrade(values)
        missing = [name for name in required if name not in values]
        if missing:
            raise BackupError(
                f"table {table.name}, row {count}, column {missing[0]}: missing, and the column needs a value"
            )
        if table_checks is None:
            table_checks = TableChecks(conn, table, values)
        batch.append(values)
        if len(batch) == BATCH_ROWS or reader.stream.position - batch_start > BATCH_BYTES:
            statement = statement if statement is not None else _insert_statement(table, values)
            _insert_batch(conn, table_checks, statement, batch, count - len(batch) + 1)
            batch, batch_start = [], reader.stream.position
    if batch:
        assert table_checks is not None  # made with the first row
        _insert_batch(
            conn,
            table_checks,
            statement if statement is not None else _insert_statement(table, batch[0]),
            batch,
            count - len(batch) + 1,
        )
    return count


def _insert_batch(conn, table_checks: TableChecks, statement, batch: list[dict], first: int) -> None:
    table_checks.check(batch, first)
    try:
        conn.execute(statement, batch)
    except SQLAlchemyError as exc:  # what the checks do not foresee: still one line, with the rows
        raise BackupError(
            f"table {table_checks.table.name}, rows {first}–{first + len(batch) - 1}: {database_error(exc)}"
        ) from None


def _insert_statement(table, values: dict):
    """INSERT of these columns; JSON columns take None as SQL NULL, as it was in the database the
    backup came from (SQLAlchemy would otherwise store the JSON text 'null')."""
    json_columns = {
        name: bindparam(name, type_=JSON(none_as_null=True)) for name in values if isinstance(table.c[name].type, JSON)
    }
    return insert(table).values(json_columns) if json_columns else insert(table)


def _reset_sequences(conn, tables) -> None:
    """Postgres: each id sequence continues after the largest imported id."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 0) + 1, false)"
            ),
            {"table": quote(table.name), "column": column.name},
        )
