"""The benchmark suite must keep running: bench/run.py --smoke end to end (seconds of load on
small data). No speed thresholds here — speed is read from the table, not asserted."""
import subprocess
import sys

import pytest

from .servers import ROOT

FIGURES = (
    "SQL statements: home", "SQL statements: library p1", "SQL statements: history p1", "SQL statements: lottery",
    "SQL statements constant at any page depth", "bare WSGI baseline", "/health vs bare WSGI",
    "home page vs bare WSGI", "library p1 vs bare WSGI", "vs library p1", "summed PSS", "RSS of one worker",
    "worker recycling off", "viewers polling a lottery", "qBittorrent blackholed vs off",
    "worker timeouts with qBittorrent blackholed", "concurrent draws", "process start → first 200 on /health",
    "draw commit → Telegram message", "lottery page vs bare WSGI", "poll page vs bare WSGI", "history p1 vs bare WSGI",
    "/stats vs bare WSGI", "SQL statements: poll", "SQL statements: stats", "first visits to a lottery page together",
    "night page vs bare WSGI", "SQL statements: night", "SQL statements: nights",
)


@pytest.mark.slow
def test_smoke_run_prints_every_figure():
    run = subprocess.run([sys.executable, "bench/run.py", "--smoke"], cwd=ROOT, capture_output=True, text=True,
                         timeout=280)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    table = run.stdout[run.stdout.index("| figure |"):]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for figure in FIGURES:
        assert any(figure in row for row in rows), f"{figure!r} missing from:\n{table}"
    assert "20 winners announced, 0 failed" in table
