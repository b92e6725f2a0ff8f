"""Import validation, the same on SQLite and Postgres: what one engine would take and the other
refuse (orphan references, over-long text, out-of-range integers, NUL characters) is refused by
the import on both, with one line naming the table, the row, the column and why — and nothing
is written. Values are bounded in size while the file streams in, so a forged 100 MB value
neither fills the memory nor reaches the database."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from . import backup_data
from .helpers import BASE_SETTINGS
from .servers import ROOT

MIB = 1024 * 1024


def cell(document: dict, table: str, row: int, column: str, value=None, *, drop: bool = False) -> dict:
    """The document with one cell changed (or one column left out of the table)."""
    found = next(t for t in document["tables"] if t["name"] == table)
    index = found["columns"].index(column)
    if drop:
        del found["columns"][index]
        for values in found["rows"]:
            del values[index]
    else:
        found["rows"][row][index] = value
    return document


# name -> (change the document, what the one line must say)
REFUSED = {
    "over-long title": (lambda d: cell(d, "films", 0, "title", "я" * 301),
                        "table films, row 1, column title: 301 characters, over the column's 300"),
    "orphan foreign key": (lambda d: cell(d, "lottery_entries", 1, "film_id", 999),
                           "table lottery_entries, row 2, column film_id: no row of films has id 999"),
    "orphan in another table": (lambda d: cell(d, "poll_votes", 0, "entry_id", 77),
                                "table poll_votes, row 1, column entry_id: no row of poll_entries has id 77"),
    "text for an integer": (lambda d: cell(d, "films", 0, "year", "1979"),
                            'table films, row 1, column year: "1979" is not an integer'),
    "integer out of range": (lambda d: cell(d, "films", 0, "year", 2 ** 40),
                             "table films, row 1, column year: 1099511627776 is out of the range of a 32-bit integer"),
    "null where a value is needed": (lambda d: cell(d, "films", 1, "title", None),
                                     "table films, row 2, column title: null, but the column needs a value"),
    "a needed column left out": (lambda d: cell(d, "lotteries", 0, "commitment", drop=True),
                                 "table lotteries, row 1, column commitment: missing, and the column needs a value"),
    "duplicate unique value": (lambda d: cell(d, "films", 1, "kinopoisk_id", 43911),
                               "table films, row 2, column kinopoisk_id: 43911 is also in row 1, and it must be unique"),
    "duplicate id": (lambda d: cell(d, "films", 1, "id", 1),
                     "table films, row 2, column id: 1 is also in row 1, and it must be unique"),
    "a CHECK constraint": (lambda d: cell(d, "lottery_entries", 0, "weight", 0),
                           "table lottery_entries, row 1, column weight: weight = 0 breaks the rule weight BETWEEN 1 AND 1000000"),
    "a bad timestamp": (lambda d: cell(d, "films", 0, "added_at", "yesterday"),
                        'table films, row 1, column added_at: "yesterday" is not a date and time in ISO 8601'),
    "a bad base64": (lambda d: cell(d, "lotteries", 0, "seed", "not base64!"),
                     'table lotteries, row 1, column seed: "not base64!" is not base64 data'),
    "binary too long": (lambda d: cell(d, "lotteries", 0, "seed", base64.b64encode(bytes(33)).decode()),
                        "table lotteries, row 1, column seed: 33 bytes, over the column's 32"),
    "a NUL character": (lambda d: cell(d, "films", 0, "description", "a\x00b"),
                        "table films, row 1, column description: contains a NUL character, which Postgres cannot store"),
    "a huge value": (lambda d: cell(d, "films", 0, "description", "ы" * (3 * MIB)),
                     "table films, row 1, column description: a value over 4 MiB, the most a backup's value may hold"),
    "a huge row": (lambda d: cell(cell(cell(d, "films", 0, "description", "ы" * (MIB * 15 // 8)), "films", 0, "magnet_uri",
                                       "ы" * (MIB * 15 // 8)), "films", 0, "similar", ["ы" * (MIB * 15 // 8)]),
                   "table films, row 1: over 8 MiB of the file, the most a row may take"),
    "a huge number": (lambda d: cell(d, "films", 0, "rating", int("9" * 80)),
                      "table films, row 1, column rating: a number over 64 characters"),
    "deep JSON": (lambda d: cell(d, "films", 0, "genres", json.loads("[" * 40 + "]" * 40)),
                  "table films, row 1, column genres: JSON nested deeper than 32 levels"),
    "format version 0": (lambda d: {**d, "version": 0},
                         "the backup's format version 0 is not one any version of the site wrote (they start at 1)"),
    "a version that is not a number": (lambda d: {**d, "version": "1"},
                                       "corrupt backup: its header has no version or schema"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_each_refusal_is_one_line_naming_where_and_why_and_writes_nothing(app, tmp_path, name):
    backup_data.fill(app)
    before = backup_data.export(app, tmp_path / "before.json")
    change, message = REFUSED[name]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(change(json.loads(before)), ensure_ascii=False))
    result = app.test_cli_runner().invoke(args=["import", str(path), "--replace"])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {message} (nothing was imported)\n"
    after = backup_data.export(app, tmp_path / "after.json")
    assert backup_data.without_export_time(after) == backup_data.without_export_time(before)


def test_the_untouched_document_still_imports(app, tmp_path):
    """The control for the table above: the same file unchanged goes in."""
    backup_data.fill(app)
    before = backup_data.export(app, tmp_path / "before.json")
    path = tmp_path / "same.json"
    path.write_text(json.dumps(json.loads(before), ensure_ascii=False))
    result = app.test_cli_runner().invoke(args=["import", str(path), "--replace"])
    assert result.exit_code == 0, result.output


# The peak RSS of this process (VmHWM; getrusage's ru_maxrss would carry the parent's over).
MEMORY_PROBE = """
import json, sys
from tests.helpers import build_app
from movie_lottery.extensions import db
from movie_lottery.services.backup import restore

def peak_kib():
    return int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1])

app = build_app(sys.argv[1])
with app.app_context():
    with restore.open_backup(sys.argv[2]) as stream:  # warm up: every module and code path loaded
        restore.restore(db.engine, db.metadata, stream, replace=True)
    baseline = peak_kib()
    try:
        with restore.open_backup(sys.argv[3]) as stream:
            restore.restore(db.engine, db.metadata, stream, replace=True)
        error = None
    except Exception as exc:
        error = str(exc)
    print(json.dumps({"grown_kib": peak_kib() - baseline, "error": error}))
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_100_mb_value_is_refused_in_bounded_memory(kind, tmp_path, request):
    from movie_lottery.dbsetup import upgrade_database

    from .helpers import build_app

    url = request.getfixturevalue("make_postgres_database")() if kind == "postgres" else f"sqlite:///{tmp_path}/m.db"
    app = build_app(url)
    upgrade_database(app)
    backup_data.fill(app)
    document = backup_data.export(app, tmp_path / "good.json")
    head, tail = document.split('"Зона & «комната»."', 1)
    big = tmp_path / "big.json"
    with open(big, "w", encoding="utf-8") as out:  # 100 MB of one description, written in pieces
        out.write(head + '"')
        for _ in range(50):
            out.write("ы" * MIB)
        out.write('"' + tail)
    assert big.stat().st_size > 100 * 1000 * 1000
    env = {**os.environ, **BASE_SETTINGS}
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, url, str(tmp_path / "good.json"), str(big)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    measured = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"peak memory grew by {measured['grown_kib'] / 1024:.1f} MiB")
    assert measured["grown_kib"] < 50 * 1024, measured
    assert measured["error"] == ("table films, row 1, column description: a value over 4 MiB, "
                                 "the most a backup's value may hold")


def test_the_value_bound_holds_the_largest_value_the_site_stores():
    from movie_lottery.services.backup import bounds
    from movie_lottery.services.magnets import MAX_TORRENT_BYTES

    assert len(base64.b64encode(bytes(MAX_TORRENT_BYTES))) < bounds.MAX_VALUE_BYTES
    assert bounds.MAX_UNIT_BYTES >= 2 * bounds.MAX_VALUE_BYTES
