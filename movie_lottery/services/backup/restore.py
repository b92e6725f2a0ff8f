"""Reads a backup document into an empty database, all in one transaction: any error —
a truncated or corrupt file, a foreign document, rows the schema refuses — leaves the
database as it was. The document is parsed as a stream (ijson), so memory stays flat.

What the data's rows imply but backups leave out — due jobs, the outbox — is rebuilt in the same
transaction (rebuild.py).

A backup from an older schema is upgraded on the way in: columns added since get their
defaults, tables added since stay empty, tables or columns dropped since are skipped, and a
migration that changed existing rows has its step run on them (upgrades.py).
"""
from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import ijson
from sqlalchemy import JSON, Engine, MetaData, bindparam, insert, literal, select, text
from sqlalchemy.exc import SQLAlchemyError

from .codec import FORMAT, VERSION, BackupError, decoder
from ...dbsetup import schema_revision
from .export import database_error
from .rebuild import rebuild
from .tables import backed_up
from .upgrades import for_table

BATCH_ROWS = 1000
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Restored:
    schema: str
    upgraded_from: str | None  # the backup's older schema, if it was upgraded
    rows: dict[str, int] = field(default_factory=dict)
    armed: dict[str, int] = field(default_factory=dict)  # due jobs armed again, per kind (rebuild.py)


def open_backup(path: str) -> BinaryIO:
    """The document's bytes, gunzipped when the file is gzip (by its content, not its name)."""
    raw = open(path, "rb")  # noqa: SIM115 (handed to the caller, who closes it)
    return gzip.GzipFile(fileobj=raw, mode="rb") if raw.peek(2)[:2] == GZIP_MAGIC else raw


class _Reader:
    """Walks ijson's events: the header first, then each table's rows lazily."""

    def __init__(self, stream: BinaryIO):
        self.events = ijson.parse(stream, use_float=True)
        self.has_tables = False

    def header(self) -> dict:
        """The fields before "tables" (unknown ones are skipped: a newer format may add some)."""
        header: dict = {}
        _prefix, event, _value = next(self.events, ("", None, None))
        if event != "start_map":
            raise BackupError("not a movie_lottery backup")
        for prefix, event, value in self.events:
            if prefix != "" or event != "map_key":
                break
            _prefix, event, content = next(self.events)
            if value == "tables" and event == "start_array":
                self.has_tables = True
                return header
            header[value] = self._build(event, content)
        return header

    def tables(self) -> Iterator[tuple[str, list, Iterator[list]]]:
        name = columns = None
        for prefix, event, value in self.events:
            if (prefix, event) == ("tables", "end_array"):
                break
            if (prefix, event) == ("tables.item", "start_map"):
                name = columns = None
            elif (prefix, event) == ("tables.item.name", "string"):
                name = value
            elif (prefix, event) == ("tables.item.columns", "start_array"):
                columns = self._build(event, value)
            elif (prefix, event) == ("tables.item.rows", "start_array"):
                if not isinstance(name, str) or not isinstance(columns, list):
                    raise BackupError("corrupt backup: a table's rows come before its name and columns")
                yield name, columns, self._rows()
            elif prefix.startswith("tables.item") and event != "map_key" and prefix != "tables.item":
                raise BackupError(f"corrupt backup: unexpected {prefix!r}")
        for _event in self.events:  # to the end: a file cut after the last table is caught too
            pass

    def _rows(self) -> Iterator[list]:
        for prefix, event, value in self.events:
            if event == "end_array" and prefix == "tables.item.rows":
                return
            yield self._build(event, value)

    def _build(self, event: str, value):
        builder = ijson.ObjectBuilder()
        builder.event(event, value)
        depth = 1 if event in ("start_map", "start_array") else 0
        while depth:
            _prefix, event, value = next(self.events)
            builder.event(event, value)
            depth += event in ("start_map", "start_array")
            depth -= event in ("end_map", "end_array")
        return builder.value


def schema_history() -> list[str]:
    """The migrations' revisions, newest first."""
    from alembic.script import ScriptDirectory

    from ...dbsetup import MIGRATIONS_DIR

    return [script.revision for script in ScriptDirectory(MIGRATIONS_DIR).walk_revisions()]


def restore(engine: Engine, metadata: MetaData, stream: BinaryIO, *, replace: bool = False) -> Restored:
    """Import the document; raises BackupError (nothing written) when it cannot."""
    try:
        return _restore(engine, metadata, _Reader(stream), replace)
    except BackupError:
        raise
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
        raise BackupError(f"the backup is from a newer version of the site (format {version}, this site reads "
                          f"up to {VERSION}): update the site first")
    if schema not in history:
        raise BackupError(f"the backup is from a newer version of the site (schema {schema}, this site knows "
                          f"up to {history[0]}): update the site first")
    return None if schema == history[0] else schema


def _restore(engine: Engine, metadata: MetaData, reader: _Reader, replace: bool) -> Restored:
    history = schema_history()
    older = _check_header(reader.header(), history)
    if not reader.has_tables:
        raise BackupError("corrupt backup: it holds no tables")
    tables = {table.name: table for table in backed_up(metadata)}
    result = Restored(schema=history[0], upgraded_from=older)
    with engine.begin() as conn:
        if schema_revision(conn) != history[0]:
            raise BackupError("the database is not at the current schema: run flask upgrade-db first")
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL statement_timeout = 0"))
        occupied = [name for name, table in tables.items()
                    if conn.execute(select(literal(1)).select_from(table).limit(1)).first()]
        if occupied and not replace:
            raise BackupError(f"the database already holds data ({', '.join(occupied)}): import into an empty "
                              "database, or pass --replace to delete that data first")
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
            since = history[:history.index(older)] if older else []
            result.rows[name] = _insert(conn, table, columns, rows, older is not None, for_table(name, since))
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables.values())
        result.armed = rebuild(conn)
    return result


def _insert(conn, table, columns: list, rows: Iterator[list], older: bool, steps: list) -> int:
    unknown = [name for name in columns if name not in table.c]
    if unknown and not older:
        raise BackupError(f"corrupt backup: {table.name} has no column {unknown[0]!r}")
    kept = [(index, name, decoder(table.c[name])) for index, name in enumerate(columns) if name in table.c]
    count, batch, statement = 0, [], None
    for row in rows:
        count += 1
        if not isinstance(row, list) or len(row) != len(columns):
            raise BackupError(f"corrupt backup: row {count} of {table.name} does not match its columns")
        values = {name: decode(row[index]) for index, name, decode in kept}
        for upgrade in steps:
            upgrade(values)
        batch.append(values)
        if len(batch) == BATCH_ROWS:
            statement = statement if statement is not None else _insert_statement(table, values)
            conn.execute(statement, batch)
            batch = []
    if batch:
        conn.execute(statement if statement is not None else _insert_statement(table, batch[0]), batch)
    return count


def _insert_statement(table, values: dict):
    """INSERT of these columns; JSON columns take None as SQL NULL, as it was in the database the
    backup came from (SQLAlchemy would otherwise store the JSON text 'null')."""
    json_columns = {name: bindparam(name, type_=JSON(none_as_null=True))
                    for name in values if isinstance(table.c[name].type, JSON)}
    return insert(table).values(json_columns) if json_columns else insert(table)


def _reset_sequences(conn, tables) -> None:
    """Postgres: each id sequence continues after the largest imported id."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                 f"COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 0) + 1, false)"),
            {"table": quote(table.name), "column": column.name},
        )
