"""The /stats page on a big history: 10 000 films, 2 000 lotteries, 200 members and 20 000
ratings on Postgres, served by the real gunicorn (as render.yaml starts it); with it the pages
the ratings made: a film's page (the most rated film), a member's page (the busiest rater) and
the library sorted by the group's rating.

Baseline, measured in the same run: /health on the same server. Prints the median and p90
latency of each over sequential requests, the ratio, the SQL statements each page runs, and
each stats query's plan time and whether it scans a whole table.

    .venv/bin/python bench/stats_page.py [--films 10000] [--lotteries 2000] [--members 200]
                                         [--ratings 20000] [--requests 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.dataset import fill, throwaway_database  # noqa: E402
from movie_lottery.extensions import db  # noqa: E402
from movie_lottery.models import FilmRating  # noqa: E402
from movie_lottery.services.library import stats  # noqa: E402
from movie_lottery.services.ratings import taste  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from tests.helpers import BASE_SETTINGS, build_app  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402


def spread_history(url: str) -> None:
    """The generated draws are old; move them over the last 18 months and fill a watchlist,
    so every chart of the page has data to aggregate."""
    app = build_app(url)
    with app.app_context():
        db.session.execute(
            text("UPDATE lotteries SET drawn_at = now() - (id % 540) * interval '1 day' WHERE drawn_at IS NOT NULL")
        )
        db.session.execute(
            text("UPDATE films SET watchlist_at = now() - (id % 300) * interval '1 day' WHERE id % 20 = 0")
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


def query_plans(url: str) -> list[tuple[str, float, bool]]:
    """(first words of the statement, execution ms, whole-table scan?) for each stats query."""
    app = build_app(url)
    statements: list[tuple[str, dict]] = []
    with app.app_context():

        def record(_conn, _cursor, statement, parameters, _context, _executemany):
            statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        with app.test_request_context():
            stats.collect(db.session)
            taste.collect(db.session)
        event.remove(db.engine, "before_cursor_execute", record)
        plans = []
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                plan = cursor.fetchone()[0][0]
                seq_scan = '"Seq Scan"' in str(plan).replace("'", '"')
                plans.append((" ".join(statement.split())[:70], plan["Execution Time"], seq_scan))
        finally:
            raw.close()
        db.engine.dispose()
    return plans


def busiest(url: str) -> tuple[int, int]:
    """The most rated film and the member with the most ratings: the pages' worst cases."""
    app = build_app(url)
    with app.app_context():
        film_id = db.session.scalar(
            select(FilmRating.film_id).group_by(FilmRating.film_id).order_by(func.count().desc()).limit(1)
        )
        member_id = db.session.scalar(
            select(FilmRating.member_id).group_by(FilmRating.member_id).order_by(func.count().desc()).limit(1)
        )
        db.engine.dispose()
    return film_id or 1, member_id or 1


def statement_counts(url: str, paths: list[str]) -> dict[str, int]:
    """SQL statements per page, steady state (each page requested once before counting)."""
    app = build_app(url)
    counts = {}
    with app.app_context():
        client = app.test_client()
        for path in paths:
            client.get(path)
            seen = []
            listener = lambda *_args: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            assert client.get(path).status_code == 200, path
            event.remove(db.engine, "before_cursor_execute", listener)
            counts[path] = len(seen)
        db.engine.dispose()
    return counts


def latencies(url: str, count: int) -> list[float]:
    session = requests.Session()
    session.get(url, timeout=30).raise_for_status()  # warm up
    out = []
    for _ in range(count):
        started = time.perf_counter()
        session.get(url, timeout=30).raise_for_status()
        out.append(time.perf_counter() - started)
    return out


def p90(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.9) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--lotteries", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--ratings", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    with throwaway_database() as url:
        fill(url, args.films, args.lotteries, members=args.members, ratings=args.ratings)
        spread_history(url)
        plans = query_plans(url)
        film_id, member_id = busiest(url)
        pages = {
            "/stats": "/stats",
            "film page": f"/films/{film_id}",
            "member page": f"/m/{member_id}",
            "library by group rating": "/library?sort=group",
            "/api/stats": "/api/stats",
        }
        counts = statement_counts(url, list(pages.values()))
        env = {**BASE_SETTINGS, "DATABASE_URL": url, "WEB_CONCURRENCY": "1", "LOG_LEVEL": "WARNING"}
        server = Gunicorn(env, Path(tempfile.mkdtemp()) / "gunicorn.log")
        try:
            server.wait_healthy(timeout=60)
            health = latencies(server.url + "/health", args.requests)
            timed = {name: latencies(server.url + path, args.requests) for name, path in pages.items()}
        finally:
            server.stop()
    print(
        f"data: {args.films} films, {args.lotteries} lotteries, {args.members} members, {args.ratings} ratings "
        f"(Postgres); {args.requests} sequential requests each"
    )
    print("| figure | value |")
    print("|---|---|")
    print(
        f"| /health median, p90 (baseline) | {statistics.median(health) * 1000:.1f} ms, {p90(health) * 1000:.1f} ms |"
    )
    for name, path in pages.items():
        page = timed[name]
        print(f"| {name} median, p90 | {statistics.median(page) * 1000:.1f} ms, {p90(page) * 1000:.1f} ms |")
        print(f"| {name} vs /health (median ratio) | {statistics.median(page) / statistics.median(health):.1f}× |")
        print(f"| SQL statements per {name} | {counts[path]} |")
    print(f"| stats queries (draws + taste) | {len(plans)} |")
    for statement, ms, seq_scan in plans:
        print(f"| `{statement}…` | {ms:.1f} ms{' (seq scan)' if seq_scan else ''} |")


if __name__ == "__main__":
    main()
