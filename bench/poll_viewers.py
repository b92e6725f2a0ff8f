"""50 phones watching a poll: what its live results cost one gunicorn worker.

    .venv/bin/python bench/poll_viewers.py [--phones 50] [--seconds 20]

One gunicorn worker (render.yaml's command, WEB_CONCURRENCY=1) on a throwaway Postgres.
Every phone polls the poll's JSON at the page's interval (static/poll.js: 3 s) with its own
voter cookie and If-None-Match; in some scenarios friends keep voting (a vote every 2 s, so
every phone's ETag is stale on nearly every poll: the worst case). Measured in the same run,
as ratios:

* the worker's CPU while the phones watch, against the same worker saturated by wrk
  (its capacity), and against its idle CPU;
* how many of the worker's threads are busy on average (Little's law: rate x latency);
* the same phones without ETags (every poll a full JSON answer), for comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dataset import throwaway_database  # noqa: E402
from bench.load import children, wrk  # noqa: E402
from movie_lottery.dbsetup import upgrade_database  # noqa: E402
from tests.helpers import build_app  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402

POLL_SECONDS = 3.0  # keep in step with POLL_MS in static/poll.js
# (label, If-None-Match?, seconds between votes or None)
SCENARIOS = (
    ("ETag, nobody voting", True, None),
    ("ETag, a vote every 2 s", True, 2.0),
    ("no ETag, nobody voting", False, None),
    ("no ETag, a vote every 2 s", False, 2.0),
)
THREADS = int(os.environ.get("GUNICORN_THREADS", "4"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pid: int, during) -> tuple[float, object]:
    """(CPU seconds of ``pid`` per wall second while ``during()`` runs, its result)."""
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    result = during()
    return (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0), result


def voter_cookie(page_url: str) -> str:
    """A new device's cookie from its first visit (read from the header: it is Secure in production)."""
    header = requests.get(page_url, timeout=10).headers["Set-Cookie"]
    return re.search(r"voter=([^;]+)", header).group(1)


def watch(
    url: str,
    cookies: list[str],
    seconds: float,
    use_etag: bool,
    vote_every: float | None,
    vote_url: str,
    entry_ids: list[int],
):
    """The phones (one thread each, jittered start) and a voter; returns (requests, 304s, latencies)."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    not_modified = [0]
    lock = threading.Lock()

    def phone(cookie: str) -> None:
        etag = None
        session = requests.Session()
        time.sleep(random.uniform(0, POLL_SECONDS))
        while time.monotonic() < stop:
            tick = time.monotonic()
            headers = {"Cookie": f"voter={cookie}", "Accept": "application/json"}
            if use_etag and etag:
                headers["If-None-Match"] = etag
            response = session.get(url, headers=headers, timeout=30)
            elapsed = time.monotonic() - tick
            if response.status_code == 200:
                etag = response.headers.get("ETag")
            with lock:
                latencies.append(elapsed)
                not_modified[0] += response.status_code == 304
            time.sleep(max(0.0, POLL_SECONDS - elapsed))

    def voter() -> None:
        rng = random.Random(7)
        while vote_every and time.monotonic() < stop:
            cookie = rng.choice(cookies)
            requests.post(
                vote_url, json={"entry_id": rng.choice(entry_ids)}, headers={"Cookie": f"voter={cookie}"}, timeout=30
            )
            time.sleep(vote_every)

    threads = [threading.Thread(target=phone, args=(c,)) for c in cookies] + [threading.Thread(target=voter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), not_modified[0], latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        upgrade_database(build_app(url))
        env = {
            "APP_ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
        }
        server = Gunicorn(env, Path(tmp) / "gunicorn.log")
        try:
            server.wait_healthy()
            worker = children(server.process.pid)[0]
            body = {
                "title": "bench",
                "entries": [{"title": f"Film {i}", "poster_url": f"https://img.example/{i}.jpg"} for i in range(10)],
            }
            poll = requests.post(server.url + "/api/polls", json=body, timeout=10).json()
            api_url = f"{server.url}/api/polls/{poll['id']}"
            vote_url = api_url + "/vote"
            entry_ids = [e["id"] for e in poll["entries"]]
            cookies = [voter_cookie(f"{server.url}/p/{poll['id']}") for _ in range(args.phones)]
            etag = requests.get(api_url, timeout=10).headers["ETag"]

            half = max(1, int(args.seconds / 2))
            idle, _ = cpu_share(worker, lambda: time.sleep(half))
            saturated_304, run_304 = cpu_share(
                worker, lambda: wrk(api_url, half, connections=8, headers={"If-None-Match": etag})
            )
            saturated_200, run_200 = cpu_share(worker, lambda: wrk(api_url, half, connections=8))
            watched = [
                (
                    label,
                    *cpu_share(
                        worker, lambda: watch(api_url, cookies, args.seconds, etags, every, vote_url, entry_ids)
                    ),
                )
                for label, etags, every in SCENARIOS
            ]
        finally:
            server.stop()

    print(f"one worker ({THREADS} threads), {os.cpu_count()} cores shared with whatever else runs here")
    print(f"  capacity, 304 answers:        {run_304.rps:8.0f} req/s at {saturated_304:.0%} of a core")
    print(f"  capacity, full JSON answers:  {run_200.rps:8.0f} req/s at {saturated_200:.0%} of a core")
    print(f"  idle worker:                  {idle:8.1%} of a core")
    print(
        f"{args.phones} phones polling every {POLL_SECONDS:.0f} s, {args.seconds:.0f} s per scenario "
        "(share of capacity = worker CPU / worker CPU when saturated with full answers):"
    )
    for label, cpu, (count, n304, latencies) in watched:
        rate = count / args.seconds
        busy = rate * statistics.mean(latencies)  # Little's law: threads busy on average
        print(
            f"  {label:26} {rate:5.1f} req/s, {n304 / count:4.0%} answered 304 | worker CPU {cpu:5.1%} of a core"
            f" = {cpu / saturated_200:5.1%} of its capacity | busy threads {busy:.2f} of {THREADS}"
            f" ({busy / THREADS:.0%}) | p50 {statistics.median(latencies) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
