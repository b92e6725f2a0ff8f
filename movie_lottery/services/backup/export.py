"""Streams the backup document out of a database. Rows are read in batches (a server-side
cursor on Postgres) and written as they come, so memory stays flat at any size; on
Postgres every table is read from one snapshot (REPEATABLE READ)."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Connection, Engine, MetaData, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from ...dbsetup import schema_revision
from ...models import utcnow
from .codec import FORMAT, VERSION, BackupError, encoder
from .tables import backed_up

BATCH_ROWS = 1000
CHUNK_CHARS = 64 * 1024


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def document(engine: Engine, metadata: MetaData, *, exported_at: datetime | None = None) -> Iterator[str]:
    """The document as text pieces: the header, then one line per row."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            revision = schema_revision(conn)
            if revision is None:
                raise BackupError("the database is not migrated: run flask upgrade-db")
            header = {
                "format": FORMAT,
                "version": VERSION,
                "exported_at": (exported_at or utcnow()).isoformat(),
                "schema": revision,
            }
            yield _dumps(header)[:-1] + ',"tables":['
            inspector = inspect(conn)
            present = set(inspector.get_table_names())
            separator = "\n"
            for table in backed_up(metadata):
                if table.name not in present:  # an older schema: the table came later
                    continue
                existing = {column["name"] for column in inspector.get_columns(table.name)}
                columns = [column for column in table.columns if column.name in existing]
                yield from _table(conn, table, columns, separator)
                separator = ",\n"
            yield "\n]}\n"


def _table(conn: Connection, table, columns: list, separator: str) -> Iterator[str]:
    encoders = [encoder(column) for column in columns]
    yield f'{separator}{{"name":{_dumps(table.name)},"columns":{_dumps([c.name for c in columns])},"rows":['
    query = select(*columns).order_by(*table.primary_key.columns)
    row_separator = "\n"
    for row in conn.execution_options(yield_per=BATCH_ROWS).execute(query):
        yield row_separator + _dumps([encode(value) for encode, value in zip(encoders, row, strict=True)])
        row_separator = ",\n"
    yield "\n]}"


def chunked(pieces: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[str]:
    """Join small pieces into writes of about `size` characters."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def gzipped(pieces: Iterable[str]) -> Iterator[bytes]:
    """The pieces as one gzip stream, compressed as they come."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    for piece in chunked(pieces):
        data = compressor.compress(piece.encode("utf-8"))
        if data:
            yield data
    yield compressor.flush()


def database_error(exc: SQLAlchemyError) -> BackupError:
    """A driver's error as one line."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return BackupError(f"database error: {exc.__class__.__name__}: {detail[0] if detail else ''}")


def write_file(engine: Engine, metadata: MetaData, path: str) -> None:
    """The document into `path` (gzip when it ends in .gz). Written under a temporary name and
    renamed when complete, so a failed export never leaves a half file that looks like a backup."""
    partial = f"{path}.part"
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(partial, "wt", encoding="utf-8") as out:
            for piece in chunked(document(engine, metadata)):
                out.write(piece)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
