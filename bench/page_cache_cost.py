"""What a page served from the cache costs in-process, and what the per-visitor CSRF token adds.

    .venv/bin/python bench/page_cache_cost.py [--requests 2000]

For each page: CPU microseconds per request through the Flask test client (a visitor's cookies
replayed) — rendered (no cache), from the cache with the visitor's token substituted (as built),
and from the cache with the substitution skipped, which is the most the other design (the token
out of the HTML, filled in by a script) could save. Plus the substitution alone (generate_csrf
and bytes.replace). CPU time, so the machine's load moves it little; ratios within one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import update  # noqa: E402

from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.load import percentile  # noqa: E402
from movie_lottery.models import Film  # noqa: E402
from movie_lottery import page_cache  # noqa: E402
from movie_lottery.extensions import db  # noqa: E402
from tests.helpers import build_app  # noqa: E402


def per_request_us(client, path: str, count: int) -> float:
    client.get(path)
    started = time.process_time()
    for _ in range(count):
        client.get(path)
    return (time.process_time() - started) / count * 1e6


def announcement_trip(writer, freshness, writes: int = 50) -> str:
    """From COMMIT returning in one process to another process's listener starting a new
    generation: how long a visitor other than the writer could still be shown the older page."""
    trips = []
    with writer.app_context():
        for index in range(writes):
            generation = freshness.generation
            db.session.execute(update(Film).where(Film.id == 1).values(title=f"Фильм {index}"))
            db.session.commit()
            committed = time.monotonic()
            assert freshness.wait_for_generation_after(generation, 10)
            trips.append(time.monotonic() - committed)
    return f"p50 {percentile(trips, 0.5) * 1000:.2f} ms, p99 {percentile(trips, 0.99) * 1000:.2f} ms ({writes} writes)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with throwaway_database() as url:
        data = fill(url, 300, 60)
        paths = {
            "home": "/",
            "library p1": "/library",
            "history p1": "/history",
            "lottery": f"/l/{data.sample_lottery}",
            "poll": f"/p/{data.sample_poll}",
            "stats": "/stats",
        }
        plain, cached = build_app(url, APP_ENV="testing"), build_app(url, APP_ENV="testing")
        page_cache.start(cached)
        cache = cached.extensions["page_cache"]
        assert cache.freshness.wait_trusted(10)
        print(
            "| page | rendered (µs) | cached, token substituted (µs) | cached, no substitution (µs) | substitution share |"
        )
        print("|---|---:|---:|---:|---:|")
        for name, path in paths.items():
            rendered = per_request_us(plain.test_client(), path, max(args.requests // 10, 50))
            client = cached.test_client()
            client.get(path)
            substituted = per_request_us(client, path, args.requests)
            with mock.patch.object(
                page_cache.PageCache, "respond", lambda self, page: cached.response_class(page.body, 200, page.headers)
            ):
                bare_hit = per_request_us(client, path, args.requests)
            print(
                f"| {name} | {rendered:.0f} | {substituted:.0f} | {bare_hit:.0f} | "
                f"{(substituted - bare_hit) / substituted:.0%} |"
            )
        body = next(iter(cache.store._pages.values())).body
        with cached.test_request_context("/"):
            started = time.process_time()
            for _ in range(args.requests):
                body.replace(cache.placeholder.encode(), b"x" * 91)
            replace_us = (time.process_time() - started) / args.requests * 1e6
        print(f"\nbytes.replace of the placeholder in a {len(body) / 1024:.0f} kB page: {replace_us:.1f} µs")
        print(f"a committed write → heard by a listening process: {announcement_trip(plain, cache.freshness)}")
        cache.freshness.stop()
        for app in (plain, cached):
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
