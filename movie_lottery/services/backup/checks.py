"""What an imported row must satisfy, checked by the import itself — so SQLite and Postgres
refuse the same files with the same one-line reason (table, row, column, why), where left to
the engines SQLite would take orphan references and over-long text that Postgres refuses.

Everything comes from the models' metadata, so a new column or constraint is checked without
anyone listing it here:

* each value (``value_check``): its JSON type and form for the column's type (codec.py), NOT
  NULL, a String's or LargeBinary's length, an integer's range (Integer 32-bit, BigInteger
  64-bit), text Postgres cannot store (NUL, lone surrogates);
* each batch of rows before it is inserted (``TableChecks``), against the rows imported before
  it: foreign keys, unique keys (the primary key too) and CHECK constraints (evaluated by the
  database on the batch's values, the same SQL on both engines).
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    select,
    text,
    tuple_,
)

from .codec import BackupError, decoder, expected

LOOKUP_CHUNK = 500  # keys per IN (…) query
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGER_BITS = ((BigInteger, 64), (SmallInteger, 16), (Integer, 32))


def preview(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 40 else shown[:37] + "…"


def _limits(column: Column) -> list[Callable[[Any], str | None]]:
    kind, limits = column.type, []
    length = getattr(kind, "length", None)
    if isinstance(kind, String):
        limits.append(lambda v: "contains a NUL character, which Postgres cannot store" if "\x00" in v else None)
        limits.append(lambda v: "is not valid Unicode (a lone surrogate)" if _SURROGATE.search(v) else None)
        if length:
            limits.append(lambda v: f"{len(v)} characters, over the column's {length}" if len(v) > length else None)
    elif isinstance(kind, LargeBinary) and length:
        limits.append(lambda v: f"{len(v)} bytes, over the column's {length}" if len(v) > length else None)
    elif isinstance(kind, Integer):
        bits = next(bits for cls, bits in _INTEGER_BITS if isinstance(kind, cls))
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        limits.append(lambda v: f"{v} is out of the range of a {bits}-bit integer" if not low <= v <= high else None)
    elif isinstance(kind, JSON):
        limits.append(_json_storable)
    return limits


def _json_storable(value: Any) -> str | None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def value_check(column: Column) -> Callable[[Any], Any]:
    """JSON value -> the column's value; ValueError(why) when the column cannot hold it."""
    decode, limits, required = decoder(column), _limits(column), not column.nullable

    def check(raw: Any) -> Any:
        if raw is None:
            if required:
                raise ValueError("null, but the column needs a value")
            return None
        try:
            value = decode(raw)
        except (ValueError, TypeError, ArithmeticError, binascii.Error, OverflowError):
            raise ValueError(f"{preview(raw)} is not {expected(column)}") from None
        for limit in limits:
            why = limit(value)
            if why:
                raise ValueError(why)
        return value

    return check


def required_columns(table: Table) -> list[str]:
    """Columns a row cannot leave out: NOT NULL without a default (an id the database assigns aside)."""
    return [
        c.name
        for c in table.columns
        if not c.nullable and c.default is None and c.server_default is None and c is not table.autoincrement_column
    ]


def _unique_keys(table: Table) -> list[list[Column]]:
    keys = [list(table.primary_key.columns)]
    keys += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [
        [e for e in i.expressions if isinstance(e, Column)]
        for i in table.indexes
        if isinstance(i, Index) and i.unique and all(isinstance(e, Column) for e in i.expressions)
    ]
    return [key for key in keys if key]


class TableChecks:
    """One table's foreign keys, unique keys and CHECK constraints, for the columns the backup
    has (one it lacks takes its default, which the database vouches for)."""

    def __init__(self, conn: Connection, table: Table, present: Iterable[str]):
        present = set(present)
        self.conn, self.table = conn, table
        self.foreign = [fk for fk in table.foreign_key_constraints if {c.name for c in fk.columns} <= present]
        self.unique = [key for key in _unique_keys(table) if {c.name for c in key} <= present]
        self.checks = []
        for check in (c for c in table.constraints if isinstance(c, CheckConstraint)):
            sql = str(check.sqltext.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            names = [c.name for c in table.columns if re.search(rf"\b{re.escape(c.name)}\b", sql)]
            if set(names) <= present:
                self.checks.append((sql, [table.c[name] for name in names]))

    def check(self, rows: list[dict], first: int) -> None:
        """Raises BackupError for the first row (numbered from ``first``) that breaks one."""
        numbered = list(enumerate(rows, first))
        for fk in self.foreign:
            self._foreign_key(fk, numbered)
        for key in self.unique:
            self._unique(key, numbered)
        for sql, columns in self.checks:
            self._check_constraint(sql, columns, numbered)

    def _refuse(self, number: int, columns: list[Column], why: str) -> BackupError:
        names = ", ".join(c.name for c in columns)
        return BackupError(
            f"table {self.table.name}, row {number}, column{'s' if len(columns) > 1 else ''} {names}: {why}"
        )

    def _existing(self, table: Table, columns: list[Column], keys: list[tuple]) -> set[tuple]:
        found: set[tuple] = set()
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            where = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
            found.update(tuple(row) for row in self.conn.execute(select(*columns).where(where)))
        return found

    @staticmethod
    def _keys(numbered: list[tuple[int, dict]], columns: list[Column], *, nulls: bool = False) -> dict[tuple, int]:
        """Each key -> the first row holding it; without ``nulls``, keys with a NULL are left out
        (NULLs are never equal)."""
        keys: dict[tuple, int] = {}
        for number, row in numbered:
            key = tuple(row.get(c.name) for c in columns)
            if nulls or None not in key:
                keys.setdefault(key, number)
        return keys

    def _foreign_key(self, fk, numbered: list[tuple[int, dict]]) -> None:
        local = [element.parent for element in fk.elements]
        remote = [element.column for element in fk.elements]
        wanted = self._keys(numbered, local)
        if fk.referred_table is self.table:  # a row may point at another of the same batch
            for key in self._keys(numbered, remote):
                wanted.pop(key, None)
        found = self._existing(fk.referred_table, remote, list(wanted))
        missing = [(number, key) for key, number in wanted.items() if key not in found]
        if missing:
            number, key = min(missing)
            shown = ", ".join(f"{c.name} {preview(v)}" for c, v in zip(remote, key, strict=False))
            raise self._refuse(number, local, f"no row of {fk.referred_table.name} has {shown}")

    def _unique(self, columns: list[Column], numbered: list[tuple[int, dict]]) -> None:
        seen: dict[tuple, int] = {}
        for number, row in numbered:
            key = tuple(row.get(c.name) for c in columns)
            if None in key:
                continue
            if key in seen:
                raise self._refuse(
                    number,
                    columns,
                    f"{preview(list(key) if len(key) > 1 else key[0])} is also in "
                    f"row {seen[key]}, and it must be unique",
                )
            seen[key] = number
        taken = self._existing(self.table, columns, list(seen))
        if taken:
            number, key = min((seen[key], key) for key in taken)
            raise self._refuse(
                number,
                columns,
                f"{preview(list(key) if len(key) > 1 else key[0])} is also in an earlier row, and it must be unique",
            )

    def _check_constraint(self, sql: str, columns: list[Column], numbered: list[tuple[int, dict]]) -> None:
        """The constraint's own SQL over the batch's distinct values, as a VALUES list (column1… on
        both engines), the values cast to the columns' types."""
        combos = self._keys(numbered, columns, nulls=True)
        if not combos:
            return
        quote = self.conn.dialect.identifier_preparer.quote
        types = [c.type.compile(dialect=self.conn.dialect) for c in columns]
        params, rows_sql = {}, []
        for i, (combo, number) in enumerate(combos.items()):
            params[f"n{i}"] = number
            cells = [f"CAST(:n{i} AS INTEGER)"]
            for j, value in enumerate(combo):
                params[f"v{i}_{j}"] = value
                cells.append(f"CAST(:v{i}_{j} AS {types[j]})")
            rows_sql.append(f"({', '.join(cells)})")
        named = ", ".join(f"column{j + 2} AS {quote(c.name)}" for j, c in enumerate(columns))
        query = text(
            f"SELECT n FROM (SELECT column1 AS n, {named} FROM (VALUES {', '.join(rows_sql)}) AS raw) AS v "
            f"WHERE NOT ({sql}) ORDER BY n LIMIT 1"
        )
        failed = self.conn.execute(query, params).scalar()
        if failed is not None:
            values = next(combo for combo, number in combos.items() if number == failed)
            shown = ", ".join(f"{c.name} = {preview(v)}" for c, v in zip(columns, values, strict=False))
            raise self._refuse(failed, columns, f"{shown} breaks the rule {sql}")
