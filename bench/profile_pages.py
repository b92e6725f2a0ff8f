"""Where one page request spends its CPU: cProfile over repeated in-process requests.

    .venv/bin/python bench/profile_pages.py [PATH ...] [--requests 200] [--top 30] [--sort tottime]
    .venv/bin/python bench/profile_pages.py --no-profile [PATH ...]   # only the cost per request

The app is built with the settings render.yaml gives the web service, on a throwaway
Postgres database filled like bench/run.py's (smaller by default). Each path is requested
once to warm up, then ``--requests`` times under the profiler; the mean time per request
is printed with the profile, with the number of Python function calls per request: unlike
any time, that count does not move with the load of a shared machine, so it compares code
before and after a change exactly (it is a proxy for CPU work, not a measure of it).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.run import site_env  # noqa: E402
from movie_lottery import create_app  # noqa: E402
from movie_lottery.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=["/health", "/", "/library"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--films", type=int, default=2000)
    parser.add_argument("--lotteries", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    args = parser.parse_args()
    with throwaway_database() as url:
        fill(url, args.films, args.lotteries)
        app = create_app(site_env(url))
        client = app.test_client()
        for path in args.paths:
            if client.get(path).status_code != 200:
                raise SystemExit(f"{path} does not answer 200")
            profiler = cProfile.Profile()
            wall, cpu = time.perf_counter(), time.process_time()
            if args.profile:
                profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            wall, cpu = (time.perf_counter() - wall) / args.requests, (time.process_time() - cpu) / args.requests
            if args.profile:
                stats = pstats.Stats(profiler)
                calls = stats.total_calls / args.requests  # type: ignore[attr-defined]
                print(
                    f"=== {path}: {calls:.0f} function calls, {wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU "
                    "per request (under the profiler)",
                    flush=True,
                )
                stats.sort_stats(args.sort).print_stats(args.top)
            else:
                print(f"=== {path}: {wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU per request", flush=True)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
