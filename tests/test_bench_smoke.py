"""The benchmark suite must keep running: bench/run.py --smoke end to end (seconds of load on
small data). No speed thresholds here — speed is read from the table, not asserted — but the
figures that are facts, not speeds, must hold: a ✘ on any of them fails the test."""

import subprocess
import sys

import pytest

from .servers import ROOT

FIGURES = (
    "SQL statements: home",
    "SQL statements: library p1",
    "SQL statements: history p1",
    "SQL statements: lottery",
    "SQL statements constant at any page depth",
    "bare WSGI baseline",
    "/health vs bare WSGI",
    "home page vs bare WSGI",
    "library p1 vs bare WSGI",
    "vs library p1",
    "summed PSS",
    "RSS of one worker",
    "worker recycling off",
    "viewers polling a lottery",
    "qBittorrent blackholed vs off",
    "worker timeouts with qBittorrent blackholed",
    "concurrent draws",
    "process start → first 200 on /health",
    "draw commit → Telegram message",
    "lottery page vs bare WSGI",
    "poll page vs bare WSGI",
    "history p1 vs bare WSGI",
    "/stats vs bare WSGI",
    "SQL statements: poll",
    "SQL statements: stats",
    "first visits to a lottery page together",
    "night page vs bare WSGI",
    "SQL statements: night",
    "SQL statements: nights",
)
# Counts the machine's load cannot move: SQL statements per page and their constancy, gunicorn
# worker timeouts with qBittorrent blackholed, and exactly one consistent winner per lottery.
FACTS = ("SQL statements", "worker timeouts with qBittorrent blackholed", "concurrent draws")


def table_rows(stdout: str) -> list[list[str]]:
    table = stdout[stdout.index("| figure |") :]
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| figure |")
    ]


def is_fact(row: list[str]) -> bool:
    return any(fact in row[0] for fact in FACTS)


def failed_facts(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows if is_fact(row) and row[-1].endswith("✘")]


def test_failed_facts_are_found_in_a_table():
    stdout = (
        "noise\n| figure | measured | target |\n|---|---|---|\n"
        "| SQL statements: home | 2 | ≤ 3 ✔ |\n| home page vs bare WSGI | 4.0% | ≥ 25% ✘ |\n"
        "| worker timeouts with qBittorrent blackholed | 1 | 0 ✘ |\n"
        "| 200 concurrent draws over 20 lotteries | 20 winners announced, 3 failed | exactly 20 winners ✘ |\n"
    )
    assert [row[0] for row in failed_facts(table_rows(stdout))] == [
        "worker timeouts with qBittorrent blackholed",
        "200 concurrent draws over 20 lotteries",
    ]


@pytest.mark.slow
def test_smoke_run_prints_every_figure_and_every_fact_holds():
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=280
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = table_rows(run.stdout)
    for figure in FIGURES:
        assert any(figure in row[0] for row in rows), f"{figure!r} missing from:\n{rows}"
    facts = [row for row in rows if is_fact(row)]
    assert len(facts) >= 8 and all(row[-1].endswith(("✔", "✘")) for row in facts), facts
    assert any("concurrent draws" in row[0] for row in facts)
    assert failed_facts(rows) == [], "\n".join(" | ".join(row) for row in failed_facts(rows))
