"""The notifier's memory after an hour's worth of its jobs, against a web worker's, in one run.

The site (gunicorn as render.yaml starts it, one worker: what a 0.5-CPU instance runs) and the
notifier (``python -m movie_lottery.worker``) share a throwaway Postgres database and the fake
Telegram on loopback. Friends then do, through the site's API and the bot, what a busy evening
brings in an hour, compressed: lotteries drawn, polls voted on and closed, a movie night
answered and scheduled, bot commands in private chats and the group. Once the notifier has sent
everything, its PSS is read beside the web worker's (after every page was served 20 times).
``--before DIR`` runs the same with another checkout (an older commit) in the same run.

    .venv/bin/python bench/worker_memory.py [--before /path/to/older/checkout]
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import cold_start, scenarios  # noqa: E402
from bench.scenarios import site_env  # noqa: E402
from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.load import children, pss_kib, service_memory  # noqa: E402
from movie_lottery.extensions import db  # noqa: E402
from movie_lottery.models import Notification  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.helpers import build_app  # noqa: E402
from tests.servers import ROOT, Gunicorn  # noqa: E402
from tests.workers import FIXED_CHAT, TOKEN, WorkerProcess, worker_env  # noqa: E402

VIEWS = 20
LOTTERIES, POLLS, VOTERS, COMMANDS = 6, 2, 6, 24
FILMS = [{"title": title} for title in ("Сталкер", "Солярис", "Зеркало", "Ностальгия")]


def soon(hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def an_hour_of_jobs(site: str, telegram: FakeTelegram) -> None:
    """What friends do in a busy hour, through the site's API and the bot."""
    api = requests.Session()
    for i in range(LOTTERIES):
        created = api.post(f"{site}/api/lotteries", json={"title": f"Вечер {i}", "entries": FILMS}, timeout=30)
        created.raise_for_status()
        api.post(f"{site}/api/lotteries/{created.json()['id']}/draw", timeout=30).raise_for_status()
    for i in range(POLLS):
        poll = api.post(f"{site}/api/polls", json={"title": f"Опрос {i}", "entries": FILMS}, timeout=30).json()
        for voter in range(VOTERS):
            entry = poll["entries"][voter % len(FILMS)]["id"]
            requests.post(
                f"{site}/api/polls/{poll['id']}/vote", json={"entry_id": entry}, timeout=30
            ).raise_for_status()
        manage = {"Authorization": f"Bearer {poll['manage_token']}"}
        api.post(f"{site}/api/polls/{poll['id']}/close", headers=manage, timeout=30).raise_for_status()
    night = api.post(
        f"{site}/api/nights", json={"title": "Пятничное кино", "date_options": [soon(30), soon(54)]}, timeout=30
    ).json()
    run = secrets.token_hex(3)  # names are unique per site, and a site may be measured more than once
    for friend in range(VOTERS):
        requests.post(
            f"{site}/api/nights/{night['id']}/rsvp",
            json={"answer": "going", "name": f"Друг {friend} {run}"},
            timeout=30,
        ).raise_for_status()
    manage = {"Authorization": f"Bearer {night['manage_token']}"}
    api.post(
        f"{site}/api/nights/{night['id']}/schedule",
        json={"option_id": night["date_options"][0]["id"]},
        headers=manage,
        timeout=30,
    ).raise_for_status()
    for i in range(COMMANDS):
        chat = FIXED_CHAT if i % 4 == 0 else 7000 + i
        telegram.push_message(chat, ("/last", "/help", "/start", "/stop")[i % 4])


def wait_until_sent(url: str, telegram: FakeTelegram, timeout: float = 300) -> int:
    """Until the outbox holds nothing pending and every bot command was answered; messages sent."""
    app = build_app(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with app.app_context():
                pending = db.session.scalar(select(func.count()).where(Notification.status == "pending"))
                db.session.rollback()
            replies = len([m for m in telegram.messages if str(m["chat_id"]) != FIXED_CHAT])
            if pending == 0 and replies >= COMMANDS * 3 // 4:
                return len(telegram.messages)
            time.sleep(0.5)
        raise RuntimeError(f"the notifier did not finish: {pending} pending, {replies} replies")
    finally:
        with app.app_context():
            db.engine.dispose()


def measure(root: Path, workdir: Path) -> dict[str, float]:
    with throwaway_database() as url, FakeTelegram(token=TOKEN) as telegram:
        data = fill(url, 300, 60)
        pages = list(scenarios.page_paths(url, data.sample_lottery, data.sample_poll, 3, 2, data.sample_night).values())
        env = {**site_env(url, LOG_LEVEL="WARNING"), "WEB_CONCURRENCY": "1"}
        site = Gunicorn(env, workdir / "site.log", root=root)
        worker = WorkerProcess(worker_env(url, telegram.url), workdir / "worker.log", root=root)
        try:
            site.wait_healthy(timeout=60)
            worker.wait_for_log("holds the singleton lock", timeout=60)
            started = pss_kib(worker.process.pid) / 1024
            an_hour_of_jobs(site.url, telegram)
            sent = wait_until_sent(url, telegram)
            for path in ["/health", *pages]:
                for _ in range(VIEWS):
                    requests.get(site.url + path, timeout=60).raise_for_status()
            summed, _rss = service_memory(site.process.pid)
            web_worker = pss_kib(children(site.process.pid)[0]) / 1024
            notifier = pss_kib(worker.process.pid) / 1024
        finally:
            worker.close()
            site.stop()
    return {
        "notifier": notifier,
        "at start": started,
        "web worker": web_worker,
        "web service": summed,
        "messages": sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="also measure this checkout (an older commit)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake Telegram's access log
    roots = {"after": ROOT, **({"before": args.before} if args.before else {})}
    with tempfile.TemporaryDirectory() as tmp:
        for name, root in roots.items():
            cold_start.build(root)
            m = measure(root, Path(tmp))
            print(
                f"{name}: notifier {m['notifier']:.1f} MB PSS after {m['messages']:.0f} messages = "
                f"{m['notifier'] / m['web worker']:.0%} of the web worker's {m['web worker']:.1f} MB "
                f"(target ≤ 60 %); {m['at start']:.1f} MB when it started; the one-worker web service {m['web service']:.1f} MB in all"
            )


if __name__ == "__main__":
    main()
