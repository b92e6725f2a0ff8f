"""Peak memory of `flask export` (and of `flask import`) on a big history against a small one:
the export is streamed, so its peak RSS must stay about flat as the data grows tenfold.

Both datasets are generated on throwaway Postgres databases (bench/dataset.py); each command
runs as its own process and reports its own peak RSS (VmHWM of /proc/self/status at exit —
not wait4's ru_maxrss, which Linux carries over from the parent across fork and exec and so
would report this script's own size). The baseline, measured in the same run, is the same
command on 1 000 films.

    .venv/bin/python bench/backup_memory.py [--films 10000] [--lotteries 2000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.dataset import fill, throwaway_database  # noqa: E402
from tests.helpers import BASE_SETTINGS  # noqa: E402


# `flask --app movie_lottery <args>`, printing the process's peak RSS (kB) on its way out.
LAUNCHER = """
import atexit, sys
def report():
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    sys.stderr.write("PEAK_RSS_KB " + peak.split()[1] + "\\n")
atexit.register(report)
from flask.cli import main
sys.argv = ["flask", "--app", "movie_lottery", *sys.argv[1:]]
main()
"""


def run(args: list[str], database_url: str) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of `flask --app movie_lottery <args>` as a child process."""
    env = {**os.environ, **BASE_SETTINGS, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=600,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    peak_kb = int(done.stderr.rsplit("PEAK_RSS_KB ", 1)[1].split()[0])
    return peak_kb / 1024, elapsed


def measure(films: int, lotteries: int, workdir: Path) -> dict:
    path = workdir / f"backup-{films}.json.gz"
    with throwaway_database() as url:
        fill(url, films, lotteries)
        export_rss, export_s = run(["export", str(path)], url)
    with throwaway_database() as url:
        import_rss, import_s = run(["import", str(path)], url)
    return {
        "films": films,
        "lotteries": lotteries,
        "size_mb": path.stat().st_size / 1024 / 1024,
        "export_rss": export_rss,
        "export_s": export_s,
        "import_rss": import_rss,
        "import_s": import_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--lotteries", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        small = measure(1_000, 200, Path(workdir))
        big = measure(args.films, args.lotteries, Path(workdir))
    print(f"{'data':<28}{'gzip file':>11}{'export RSS':>12}{'export s':>10}{'import RSS':>12}{'import s':>10}")
    for row in (small, big):
        print(
            f"{row['films']:>6} films {row['lotteries']:>5} lotteries  {row['size_mb']:>8.2f} MB"
            f"{row['export_rss']:>9.1f} MiB{row['export_s']:>10.1f}{row['import_rss']:>9.1f} MiB{row['import_s']:>10.1f}"
        )
    print(
        f"ratio (big / small): data x{big['size_mb'] / small['size_mb']:.1f}, "
        f"export peak RSS x{big['export_rss'] / small['export_rss']:.2f}, "
        f"import peak RSS x{big['import_rss'] / small['import_rss']:.2f}"
    )


if __name__ == "__main__":
    main()
