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
from pathlib import Path

import pytest

from . import backup_data
from .helpers import BASE_SETTINGS
from .servers import ROOT

MIB = 1024 * 1024


CASES = {
    case["name"]: case for case in json.loads((Path(__file__).parent / "backup_refusals.json").read_text())["cases"]
}


def value(spec):
    """A case's value: {"repeat": s, "times": n} is s repeated n times (inside lists too)."""
    if isinstance(spec, dict) and set(spec) == {"repeat", "times"}:
        return spec["repeat"] * spec["times"]
    return [value(item) for item in spec] if isinstance(spec, list) else spec


def changed(document: dict, case: dict) -> dict:
    """The document with the case's change: cells set, a column left out, header fields set."""
    tables = {table["name"]: table for table in document["tables"]}
    for spec in case.get("cells", []):
        table = tables[spec["table"]]
        table["rows"][spec["row"]][table["columns"].index(spec["column"])] = value(spec["value"])
    if "drop" in case:
        table = tables[case["drop"]["table"]]
        index = table["columns"].index(case["drop"]["column"])
        for row in [table["columns"], *table["rows"]]:
            del row[index]
    return {**document, **case.get("header", {})}


@pytest.mark.parametrize("name", CASES)
def test_each_refusal_is_one_line_naming_where_and_why_and_writes_nothing(app, tmp_path, name):
    backup_data.fill(app)
    before = backup_data.export(app, tmp_path / "before.json")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(changed(json.loads(before), CASES[name]), ensure_ascii=False))
    result = app.test_cli_runner().invoke(args=["import", str(path), "--replace"])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {CASES[name]['says']} (nothing was imported)\n"
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
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, url, str(tmp_path / "good.json"), str(big)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr
    measured = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"peak memory grew by {measured['grown_kib'] / 1024:.1f} MiB")
    assert measured["grown_kib"] < 50 * 1024, measured
    assert measured["error"] == (
        "table films, row 1, column description: a value over 4 MiB, the most a backup's value may hold"
    )


def test_the_value_bound_holds_the_largest_value_the_site_stores():
    from movie_lottery.services.backup import bounds
    from movie_lottery.services.torrents.magnets import MAX_TORRENT_BYTES

    assert len(base64.b64encode(bytes(MAX_TORRENT_BYTES))) < bounds.MAX_VALUE_BYTES
    assert bounds.MAX_UNIT_BYTES >= 2 * bounds.MAX_VALUE_BYTES
