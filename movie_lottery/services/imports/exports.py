"""Reading a member's history exported from Letterboxd or IMDb, streamed row by row.

Letterboxd gives a .zip whose root holds ``watched.csv``, ``ratings.csv``, ``diary.csv`` and
``watchlist.csv`` (Date, Name, Year, Letterboxd URI; ratings and diary add Rating in half stars,
diary also Rewatch, Tags, Watched Date) beside files this import does not read (profile,
reviews, comments, likes/, lists/, deleted/…). IMDb gives ``ratings.csv`` with Const (the tt-id),
Your Rating (1–10), Date Rated, Title, Year and more. One of those CSV files may also be uploaded
alone.

Every row is checked while it streams (encoding, dates, ratings, years); the first bad row
refuses the whole file with its file name and row number, so an import writes nothing unless
the file reads through. A zip is read member by member with its declared and actual sizes
bounded, so a zip bomb is refused after a bounded amount of work.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, BinaryIO

LETTERBOXD_FILES = ("watched.csv", "diary.csv", "ratings.csv", "watchlist.csv")
LETTERBOXD_COLUMNS = {"Date", "Name", "Year", "Letterboxd URI"}
IMDB_COLUMNS = {"Const", "Your Rating", "Date Rated", "Title", "Year"}

MAX_ROWS = 20_000
MAX_FIELD = 1_000  # characters in one field we read (titles are far shorter)
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # one CSV inside the zip, uncompressed
MAX_RATIO = 200  # uncompressed / compressed for one zip member
MAX_ZIP_MEMBERS = 2_000
IMDB_ID = re.compile(r"tt\d{1,10}")


class ExportRefused(ValueError):
    """The file cannot be imported; ``code`` for the API, ``detail`` names the file and row."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ExportRow:
    row: int  # 1-based, counted over every file read, in the order read
    source: str  # "letterboxd/diary.csv", "imdb/ratings.csv"
    title: str
    year: int | None
    imdb_id: str | None = None
    seen: bool = False
    score: int | None = None  # on the site's 1–10 scale
    watchlist: bool = False
    watched_on: date | None = None


def letterboxd_score(stars: str) -> int | None:
    """Letterboxd's ½–5 stars as the site's 1–10: each half star is one point."""
    if not stars.strip():
        return None
    value = float(stars)
    points = value * 2
    if points != int(points) or not 1 <= points <= 10:
        raise ValueError(stars)
    return int(points)


def imdb_score(value: str) -> int | None:
    if not value.strip():
        return None
    score = int(value)
    if not 1 <= score <= 10:
        raise ValueError(value)
    return score


def read_export(stream: BinaryIO, filename: str) -> Iterator[ExportRow]:
    """The rows of an uploaded export (a Letterboxd .zip, or one CSV of either service).
    Raises ExportRefused at the first thing that is not such an export."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        yield from _read_letterboxd_zip(stream)
        return
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    counter = _RowCounter()
    yield from _read_csv(stream, name, counter)


class _RowCounter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        if self.n > MAX_ROWS:
            raise ExportRefused("too_many_rows", f"more than {MAX_ROWS} rows")
        return self.n


def _read_letterboxd_zip(stream: BinaryIO) -> Iterator[ExportRow]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ExportRefused("not_an_export", f"not a readable zip: {error}") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ExportRefused("not_an_export", f"the zip holds {len(members)} files")
        wanted = {m.filename: m for m in members if m.filename in LETTERBOXD_FILES}
        if not wanted:
            raise ExportRefused("not_an_export", "the zip has none of " + ", ".join(LETTERBOXD_FILES) + " at its root")
        counter = _RowCounter()
        for name in LETTERBOXD_FILES:  # watched first, watchlist last: the order rows are numbered in
            member = wanted.get(name)
            if member is None:
                continue
            if member.file_size > MAX_MEMBER_BYTES or member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise ExportRefused("zip_bomb", f"{name} unpacks to {member.file_size} bytes")
            try:
                with archive.open(member) as raw:
                    yield from _read_csv(_Bounded(raw, member.file_size, name), name, counter)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                raise ExportRefused("not_an_export", f"{name}: {error}") from None


class _Bounded(io.RawIOBase):
    """A zip member's stream that refuses to yield more than its declared size."""

    def __init__(self, raw: IO[bytes], limit: int, name: str):
        self.raw, self.left, self.name = raw, limit, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise ExportRefused("zip_bomb", f"{self.name} unpacks past its declared size")
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def _letterboxd_name(name: str) -> str | None:
    """Which Letterboxd file an uploaded CSV is, by its name ("watched.csv", "my-diary.csv")."""
    return next((known for known in LETTERBOXD_FILES if name.endswith(known)), None)


def _read_csv(binary, name: str, counter: _RowCounter) -> Iterator[ExportRow]:
    buffered = binary if hasattr(binary, "read1") else io.BufferedReader(binary)
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield from _read_rows(text, name, counter)
    finally:
        text.detach()  # closing the text layer would close the caller's upload


def _read_rows(text: io.TextIOWrapper, name: str, counter: _RowCounter) -> Iterator[ExportRow]:
    reader = csv.DictReader(text)
    try:
        columns = set(reader.fieldnames or ())
    except UnicodeDecodeError:
        raise ExportRefused("bad_encoding", f"{name} is not UTF-8 text") from None
    except csv.Error:
        raise ExportRefused("not_an_export", f"{name} is not a CSV file") from None
    if IMDB_COLUMNS <= columns:
        source, parse = "imdb/ratings.csv", _imdb_row
    elif LETTERBOXD_COLUMNS <= columns and (known := _letterboxd_name(name)):
        source, parse = f"letterboxd/{known}", _LETTERBOXD_PARSERS[known]
        if known in ("ratings.csv", "diary.csv") and "Rating" not in columns:
            raise ExportRefused("wrong_columns", f"{name} has no Rating column")
    elif LETTERBOXD_COLUMNS <= columns:
        raise ExportRefused(
            "wrong_columns", f"name the file as Letterboxd does ({', '.join(LETTERBOXD_FILES)}), not {name}"
        )
    else:
        raise ExportRefused(
            "wrong_columns", f"{name}: not a Letterboxd or IMDb export (columns: {', '.join(sorted(columns))[:200]})"
        )
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise ExportRefused("bad_encoding", f"{name}, after row {line}: not UTF-8") from None
        except csv.Error as error:
            raise ExportRefused("bad_row", f"{name}, row {line + 1}: {error}") from None
        line += 1
        if None in record or any(len(value) > MAX_FIELD for value in record.values() if isinstance(value, str)):
            raise ExportRefused("bad_row", f"{name}, row {line}: unexpected fields")
        try:
            yield parse(record, counter.next(), source)
        except ExportRefused:
            raise
        except (ValueError, TypeError) as error:
            raise ExportRefused("bad_row", f"{name}, row {line}: {error}") from None


def _year(value: str | None) -> int | None:
    if not value or not value.strip():
        return None
    year = int(value)
    if not 1870 <= year <= 2100:
        raise ValueError(f"year {value}")
    return year


def _date(value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    return date.fromisoformat(value.strip())


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise ValueError("no title")
    return title


def _letterboxd(record: dict, row: int, source: str, **marks) -> ExportRow:
    _date(record.get("Date"))  # checked: a broken date refuses the file
    return ExportRow(row=row, source=source, title=_title(record.get("Name")), year=_year(record.get("Year")), **marks)


_LETTERBOXD_PARSERS = {
    "watched.csv": lambda r, n, s: _letterboxd(r, n, s, seen=True),
    "watchlist.csv": lambda r, n, s: _letterboxd(r, n, s, watchlist=True),
    "ratings.csv": lambda r, n, s: _letterboxd(r, n, s, seen=True, score=letterboxd_score(r["Rating"] or "")),
    "diary.csv": lambda r, n, s: _letterboxd(
        r, n, s, seen=True, score=letterboxd_score(r["Rating"] or ""), watched_on=_date(r.get("Watched Date"))
    ),
}


def _imdb_row(record: dict, row: int, source: str) -> ExportRow:
    imdb_id = (record.get("Const") or "").strip()
    if not IMDB_ID.fullmatch(imdb_id):
        raise ValueError(f"Const {imdb_id!r} is not an IMDb id")
    rated_on = _date(record.get("Date Rated"))
    return ExportRow(
        row=row,
        source=source,
        title=_title(record.get("Title")),
        year=_year(record.get("Year")),
        imdb_id=imdb_id,
        seen=True,
        score=imdb_score(record.get("Your Rating") or ""),
        watched_on=rated_on,
    )
