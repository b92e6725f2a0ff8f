"""Reads the backup document as a stream of ijson events — the header first, then each table's
rows lazily — through BoundedStream (bounds.py), and always knows where it is, so a refusal
names the table, the row and the column."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

import ijson

from .bounds import READ_BYTES, BoundedStream
from .codec import BackupError

MAX_UNIT_VALUES = 100_000  # JSON values in a row (a film's similar films are a few hundred)
_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


class Reader:
    def __init__(self, stream: BinaryIO | io.BufferedIOBase):
        self.stream = BoundedStream(stream)
        self.events = ijson.parse(self.stream, use_float=True, buf_size=READ_BYTES)
        self.has_tables = False
        self.table: str | None = None
        self.columns: list = []
        self.row = 0  # the row being read, from 1
        self._depth = 0  # inside the row being read
        self._items = 0  # of the row's values, begun so far

    def where(self, *, column: bool = True) -> str:
        """The part of the document being read, for an error message."""
        if self.table is None:
            return "the header"
        if not self.row:
            return f"table {self.table}"
        if not column:
            return f"table {self.table}, row {self.row}"
        index = self._items - 1 if self._depth > 1 else self._items
        name = self.columns[index] if 0 <= index < len(self.columns) and isinstance(self.columns[index], str) else None
        return f"table {self.table}, row {self.row}" + (f", column {name}" if name else "")

    def refuse(self, why: str, *, column: bool = True) -> BackupError:
        return BackupError(f"{self.where(column=column)}: {why}")

    def header(self) -> dict:
        """The fields before "tables" (unknown ones are skipped: a newer format may add some)."""
        header: dict = {}
        self.stream.mark()
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
                self.stream.mark()
            elif (prefix, event) == ("tables.item.name", "string"):
                name = value
                self.table, self.columns, self.row = name, [], 0
            elif (prefix, event) == ("tables.item.columns", "start_array"):
                columns = self.columns = self._build(event, value)
            elif (prefix, event) == ("tables.item.rows", "start_array"):
                if not isinstance(name, str) or not isinstance(columns, list):
                    raise BackupError("corrupt backup: a table's rows come before its name and columns")
                yield name, columns, self._rows()
                self.row = 0
            elif prefix.startswith("tables.item") and event != "map_key" and prefix != "tables.item":
                raise BackupError(f"corrupt backup: unexpected {prefix!r}")
        for _event in self.events:  # to the end: a file cut after the last table is caught too
            pass

    def _rows(self) -> Iterator[list]:
        for prefix, event, value in self.events:
            if event == "end_array" and prefix == "tables.item.rows":
                return
            self.row += 1
            self.stream.mark()
            row = self._build(event, value, row=True)
            if not isinstance(row, list) or len(row) != len(self.columns):
                raise BackupError(
                    f"table {self.table}, row {self.row}: {len(row) if isinstance(row, list) else 'no'} "
                    f"values for its {len(self.columns)} columns"
                )
            yield row

    def _build(self, event: str, value, *, row: bool = False):
        """The JSON value that starts with this event; a row's values are counted as they come."""
        builder = ijson.ObjectBuilder()
        builder.event(event, value)
        depth = 1 if event in _STARTS else 0
        self._depth, self._items, values = depth, 0, 0
        while depth:
            _prefix, event, value = next(self.events)
            if row and depth == 1 and event not in _ENDS:
                self._items += 1
                if self._items > len(self.columns):
                    raise BackupError(
                        f"table {self.table}, row {self.row}: more values than its {len(self.columns)} columns"
                    )
            values += 1
            if values > MAX_UNIT_VALUES:
                raise self.refuse(f"over {MAX_UNIT_VALUES} JSON values")
            builder.event(event, value)
            depth += event in _STARTS
            depth -= event in _ENDS
            self._depth = depth
        return builder.value
