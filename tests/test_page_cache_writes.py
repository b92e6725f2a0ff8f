"""Writes made outside any request reach the page caches of the web processes: a Telegram vote,
a rating press and a finished download (the real notifier worker process), `flask import` (the
real command, a process of its own), and a poll closing by itself (no write at all: the page's
own expiry). The site is real gunicorn with its page cache live, a process apart from the
writer, on the same Postgres database (tests/test_page_cache.py covers one process).

Each test reads a page until that process serves it from its cache, makes the write, waits
until the write is committed (the worker has answered the press, the command has exited), and
then the page must show it within the announcement's trip: a write that did not announce itself
would leave the cached page as it was, and the test would fail at the bound."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from movie_lottery.clients.qbittorrent import QbitClient
from movie_lottery.extensions import db
from movie_lottery.models import Film, Poll, utcnow

from .fakes.qbittorrent_nox import QbitProcess, make_completed_torrent
from .helpers import ADMIN_TOKEN, BASE_SETTINGS, build_app
from .servers import ROOT, running_gunicorn
from .test_notifier import fake_telegram, pg, wait_until, workers  # noqa: F401  (fixtures)
from .test_polls_telegram import announcement, create_poll, press
from .test_rating_requests import library_film, make_due, requests_sent, schedule_night
from .test_rating_requests import press as rate

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TRIP = 5.0  # seconds from a committed write to the pages of every process: a bound, never a delay


@pytest.fixture(scope="module")
def site(postgres_url, tmp_path_factory):
    """One gunicorn worker: a process of its own whose cache every read below goes through."""
    log = tmp_path_factory.mktemp("page_cache_writes") / "gunicorn.log"
    with running_gunicorn({**BASE_SETTINGS, "DATABASE_URL": postgres_url, "WEB_CONCURRENCY": "1"}, log) as server:
        yield server


def get(url: str) -> requests.Response:
    response = requests.get(url, timeout=10)  # no cookies: every read is the same first-time visitor
    assert response.status_code == 200, url
    return response


def cached(url: str) -> str:
    """The page once the site serves it from its cache (it renders on a first view)."""
    deadline = time.monotonic() + 20
    while (response := get(url)).headers.get("X-Page-Cache") != "hit":
        assert time.monotonic() < deadline, "never served from the cache: " + url
    return response.text


def shows(url: str, predicate) -> requests.Response:
    """The page as soon as it shows the write (predicate(its html, its response)), within TRIP of its commit."""
    deadline = time.monotonic() + TRIP
    while not predicate((response := get(url)).text, response):
        assert time.monotonic() < deadline, "a stale page outlived the write: " + url
    return response


def tally(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="votes">(\d+)</span>', html)]


def test_a_telegram_vote_shows_on_the_cached_poll_page(pg, workers, fake_telegram, site):
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    poll = create_poll(pg)
    message = announcement(fake_telegram)
    page = f"{site.url}/p/{poll['id']}"
    assert tally(cached(page)) == [0, 0, 0]
    data = message["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    assert press(fake_telegram, message["message_id"], data, who=1) == "Ваш голос: Солярис"  # answered once committed
    shows(page, lambda html, _: tally(html) == [0, 1, 0])


def test_a_rating_press_shows_on_the_cached_library(pg, workers, fake_telegram, site):
    film_id = library_film(pg, length_minutes=100)
    night_id = schedule_night(pg, utcnow() + timedelta(hours=1), film_id=film_id)
    worker = workers(DUE_JOBS_POLL_SECONDS="0.2")
    worker.wait_for_log("holds the singleton lock")
    page = f"{site.url}/library"
    assert "👥" not in cached(page)
    make_due(pg, night_id)
    assert wait_until(lambda: requests_sent(fake_telegram), 20), worker.log()
    message = requests_sent(fake_telegram)[0]
    eight = next(
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "8"
    )
    assert "👥" not in cached(page)  # the request's own writes (due job, message) left the page as it was
    assert rate(fake_telegram, message["message_id"], eight, who=1, worker=worker) == "Ваша оценка: 8"
    shows(page, lambda html, _: "👥 8.0" in html)


def test_a_poll_closing_by_itself_closes_the_cached_page(pg, site):
    """No process writes anything when a poll's time is up (services/polls: the deadline is
    stored); the site's cached page stops being served at that moment all the same."""
    poll = create_poll(pg)
    with pg.app_context():
        closes_at = utcnow() + timedelta(seconds=6)  # room to cache the open page on a loaded machine
        db.session.execute(update(Poll).where(Poll.public_id == poll["id"]).values(closes_at=closes_at))
        db.session.commit()
    page = f"{site.url}/p/{poll['id']}"
    assert 'class="vote-button" disabled' not in cached(page)
    while utcnow() < closes_at - timedelta(seconds=0.5):  # short of the deadline (and of a request's trip)
        assert 'class="vote-button" disabled' not in get(page).text  # the cached open page is right
    shows(page, lambda html, _: html.count('class="vote-button" disabled') == 3)


def test_a_download_the_worker_finds_finished_empties_the_cached_pages(pg, workers, fake_telegram, site, tmp_path):
    """What a finished download changes is on the admin's pages, which are never cached; the
    worker's write still reaches every process's cache (a visitor's page is rendered afresh),
    as any write to a table a page can show must. The torrent is added to qBittorrent directly,
    so the only writes after the page is cached are the worker's download check."""
    with QbitProcess(tmp_path / "qbittorrent") as qbit:
        qbit_env = {
            "QBIT_HOST": qbit.host,
            "QBIT_PORT": str(qbit.port),
            "QBIT_USERNAME": qbit.username,
            "QBIT_PASSWORD": qbit.password,
            "QBIT_CATEGORY": "ml_cache",
            "NOTIFIER_DOWNLOAD_CHECK_SECONDS": "0.5",
        }
        data, info_hash = make_completed_torrent(qbit.save_path, name="cache-film.mkv")
        client = pg.test_client()
        film_id = client.post("/api/library", json={"title": "Фильм с торрентом"}, headers=AUTH).get_json()["film"][
            "id"
        ]
        attached = client.put(
            f"/api/library/{film_id}/torrent", data={"torrent": (io.BytesIO(data), "f.torrent")}, headers=AUTH
        )
        assert attached.status_code == 200, attached.get_json()
        worker = workers(**qbit_env)
        worker.wait_for_log("holds the singleton lock")
        page = f"{site.url}/library"
        cached(page)
        QbitClient(
            qbit.host,
            qbit.port,
            qbit.username,
            qbit.password,
            category="ml_cache",
            connect_timeout=5.0,
            read_timeout=10.0,
        ).add(info_hash=info_hash, torrent_file=data)  # qBittorrent alone: no write
        assert wait_until(lambda: downloaded_at(pg, film_id) is not None, 30), worker.log()
        shows(page, lambda _, response: response.headers.get("X-Page-Cache") != "hit")  # rendered again


def downloaded_at(app, film_id: int):
    with app.app_context():
        return db.session.scalar(select(Film.downloaded_at).where(Film.id == film_id))


def test_flask_import_shows_on_the_cached_pages(pg, site, tmp_path):
    source = build_app(f"sqlite:///{tmp_path}/source.db")
    from movie_lottery.dbsetup import upgrade_database

    upgrade_database(source)
    made = source.test_client().post(
        "/api/lotteries", json={"title": "Из резервной копии", "entries": [{"title": "Сталкер"}, {"title": "Солярис"}]}
    )
    source.test_client().post(f"/api/lotteries/{made.get_json()['id']}/draw")
    backup = tmp_path / "backup.json.gz"
    assert source.test_cli_runner().invoke(args=["export", str(backup)]).exit_code == 0
    with source.app_context():
        db.engine.dispose()
    here = pg.test_client().post(
        "/api/lotteries", json={"title": "Уже на сайте", "entries": [{"title": "a"}, {"title": "b"}]}
    )
    pg.test_client().post(f"/api/lotteries/{here.get_json()['id']}/draw")
    page = f"{site.url}/history"
    assert "Уже на сайте" in cached(page) and "Из резервной копии" not in get(page).text
    env = {**os.environ, **BASE_SETTINGS, "DATABASE_URL": pg.config["SQLALCHEMY_DATABASE_URI"]}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "movie_lottery", "import", str(backup), "--replace"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    shows(page, lambda html, _: "Из резервной копии" in html and "Уже на сайте" not in html)
