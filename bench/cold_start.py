"""Cold start: seconds from launching gunicorn (as render.yaml does) to the first /health 200.

Baseline, measured in the same run and interleaved: the bare WSGI app (bench/bare_wsgi.py)
under the same gunicorn command. Part of bench/run.py; also runs on its own:

    .venv/bin/python bench/cold_start.py [--runs 5]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import median  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402

BARE_APP = "bench.bare_wsgi:app"


def time_to_health(env: dict[str, str], app: str, workdir: Path) -> float:
    server = Gunicorn(env, workdir / "cold_start.log", app=app)
    try:
        return server.wait_healthy(timeout=30)
    finally:
        server.stop()


def measure(env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """(bare seconds, site seconds), one of each per run, interleaved."""
    bare, ours = [], []
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(runs):
            bare.append(time_to_health(env, BARE_APP, Path(workdir)))
            ours.append(time_to_health(env, "wsgi:app", Path(workdir)))
    return bare, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {"WEB_CONCURRENCY": "2", "DATABASE_URL": f"sqlite:///{workdir}/bench.db", "SECRET_KEY": "bench",
               "LOG_LEVEL": "WARNING"}
        bare, ours = measure(env, args.runs)
    print(f"baseline (bare WSGI)  median {median(bare):.3f}s  runs {[round(x, 3) for x in bare]}")
    print(f"movie_lottery         median {median(ours):.3f}s  runs {[round(x, 3) for x in ours]}")
    print(f"ratio movie_lottery/baseline = {median(ours) / median(bare):.2f}  (target: absolute <= 0.4s)")


if __name__ == "__main__":
    main()
