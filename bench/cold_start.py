"""Cold start: seconds from launching gunicorn (as render.yaml does) to the first /health 200.

Baselines, measured in the same run and interleaved: the bare WSGI app (bench/bare_wsgi.py)
and the floor (bench/floor_app.py: Flask + Flask-SQLAlchemy with psycopg, one route) under the
same gunicorn command. Part of bench/run.py; also runs on its own:

    .venv/bin/python bench/cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import children, median  # noqa: E402
from tests.servers import ROOT, Gunicorn  # noqa: E402

BARE_APP = "bench.bare_wsgi:app"
FLOOR_APP = "bench.floor_app:app"
POLL_SECONDS = 0.005


def build(root: Path = ROOT) -> None:
    """What render.yaml's build does before any start: compile the bytecode (this machine sets
    PYTHONDONTWRITEBYTECODE, so without it every start would compile the app from source)."""
    for directory in {root, ROOT}:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "movie_lottery", "wsgi.py", "bench"],
            cwd=directory,
            check=True,
            capture_output=True,
            timeout=300,
        )


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def time_to_health(
    env: dict[str, str], app: str, workdir: Path, root: Path = ROOT, timeout: float = 60
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of master + workers) from launch to the first /health 200.
    The CPU figure is what a shared machine's load barely moves."""
    started = time.monotonic()
    server = Gunicorn(env, workdir / "cold_start.log", app=app, root=root)
    try:
        while not healthy(server.port):
            if server.process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"{app} did not start:\n{server.log()}")
            time.sleep(POLL_SECONDS)
        wall = time.monotonic() - started
        return wall, sum(cpu_seconds(pid) for pid in [server.process.pid, *children(server.process.pid)])
    finally:
        server.stop()


def measure(env: dict[str, str], runs: int, root: Path = ROOT, before: Path | None = None) -> tuple[list, ...]:
    """(bare, floor, site[, before]): lists of (wall seconds, CPU seconds), one of each per run,
    interleaved; ``before``: another checkout of the site (an older commit), measured alongside."""
    bare, floor, ours, older = [], [], [], []
    build(root)
    if before is not None:
        build(before)
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(runs):
            bare.append(time_to_health(env, BARE_APP, Path(workdir)))
            floor.append(time_to_health(env, FLOOR_APP, Path(workdir)))
            ours.append(time_to_health(env, "wsgi:app", Path(workdir), root))
            if before is not None:
                older.append(time_to_health(env, "wsgi:app", Path(workdir), before))
    return (bare, floor, ours, older) if before is not None else (bare, floor, ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="postgresql://… (default: a SQLite file)")
    parser.add_argument(
        "--before", type=Path, help="also measure this checkout of the site (e.g. an exported older commit)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            "WEB_CONCURRENCY": "2",
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.db",
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
        }
        measured = measure(env, args.runs, before=args.before)
    names = ("bare WSGI", "floor", "movie_lottery", "before")
    for name, runs in zip(names, measured):
        print(
            f"{name:14} wall median {median([r[0] for r in runs]):.3f}s  CPU median {median([r[1] for r in runs]):.3f}s"
        )
    floor = measured[1]
    for name, runs in zip(names[2:], measured[2:]):
        for index, what in ((0, "wall"), (1, "CPU")):
            ratio = median([r[index] for r in runs]) / median([r[index] for r in floor])
            print(f"{name} / floor, {what}: {ratio:.2f}  (target ≤ 1.3)")


if __name__ == "__main__":
    main()
