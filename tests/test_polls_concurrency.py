"""Votes under real concurrency: the real gunicorn (two workers, as render.yaml starts it)
on the real Postgres. Every device is a signed voter cookie from its first visit, and its
own address (X-Forwarded-For through the one trusted proxy hop, as on Render), as phones on mobile data."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import PollVote

from .helpers import BASE_SETTINGS
from .servers import Gunicorn, running_gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def live_server(postgres_url, pg_app, tmp_path):  # pg_app empties the tables afterwards
    env = {**BASE_SETTINGS, "DATABASE_URL": postgres_url, "WEB_CONCURRENCY": "2", "TRUSTED_PROXY_HOPS": "1"}
    with running_gunicorn(env, tmp_path / "gunicorn.log") as server:
        yield server


def address(n: int) -> str:
    return f"10.{n // 250}.{n % 250}.7"


def new_device(server: Gunicorn, public_id: str, n: int) -> str:
    """The first visit to the poll page sets the signed voter cookie."""
    response = requests.get(f"{server.url}/p/{public_id}", headers={"X-Forwarded-For": address(n)}, timeout=30)
    response.raise_for_status()
    return response.cookies["voter"]


def create_poll(server: Gunicorn, n_films: int) -> dict:
    body = {"entries": [{"title": f"Film {i}"} for i in range(n_films)]}
    response = requests.post(server.url + "/api/polls", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def fire_together(calls: list) -> list[requests.Response]:
    """Run every call on its own thread, released at the same instant by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def vote_call(server: Gunicorn, public_id: str, cookie: str, n: int, entry_id: int):
    return lambda: requests.post(
        f"{server.url}/api/polls/{public_id}/vote",
        json={"entry_id": entry_id},
        headers={"Cookie": f"voter={cookie}", "X-Forwarded-For": address(n)},
        timeout=60,
    )


def test_two_hundred_concurrent_votes_from_different_devices_are_all_counted(live_server, pg_app):
    poll = create_poll(live_server, 5)
    entry_ids = [entry["id"] for entry in poll["entries"]]
    with ThreadPoolExecutor(max_workers=16) as pool:
        cookies = list(pool.map(lambda n: new_device(live_server, poll["id"], n), range(200)))
    assert len(set(cookies)) == 200
    choice = {n: entry_ids[(n * 7) % 5 if n % 3 else 0] for n in range(200)}  # uneven on purpose
    responses = fire_together([vote_call(live_server, poll["id"], cookies[n], n, choice[n]) for n in range(200)])
    assert Counter(r.status_code for r in responses) == {200: 200}, [r.text for r in responses if r.status_code != 200][
        :3
    ]
    expected = Counter(choice.values())
    final = requests.get(f"{live_server.url}/api/polls/{poll['id']}", timeout=10).json()
    assert final["total_votes"] == 200
    assert {e["id"]: e["votes"] for e in final["entries"]} == {i: expected[i] for i in entry_ids}
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PollVote)) == 200
    assert "WORKER TIMEOUT" not in live_server.log()


def test_one_device_voting_twice_at_the_same_moment_counts_once(live_server, pg_app):
    poll = create_poll(live_server, 3)
    entry_ids = [entry["id"] for entry in poll["entries"]]
    devices = 25
    cookies = [new_device(live_server, poll["id"], n) for n in range(devices)]
    # Every device sends two different votes at once (one to each gunicorn worker, likely).
    calls = [vote_call(live_server, poll["id"], cookies[n], n, entry_ids[k]) for n in range(devices) for k in (0, 1)]
    responses = fire_together(calls)
    assert {r.status_code for r in responses} == {200}, live_server.log()[-3000:]
    final = requests.get(f"{live_server.url}/api/polls/{poll['id']}", timeout=10).json()
    assert final["total_votes"] == devices
    with pg_app.app_context():
        rows = db.session.execute(select(PollVote.voter, PollVote.entry_id)).all()
    assert len(rows) == devices and len({voter for voter, _ in rows}) == devices
    assert {entry for _, entry in rows} <= set(entry_ids[:2])
    # Each device's answer to itself says which vote stood when that request committed.
    for n in range(devices):
        mine = requests.get(
            f"{live_server.url}/api/polls/{poll['id']}", headers={"Cookie": f"voter={cookies[n]}"}, timeout=10
        )
        assert mine.json()["my_vote"] in entry_ids[:2]
