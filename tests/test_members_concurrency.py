"""One person, one vote under real concurrency: the real gunicorn (two workers) on Postgres.
A phone, a laptop and a Telegram account vote again and again in the same polls while the
laptop joins the phone's member and the Telegram account is linked to it: at every moment and
at the end, the person has at most one vote in each poll, never two."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Member, Poll, PollVote
from movie_lottery.services.bot import commands as bot_commands
from movie_lottery.services.polls import telegram as poll_telegram

from .helpers import BASE_SETTINGS
from .servers import running_gunicorn

pytestmark = pytest.mark.slow

ROUNDS = 4
VOTES_EACH = 12


@pytest.fixture
def live_server(postgres_url, pg_app, tmp_path):  # pg_app empties the tables afterwards
    # Each device has its own address (through the one trusted proxy hop, as on Render), so the
    # per-client rate limits count each device as the site would, not the test's one loopback address.
    env = {
        **BASE_SETTINGS,
        "DATABASE_URL": postgres_url,
        "WEB_CONCURRENCY": "2",
        "TELEGRAM_BOT_TOKEN": "1:x",
        "TRUSTED_PROXY_HOPS": "1",
    }
    with running_gunicorn(env, tmp_path / "gunicorn.log") as server:
        yield server


def device(server, poll: dict, address: str) -> requests.Session:
    """A browser at ``address`` with its signed device cookie (set by its first poll page)."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    session.get(f"{server.url}/p/{poll['id']}", timeout=30).raise_for_status()
    assert session.cookies.get("voter")
    return session


def new_poll(server, address: str) -> dict:
    response = requests.post(
        server.url + "/api/polls",
        json={"entries": [{"title": f"Film {i}"} for i in range(3)]},
        headers={"X-Forwarded-For": address},
        timeout=10,
    )
    assert response.status_code == 201
    return response.json()


def test_two_devices_and_telegram_merge_into_one_member_without_double_votes(live_server, pg_app):
    from movie_lottery.models import NotifierState, utcnow

    with pg_app.app_context():
        db.session.add(NotifierState(name="notifier", instance="t", heartbeat_at=utcnow(), bot_username="movie_bot"))
        db.session.commit()
    for round_ in range(ROUNDS):
        polls = [new_poll(live_server, f"198.51.100.{round_}") for _ in range(2)]
        phone, laptop = (
            device(live_server, polls[0], f"203.0.113.{2 * round_}"),
            device(live_server, polls[0], f"203.0.113.{2 * round_ + 1}"),
        )
        telegram_user = 5000 + round_
        assert phone.put(f"{live_server.url}/api/me", json={"name": f"Аня {round_}"}, timeout=10).status_code == 200
        join_code = phone.post(f"{live_server.url}/api/me/device-code", timeout=10).json()["code"]
        link_code = phone.post(f"{live_server.url}/api/me/telegram-link", timeout=10).json()["code"]
        barrier = threading.Barrier(5)

        def web_votes(session: requests.Session, offset: int):
            barrier.wait(timeout=30)
            statuses = []
            for n in range(VOTES_EACH):
                poll = polls[n % 2]
                entry = poll["entries"][(n + offset) % 3]["id"]
                statuses.append(
                    session.post(
                        f"{live_server.url}/api/polls/{poll['id']}/vote", json={"entry_id": entry}, timeout=30
                    ).status_code
                )
            return statuses

        def telegram_votes():
            barrier.wait(timeout=30)
            answers = []
            for n in range(VOTES_EACH):
                poll = polls[n % 2]
                query = {
                    "id": str(n),
                    "from": {"id": telegram_user, "first_name": "Аня"},
                    "data": f"pv:{poll['id']}:{poll['entries'][n % 3]['id']}",
                }
                with pg_app.app_context():
                    answers.append(poll_telegram.on_callback(db.session, query))
                    db.session.commit()
            return answers

        def join():
            barrier.wait(timeout=30)
            return laptop.post(f"{live_server.url}/api/join/{join_code}", timeout=30).status_code

        def link():
            barrier.wait(timeout=30)
            message = {
                "chat": {"id": telegram_user, "type": "private"},
                "text": f"/start {link_code}",
                "from": {"id": telegram_user, "first_name": "Аня", "language_code": "ru"},
            }
            with pg_app.app_context():
                text = bot_commands.reply(
                    db.session, message, bot_username="movie_bot", fixed_chat_id=None, site_url=None
                )
                db.session.commit()
            return text

        with ThreadPoolExecutor(max_workers=5) as pool:
            futures = [
                pool.submit(web_votes, phone, 0),
                pool.submit(web_votes, laptop, 1),
                pool.submit(telegram_votes),
                pool.submit(join),
                pool.submit(link),
            ]
            results = [f.result(timeout=120) for f in futures]
        assert set(results[0]) == {200} and set(results[1]) == {200}, results[:2]
        assert all(a.startswith("Ваш голос") for a in results[2]), results[2]
        assert results[3] == 200 and results[4].startswith("Готово"), results[3:]

        me = phone.get(f"{live_server.url}/api/me", timeout=10).json()["member"]
        assert me["telegram_linked"] is True
        assert laptop.get(f"{live_server.url}/api/me", timeout=10).json()["member"]["id"] == me["id"]
        with pg_app.app_context():
            assert (
                db.session.scalar(select(func.count()).select_from(Member).where(Member.name.like(f"Аня {round_}%")))
                == 1
            )
            for poll in polls:
                voters = db.session.scalars(
                    select(PollVote.voter).join(Poll, Poll.id == PollVote.poll_id).where(Poll.public_id == poll["id"])
                ).all()
                assert voters == [f"m:{me['id']}"], (round_, voters)
            for poll in polls:
                body = requests.get(f"{live_server.url}/api/polls/{poll['id']}", timeout=10).json()
                assert body["total_votes"] == 1, (round_, body)
