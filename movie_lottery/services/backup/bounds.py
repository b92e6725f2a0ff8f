"""Size bounds applied to the backup file's bytes before the JSON parser sees them.

ijson hands over a string only once it has read all of it, so a forged 100 MB value would be
read into memory whole (several times over) before anything could refuse it. ``BoundedStream``
sits between the file and the parser and follows the JSON lexically — inside or outside a
string, the nesting depth — so it refuses a string, a number or a nesting over its bound after
reading at most that much of it, and a unit of the document (the header, a table's name and
columns, a row: the reader marks where each starts) over MAX_UNIT_BYTES.
"""

from __future__ import annotations

import io

import re
from typing import BinaryIO

from ..torrents.magnets import MAX_TORRENT_BYTES

MIB = 1024 * 1024
# The largest value the site stores is a .torrent (MAX_TORRENT_BYTES, 2 MiB: 2.7 MiB in base64);
# every other value came through a request of at most 4 MiB.
MAX_VALUE_BYTES = max(4 * MIB, (MAX_TORRENT_BYTES + 2) // 3 * 4 + 64 * 1024)
MAX_UNIT_BYTES = 2 * MAX_VALUE_BYTES  # a row, the header, a table's name and columns
MAX_NUMBER_BYTES = 64  # an id, a year, a float: far shorter
MAX_DEPTH = 32  # the document, tables, a table, rows, a row, then the value's own JSON
READ_BYTES = 64 * 1024

_STRING_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)  # up to the closing quote or a final backslash
_STRUCTURE = re.compile(rb'["\[\]{}]')
_SCALAR_CHARS = rb'[^\s,:"\[\]{}]'
_LONG_SCALAR = re.compile(_SCALAR_CHARS + rb"{%d,}" % (MAX_NUMBER_BYTES + 1))
_LEADING_SCALAR = re.compile(_SCALAR_CHARS + rb"*")
_TRAILING_SCALAR = re.compile(_SCALAR_CHARS + rb"*\Z")


def _matched(match: re.Match[bytes] | None) -> re.Match[bytes]:
    """These patterns match the empty string, so they always match."""
    assert match is not None
    return match


class OverBound(ValueError):
    """Part of the file is over its bound; ``what`` says which bound, as a sentence's end."""

    def __init__(self, what: str, *, unit: bool = False):
        super().__init__(what)
        self.what, self.unit = what, unit  # unit: the bound of a whole row, not of one value


def mib(size: int) -> str:
    return f"{size / MIB:g} MiB"


class BoundedStream:
    """A binary file's read() passed through, refusing (OverBound) what is over a bound."""

    def __init__(self, raw: BinaryIO | io.BufferedIOBase):
        self.raw = raw
        self.position = 0  # bytes handed to the parser so far
        self.unit_start = 0
        self._in_string = False
        self._escaped = False  # a backslash ended the last chunk inside a string
        self._string_bytes = 0
        self._scalar_bytes = 0  # the number or literal running on at the end of the last chunk
        self._depth = 0
        self._pending: OverBound | None = None

    def mark(self) -> None:
        """A unit of the document starts here (roughly: the parser reads ahead one chunk)."""
        self.unit_start = self.position

    def read(self, size: int = -1) -> bytes:
        if self._pending is not None:
            raise self._pending
        if size == 0:  # ijson asks for nothing first, to see whether the file gives bytes or text
            return b""
        data = self.raw.read(READ_BYTES if size is None or size < 0 else min(size, READ_BYTES))
        if not data:
            return data
        try:
            self._scan(data)
        except _Stop as stop:
            # Hand over what comes before the offending token first, so the parser reports
            # every value before it (the reader names the row and column from them).
            self._pending = stop.error
            data = data[: stop.at]
            if not data:
                raise stop.error from None
        self.position += len(data)
        if self.position - self.unit_start > MAX_UNIT_BYTES + READ_BYTES and self._pending is None:
            raise OverBound(f"over {mib(MAX_UNIT_BYTES)} of the file, the most a row may take", unit=True)
        return data

    def _scan(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while pos < end:
            if self._in_string:
                pos = self._scan_string(data, pos)
                continue
            found = _STRUCTURE.search(data, pos)
            stop = found.start() if found else end
            self._scan_scalars(data, pos, stop)
            if found is None:
                return
            char = data[stop]
            if char == 0x22:  # "
                self._in_string, self._string_bytes = True, 0
            elif char in (0x5B, 0x7B):  # [ {
                self._depth += 1
                if self._depth > MAX_DEPTH:
                    raise _Stop(stop, OverBound(f"JSON nested deeper than {MAX_DEPTH} levels"))
            else:
                self._depth -= 1
            self._scalar_bytes = 0
            pos = stop + 1

    def _scan_string(self, data: bytes, pos: int) -> int:
        """From inside a string: where it ends in ``data`` (or the end of ``data``)."""
        end = len(data)
        if self._escaped:  # the character after a backslash that ended the last chunk
            self._escaped = False
            self._string_bytes += 1
            pos += 1
        stop = _matched(_STRING_BODY.match(data, pos)).end()
        self._string_bytes += stop - pos
        if self._string_bytes > MAX_VALUE_BYTES:
            # It began at least a bound's length ago, in an earlier chunk: refuse now.
            raise _Stop(0, OverBound(f"a value over {mib(MAX_VALUE_BYTES)}, the most a backup's value may hold"))
        if stop == end:
            return end
        if data[stop] == 0x22:  # "
            self._in_string = False
            return stop + 1
        self._escaped = True  # a backslash, the chunk's last byte
        self._string_bytes += 1
        return end

    def _scan_scalars(self, data: bytes, start: int, stop: int) -> None:
        """Numbers and literals between ``start`` and ``stop`` (no string or bracket there)."""
        leading = _matched(_LEADING_SCALAR.match(data, start, stop)).end() - start
        too_long = OverBound(f"a number over {MAX_NUMBER_BYTES} characters")
        if self._scalar_bytes + leading > MAX_NUMBER_BYTES:
            # Begun in an earlier chunk (handed over already) or here, at ``start``.
            raise _Stop(0 if self._scalar_bytes else start, too_long)
        long = _LONG_SCALAR.search(data, start + leading, stop)
        if long is not None:
            raise _Stop(long.start(), too_long)
        if leading == stop - start:
            self._scalar_bytes += leading
        else:
            self._scalar_bytes = len(_matched(_TRAILING_SCALAR.search(data, start, stop)).group())


class _Stop(Exception):
    def __init__(self, at: int, error: OverBound):
        super().__init__(error.what)
        self.at, self.error = at, error
