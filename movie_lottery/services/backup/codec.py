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
FIRST_VERSION = 1  # the oldest layout this site reads (the first there was)

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


def _text(decode: Callable[[str], Any]) -> Codec:
    """A decoder of values written as JSON strings."""
    return lambda value: decode(_expect(str)(value))


# (column type, encode, decode, what a value must be); the first match wins, so subclasses come
# before their bases (Float is a Numeric, Date is not a DateTime).
_CODECS: tuple[tuple[type[TypeEngine], Codec, Codec, str], ...] = (
    (DateTime, _encode_datetime, _text(_decode_datetime), "a date and time in ISO 8601"),
    (Date, date.isoformat, _text(date.fromisoformat), "a date in ISO 8601"),
    (
        LargeBinary,
        lambda v: base64.b64encode(v).decode("ascii"),
        _text(lambda v: base64.b64decode(v, validate=True)),
        "base64 data",
    ),
    (JSON, _same, _same, "JSON"),
    (Boolean, bool, _expect(bool), "true or false"),
    (Float, _same, _expect(float, int), "a number"),
    (Numeric, str, _text(Decimal), "a decimal number in a string"),
    (Integer, _same, _expect(int), "an integer"),
    (String, _same, _expect(str), "a string"),  # Text, Enum and Unicode are Strings
)


def _codec(column_type: TypeEngine, index: int, column: str) -> Any:
    for kind, *codecs in _CODECS:
        if isinstance(column_type, kind):
            return codecs[index]
    raise UnsupportedColumn(
        f"column {column} has type {column_type!r}, which backups cannot hold yet: add it to services/backup/codec.py"
    )


def expected(column) -> str:
    """What a value of the column must be, for an error message."""
    return _codec(column.type, 2, f"{column.table.name}.{column.name}")


def encoder(column) -> Codec:
    """Value -> JSON (None stays None)."""
    encode = _codec(column.type, 0, f"{column.table.name}.{column.name}")
    return lambda value: None if value is None else encode(value)


def decoder(column) -> Codec:
    """JSON -> value for the column (None stays None)."""
    decode = _codec(column.type, 1, f"{column.table.name}.{column.name}")
    return lambda value: None if value is None else decode(value)
