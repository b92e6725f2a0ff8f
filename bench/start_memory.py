"""Summed PSS (master + 2 workers) of the floor and the site, each started by the same gunicorn
command, after every page has been served a few times; ``--before``: an older checkout of the
site measured alongside. Rounds are interleaved; medians printed.

    .venv/bin/python bench/start_memory.py [--rounds 3] [--before /path/to/older/checkout]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import cold_start, scenarios  # noqa: E402
from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.load import children, median, service_memory  # noqa: E402
from bench.scenarios import site_env  # noqa: E402
from tests.servers import ROOT, Gunicorn  # noqa: E402

VIEWS = 20  # of each page, spread over the workers by new connections


def settled_pss(
    env: dict[str, str],
    app: str,
    paths: list[str],
    workdir: Path,
    root: Path = ROOT,
    start: Callable[[Callable[[], Gunicorn]], Gunicorn] = lambda launch: launch(),
) -> tuple[float, int]:
    """(summed PSS in MB, worker processes) once each page was served VIEWS times; ``start``
    launches the server (burst.CpuGroup.start: inside a CPU-limited cgroup)."""
    server = start(lambda: Gunicorn(env, workdir / f"{app}.log", app=app, root=root))
    try:
        server.wait_healthy(timeout=120)
        for path in paths:
            for _ in range(VIEWS):
                requests.get(server.url + path, timeout=60).raise_for_status()
        return service_memory(server.process.pid)[0], len(children(server.process.pid))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args()
    cold_start.build()
    if args.before:
        cold_start.build(args.before)
    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        data = fill(url, 1_000, 200)
        pages = list(scenarios.page_paths(url, data.sample_lottery, data.sample_poll, 3, 2, data.sample_night).values())
        env = site_env(url)
        sites = {
            "floor": (cold_start.FLOOR_APP, ["/health"], ROOT),
            "movie_lottery": ("wsgi:app", ["/health", *pages], ROOT),
        }
        if args.before:
            sites["before"] = ("wsgi:app", ["/health", *pages], args.before)
        results: dict[str, list[float]] = {name: [] for name in sites}
        for _ in range(args.rounds):
            for name, (app, paths, root) in sites.items():
                results[name].append(settled_pss(env, app, paths, Path(tmp), root)[0])
    floor = median(results["floor"])
    for name, values in results.items():
        print(
            f"{name:14} summed PSS median {median(values):.1f} MB  ({', '.join(f'{v:.1f}' for v in values)}), "
            f"{median(values) / floor:.2f}× the floor"
        )


if __name__ == "__main__":
    main()
