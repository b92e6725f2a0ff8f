"""Cold start: seconds from launching gunicorn (as render.yaml does) to the first /health 200.

Baselines, measured in the same run and interleaved: the bare WSGI app (bench/bare_wsgi.py)
and the floor (bench/floor_app.py: Flask + Flask-SQLAlchemy with psycopg, one route) under the
same gunicorn command. Part of bench/run.py; also runs on its own:

    .venv/bin/python bench/cold_start.py [--runs 5]
"""
from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import median  # noqa: E402
from tests.servers import ROOT, Gunicorn  # noqa: E402

BARE_APP = "bench.bare_wsgi:app"
FLOOR_APP = "bench.floor_app:app"
POLL_SECONDS = 0.005


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def time_to_health(env: dict[str, str], app: str, workdir: Path, root: Path = ROOT, timeout: float = 60) -> float:
    started = time.monotonic()
    server = Gunicorn(env, workdir / "cold_start.log", app=app, root=root)
    try:
        while not healthy(server.port):
            if server.process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"{app} did not start:\n{server.log()}")
            time.sleep(POLL_SECONDS)
        return time.monotonic() - started
    finally:
        server.stop()


def measure(env: dict[str, str], runs: int, root: Path = ROOT) -> tuple[list[float], list[float], list[float]]:
    """(bare seconds, floor seconds, site seconds), one of each per run, interleaved."""
    bare, floor, ours = [], [], []
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(runs):
            bare.append(time_to_health(env, BARE_APP, Path(workdir)))
            floor.append(time_to_health(env, FLOOR_APP, Path(workdir)))
            ours.append(time_to_health(env, "wsgi:app", Path(workdir), root))
    return bare, floor, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="postgresql://… (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {"WEB_CONCURRENCY": "2", "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.db",
               "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
        bare, floor, ours = measure(env, args.runs)
    print(f"bare WSGI      median {median(bare):.3f}s  runs {[round(x, 3) for x in bare]}")
    print(f"floor          median {median(floor):.3f}s  runs {[round(x, 3) for x in floor]}")
    print(f"movie_lottery  median {median(ours):.3f}s  runs {[round(x, 3) for x in ours]}")
    print(f"movie_lottery / floor = {median(ours) / median(floor):.2f}  (target ≤ 1.3)")


if __name__ == "__main__":
    main()
