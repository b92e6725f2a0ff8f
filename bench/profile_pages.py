"""Where one page request spends its CPU: cProfile over repeated in-process requests.

    .venv/bin/python bench/profile_pages.py [PATH ...] [--requests 200] [--top 30] [--sort tottime]

The app is built with the settings render.yaml gives the web service, on a throwaway
Postgres database filled like bench/run.py's (smaller by default). Each path is requested
once to warm up, then ``--requests`` times under the profiler; the mean time per request
is printed with the profile, so a change can be compared before/after in the same session.
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
    args = parser.parse_args()
    with throwaway_database() as url:
        fill(url, args.films, args.lotteries)
        app = create_app(site_env(url))
        client = app.test_client()
        for path in args.paths:
            if client.get(path).status_code != 200:
                raise SystemExit(f"{path} does not answer 200")
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            elapsed = time.perf_counter() - started
            print(f"\n=== {path}: {elapsed / args.requests * 1000:.2f} ms per request (under the profiler)")
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
