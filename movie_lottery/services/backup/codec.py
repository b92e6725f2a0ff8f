"""The backup document and how column values are written in it.

    {"format": "movie_lottery-backup", "version": 1, "exported_at": "<ISO 8601, UTC>",
     "schema": "<alembic revision>",
     "tables": [{"name": "films", "columns": ["id", …], "rows": [[…], …]}, …]}

Values are typed by their column: timestamps are ISO 8601 in UTC, dates ISO dates, binary
data base64, JSON columns nested JSON, decimals strings; everything else is plain JSON.
The same rows give the same document on SQLite and Postgres.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric, String
from sqlalchemy.types import TypeEngine

FORMAT = "movie_lottery-backup"
VERSION = 1  # of the document's layout; the data's shape is "schema"

Codec = Callable[[Any], Any]


class BackupError(Exception):
    """A one-line reason the backup cannot be made or read; nothing was written."""


class UnsupportedColumn(TypeError):
    pass


def _same(value: Any) -> Any:
    return value


def _encode_datetime(value: datetime) -> str:
    return (value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def _decode_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _expect(*kinds: type) -> Codec:
    """A decoder that only checks the JSON type (SQLite would store a string in an INTEGER column)."""

    def check(value: Any) -> Any:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ValueError(f"{value!r} is not of type {'/'.join(k.__name__ for k in kinds)}")
        return value

    return check


# (column type, encode, decode); the first match wins, so subclasses come before their bases
# (Float is a Numeric, Date is not a DateTime).
_CODECS: tuple[tuple[type[TypeEngine], Codec, Codec], ...] = (
    (DateTime, _encode_datetime, _decode_datetime),
    (Date, date.isoformat, date.fromisoformat),
    (LargeBinary, lambda v: base64.b64encode(v).decode("ascii"), base64.b64decode),
    (JSON, _same, _same),
    (Boolean, bool, _expect(bool)),
    (Float, _same, _expect(float, int)),
    (Numeric, str, Decimal),
    (Integer, _same, _expect(int)),
    (String, _same, _expect(str)),  # Text, Enum and Unicode are Strings
)


def _codec(column_type: TypeEngine, index: int, column: str) -> Codec:
    for kind, *codecs in _CODECS:
        if isinstance(column_type, kind):
            return codecs[index]
    raise UnsupportedColumn(f"column {column} has type {column_type!r}, which backups cannot hold yet: "
                            "add it to services/backup/codec.py")


def encoder(column) -> Codec:
    """Value -> JSON (None stays None)."""
    encode = _codec(column.type, 0, f"{column.table.name}.{column.name}")
    return lambda value: None if value is None else encode(value)


def decoder(column) -> Codec:
    """JSON -> value for the column (None stays None)."""
    decode = _codec(column.type, 1, f"{column.table.name}.{column.name}")
    return lambda value: None if value is None else decode(value)
