"""Repeat views of chosen pages against the bare WSGI app only: one site, one bare app, wrk
runs interleaved over several rounds (medians), so the shared machine's noise hits all alike.
A quicker, steadier reading of the page figures than a full bench/run.py at high load.

    .venv/bin/python bench/focused_pages.py [--rounds 5] [--seconds 3] [lottery poll night ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import burst, cold_start, scenarios  # noqa: E402
from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.load import ensure_wrk, median, wrk  # noqa: E402
from bench.run import site_env  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "pages", nargs="*", default=["home", "library p1", "history p1", "lottery", "poll", "night", "film", "stats"]
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    ensure_wrk()
    cold_start.build()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        data = fill(url, 1_000, 200)
        paths = scenarios.page_paths(url, data.sample_lottery, data.sample_poll, 3, 2, data.sample_night)
        bare = Gunicorn(site_env(url), Path(tmp) / "bare.log", app=cold_start.BARE_APP)
        site = Gunicorn(site_env(url), Path(tmp) / "site.log")
        try:
            bare.wait_healthy()
            site.wait_healthy()
            runs = {"bare": lambda: wrk(bare.url + "/", args.seconds)}
            for name in args.pages:
                headers = {"Cookie": burst.visitor_cookie(site.url, paths[name])}
                runs[name] = lambda p=paths[name], h=headers: wrk(site.url + p, args.seconds, headers=h)
            results = scenarios.interleaved(args.rounds, runs)
        finally:
            site.stop()
            bare.stop()
    bare_rps = median([r.rps for r in results["bare"]])
    print(f"bare WSGI {bare_rps:.0f} req/s (median of {args.rounds} rounds of {args.seconds:g} s)")
    for name in args.pages:
        per_round = [r.rps / b.rps for r, b in zip(results[name], results["bare"])]
        bad = sum(r.non_2xx + r.errors for r in results[name])
        print(
            f"{name:12} {median([r.rps for r in results[name]]) / bare_rps:6.1%} of bare "
            f"(rounds {', '.join(f'{v:.0%}' for v in per_round)}; non-2xx/errors {bad})"
        )


if __name__ == "__main__":
    main()
