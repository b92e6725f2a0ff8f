"""The measurements of bench/run.py, one function each. Every figure is taken against a
baseline in the same run; repeated measurements interleave the baseline with the site."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Lottery, LotteryEntry, Notification
from tests.helpers import ADMIN_TOKEN, QueryCounter, build_app

from .load import WrkResult, percentile, wrk

NEXT_LINK = re.compile(r'href="([^"]+cursor=[^"]+)">[^<]*»')
LOTTERY_POLL_SECONDS = 3.0  # static/lottery.js POLL_MS
VIEWERS = 50
WORKERS = 2  # gunicorn workers of the measured services, as render.yaml's starter plan ran them


def site_env(url: str, **extra: str) -> dict[str, str]:
    """What render.yaml gives the web service (integrations off unless ``extra`` sets them)."""
    return {
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "INFO",
        "ADMIN_API_TOKEN": ADMIN_TOKEN,
        "ADMIN_PASSWORD": "bench-password",
        **extra,
    }


def interleaved(rounds: int, runs: dict[str, Callable[[], WrkResult]]) -> dict[str, list[WrkResult]]:
    """Each run once per round, in turn, so noise from the shared machine hits all alike."""
    results: dict[str, list[WrkResult]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            results[name].append(run())
    return results


def deep_page(client, path: str, depth: int) -> str:
    """The URL of page ``depth`` (1-based), following the pages' own 'next' links."""
    url = path
    for _ in range(depth - 1):
        match = NEXT_LINK.search(client.get(url).get_data(as_text=True))
        if not match:
            raise RuntimeError(f"{path} has fewer than {depth} pages")
        url = match.group(1).replace("&amp;", "&")
    return url


def page_paths(
    url: str, sample_lottery: str, sample_poll: str, library_depth: int, history_depth: int, sample_night: str
) -> dict[str, str]:
    app = build_app(url)
    client = app.test_client()
    paths = {
        "home": "/",
        "library p1": "/library",
        f"library p{library_depth}": deep_page(client, "/library", library_depth),
        "history p1": "/history",
        f"history p{history_depth}": deep_page(client, "/history", history_depth),
        "lottery": f"/l/{sample_lottery}",
        "poll": f"/p/{sample_poll}",
        "stats": "/stats",
        "night": f"/n/{sample_night}",
        "nights": "/nights",
        "film": film_path(app),
    }
    with app.app_context():
        db.engine.dispose()
    return paths


def film_path(app) -> str:
    """The film page of a film that was in lotteries (its history lists them)."""
    with app.app_context():
        film_id = db.session.scalar(select(LotteryEntry.film_id).where(LotteryEntry.film_id.is_not(None)).limit(1))
    return f"/films/{film_id}"


def sql_per_page(url: str, paths: dict[str, str]) -> dict[str, int]:
    """SQL statements one request of each page runs (after a warm-up request)."""
    app = build_app(url)
    client = app.test_client()
    counts = {}
    with app.app_context():
        engine = db.engine
    for name, path in paths.items():
        client.get(path)
        with QueryCounter(engine) as counter:
            status = client.get(path).status_code
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        counts[name] = counter.count
    with app.app_context():
        db.engine.dispose()
    return counts


def poll_cost(base_url: str, lottery_api_path: str, seconds: float, rounds: int, workers: int) -> dict[str, float]:
    """What 50 viewers polling a lottery cost: their request rate over one worker's capacity
    for that request, as a plain GET and as the conditional GET the page sends (ETag)."""
    url = base_url + lottery_api_path
    etag = requests.get(url, timeout=10).headers.get("ETag")
    runs = {"plain": lambda: wrk(url, seconds)}
    if etag:
        runs["conditional"] = lambda: wrk(url, seconds, headers={"If-None-Match": etag})
    results = interleaved(rounds, runs)
    rate = VIEWERS / LOTTERY_POLL_SECONDS
    return {name: rate / (statistics.median(r.rps for r in rs) / workers) for name, rs in results.items()}


def concurrent_draws(base_url: str, url: str, public_ids: list[str], requests_total: int = 200) -> dict[str, float]:
    """requests_total POSTs spread over the lotteries, all at once; checks one winner each."""
    barrier = threading.Barrier(requests_total)
    targets = [public_ids[i % len(public_ids)] for i in range(requests_total)]

    def one(public_id: str) -> tuple[str, int, float, int | None]:
        session = requests.Session()
        barrier.wait(timeout=60)
        started = time.monotonic()
        response = session.post(f"{base_url}/api/lotteries/{public_id}/draw", timeout=60)
        elapsed = time.monotonic() - started
        winner = response.json()["winner"]["position"] if response.status_code == 200 else None
        return public_id, response.status_code, elapsed, winner

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=requests_total) as pool:
        results = list(pool.map(one, targets))
    wall = time.monotonic() - started
    winners: dict[str, set] = {}
    for public_id, _status, _elapsed, winner in results:
        winners.setdefault(public_id, set()).add(winner)
    app = build_app(url)
    with app.app_context():
        drawn = db.session.scalar(
            select(func.count()).where(Lottery.public_id.in_(public_ids), Lottery.drawn_at.is_not(None))
        )
        announced = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "lottery_drawn", Notification.payload["public_id"].as_string().in_(public_ids))
        )
        db.engine.dispose()
    failed = sum(1 for r in results if r[1] != 200)
    # Every answer that named a winner named the same one (a request refused under overload names none).
    consistent = all(len(positions - {None}) == 1 for positions in winners.values())
    return {
        "throughput": requests_total / wall,
        "p99": percentile([r[2] for r in results], 0.99),
        "drawn": drawn,
        "announced": announced,
        "failed": failed,
        "consistent": consistent,
    }


class AdminPollers:
    """A few admins' library pages polling /api/torrents (what static/torrents.js does)."""

    def __init__(self, base_url: str, count: int = 4, interval: float = 0.5):
        self.base_url, self.interval = base_url, interval
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def _run(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        while not self._stop.is_set():
            try:
                session.get(self.base_url + "/api/torrents", timeout=30)
            except requests.RequestException:
                pass
            self._stop.wait(self.interval)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)
