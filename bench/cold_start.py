"""Cold start: seconds from launching gunicorn (as render.yaml does) to the first /health 200.

Baseline, measured in the same run: a bare Flask app under the same gunicorn command.
Prints both and the ratio. Target: the site's cold start stays well under one second.

    .venv/bin/python bench/cold_start.py [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import ROOT, free_port  # noqa: E402

BARE_APP = "from flask import Flask\napp = Flask(__name__)\n@app.get('/health')\ndef health():\n    return {'status': 'ok'}\n"


def time_to_health(module: str, cwd: Path, env: dict[str, str]) -> float:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn_config.py"), "--bind", f"127.0.0.1:{port}", module]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                time.sleep(0.01)
        raise RuntimeError(f"{module} did not become healthy")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    (workdir / "bare.py").write_text(BARE_APP)
    env = {"WEB_CONCURRENCY": "2", "DATABASE_URL": f"sqlite:///{workdir}/bench.db", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    ours, bare = [], []
    for _ in range(args.runs):
        bare.append(time_to_health("bare:app", workdir, env))
        ours.append(time_to_health("wsgi:app", ROOT, env))
    shutil.rmtree(workdir)
    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    print(f"baseline (bare Flask)  median {bare_median:.3f}s  runs {[round(x, 3) for x in bare]}")
    print(f"movie_lottery          median {ours_median:.3f}s  runs {[round(x, 3) for x in ours]}")
    print(f"ratio movie_lottery/baseline = {ours_median / bare_median:.2f}  (target: absolute < 1.0s: {'OK' if ours_median < 1 else 'MISSED'})")


if __name__ == "__main__":
    main()
