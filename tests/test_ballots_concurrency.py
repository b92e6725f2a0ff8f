"""One ballot per person under real concurrency: the real gunicorn (two workers) on Postgres.
A member's phone and laptop send whole approval and ranked ballots while their Telegram account
presses the same polls' buttons (marks toggled, rankings built, resets), all at once: the member
keeps exactly one ballot in each poll, always a valid one, and afterwards the last ballot sent,
from wherever, is the one stored and the one every device sees."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import NotifierState, Poll, PollVote, utcnow
from movie_lottery.services.bot import commands as bot_commands
from movie_lottery.services.polls import telegram as poll_telegram

from .test_members_concurrency import device, live_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

BALLOTS_EACH = 12
TELEGRAM_USER = 7100
FILMS = 4


def new_poll(server, **body) -> dict:
    response = requests.post(
        server.url + "/api/polls",
        timeout=10,
        headers={"X-Forwarded-For": "198.51.100.70"},
        json={"entries": [{"title": f"Film {i}"} for i in range(FILMS)], "vetoes_per_member": 1, **body},
    )
    assert response.status_code == 201, response.text
    return response.json()


def press(pg_app, poll: dict, action) -> str:
    query = {"id": "q", "from": {"id": TELEGRAM_USER, "first_name": "Боря"}, "data": f"pv:{poll['id']}:{action}"}
    with pg_app.app_context():
        answer = poll_telegram.on_callback(db.session, query)
        db.session.commit()
    return answer


def rows(pg_app, poll: dict) -> list[tuple[str, list[int] | None, list[int] | None]]:
    with pg_app.app_context():
        found = db.session.execute(
            select(PollVote.voter, PollVote.marks, PollVote.vetoes)
            .join(Poll, Poll.id == PollVote.poll_id)
            .where(Poll.public_id == poll["id"])
        ).all()
        db.session.rollback()
    return [tuple(row) for row in found]


def test_a_members_phone_laptop_and_telegram_keep_one_ballot_and_the_last_wins(live_server, pg_app):
    with pg_app.app_context():
        db.session.add(NotifierState(name="notifier", instance="t", heartbeat_at=utcnow(), bot_username="movie_bot"))
        db.session.commit()
    approval, ranked = new_poll(live_server, ballot="approval"), new_poll(live_server, ballot="ranked")
    ids = {poll["id"]: [entry["id"] for entry in poll["entries"]] for poll in (approval, ranked)}
    phone, laptop = device(live_server, approval, "203.0.113.71"), device(live_server, approval, "203.0.113.72")
    assert phone.put(f"{live_server.url}/api/me", json={"name": "Боря"}, timeout=10).status_code == 200
    code = phone.post(f"{live_server.url}/api/me/device-code", timeout=10).json()["code"]
    assert laptop.post(f"{live_server.url}/api/join/{code}", timeout=10).status_code == 200
    link = phone.post(f"{live_server.url}/api/me/telegram-link", timeout=10).json()["code"]
    message = {
        "chat": {"id": TELEGRAM_USER, "type": "private"},
        "text": f"/start {link}",
        "from": {"id": TELEGRAM_USER, "first_name": "Боря", "language_code": "ru"},
    }
    with pg_app.app_context():
        assert bot_commands.reply(
            db.session, message, bot_username="movie_bot", fixed_chat_id=None, site_url=None
        ).startswith("Готово")
        db.session.commit()
    member = phone.get(f"{live_server.url}/api/me", timeout=10).json()["member"]["id"]
    voter = f"m:{member}"

    # Every whole ballot a device may send: approval subsets and partial rankings, with a veto.
    subsets = [list(s) for n in (1, 2, 3) for s in itertools.combinations(ids[approval["id"]], n)]
    rankings = [list(p) for p in itertools.permutations(ids[ranked["id"]], 3)]
    barrier = threading.Barrier(4)
    stop = threading.Event()

    def web(session: requests.Session, offset: int):
        barrier.wait(timeout=30)
        statuses = []
        for n in range(BALLOTS_EACH):
            k = 2 * n + offset
            if n % 2:
                poll, body = (
                    approval,
                    {"entry_ids": subsets[k % len(subsets)], "vetoes": [ids[approval["id"]][k % FILMS]]},
                )
            else:
                poll, body = ranked, {"ranking": rankings[k % len(rankings)], "vetoes": [ids[ranked["id"]][3]]}
            statuses.append(
                session.post(f"{live_server.url}/api/polls/{poll['id']}/vote", json=body, timeout=30).status_code
            )
        return statuses

    def telegram():
        barrier.wait(timeout=30)
        answers = []
        for n in range(BALLOTS_EACH):
            answers.append(press(pg_app, approval, ids[approval["id"]][n % FILMS]))  # toggle a mark
            answers.append(
                press(pg_app, ranked, "r" if n % 3 == 0 else ids[ranked["id"]][n % FILMS])
            )  # reset or append
        return answers

    def watch():
        """Never two ballots for the member in a poll, at any moment of the storm."""
        barrier.wait(timeout=30)
        seen = 0
        while not stop.is_set():
            for poll in (approval, ranked):
                seen = max(seen, sum(1 for row in rows(pg_app, poll) if row[0] == voter))
        return seen

    with ThreadPoolExecutor(max_workers=4) as pool:
        watcher = pool.submit(watch)
        futures = [pool.submit(web, phone, 0), pool.submit(web, laptop, 1), pool.submit(telegram)]
        results = [f.result(timeout=180) for f in futures]
        stop.set()
        assert watcher.result(timeout=30) <= 1
    assert set(results[0]) == {200} and set(results[1]) == {200}, results[:2]
    refusals = ("Эта кнопка", "Голосование уже закрыто", "Этого голосования")
    assert not [a for a in results[2] if a.startswith(refusals)], results[2]

    for poll in (approval, ranked):
        # at most the member's one ballot (none when Telegram's last press withdrew the last mark
        # or started the ranking again after the devices' last ballot), and a whole, valid one
        stored = rows(pg_app, poll)
        assert [row[0] for row in stored] in ([voter], []), stored
        for _voter, marks, vetoes in stored:
            assert marks and len(set(marks)) == len(marks) and set(marks) <= set(ids[poll["id"]])
            assert len(vetoes or []) <= 1

    # After the storm the last ballot sent wins, wherever it came from, and every device sees it.
    a, b, c, d = ids[approval["id"]]
    assert (
        laptop.post(
            f"{live_server.url}/api/polls/{approval['id']}/vote", json={"entry_ids": [a, c]}, timeout=10
        ).status_code
        == 200
    )
    assert phone.get(f"{live_server.url}/api/polls/{approval['id']}", timeout=10).json()["my_ballot"]["entry_ids"] == [
        a,
        c,
    ]
    assert press(pg_app, approval, b) == "Отмечено: Film 0, Film 1, Film 2"  # Telegram toggles the laptop's ballot
    assert laptop.get(f"{live_server.url}/api/polls/{approval['id']}", timeout=10).json()["my_ballot"]["entry_ids"] == [
        a,
        c,
        b,
    ]
    a, b, c, d = ids[ranked["id"]]
    assert press(pg_app, ranked, "r").startswith("Начнём заново")
    assert press(pg_app, ranked, d) == "1. Film 3"
    assert phone.get(f"{live_server.url}/api/polls/{ranked['id']}", timeout=10).json()["my_ballot"]["ranking"] == [d]
    assert (
        phone.post(f"{live_server.url}/api/polls/{ranked['id']}/vote", json={"ranking": [b, a]}, timeout=10).status_code
        == 200
    )
    assert press(pg_app, ranked, c) == "1. Film 1 2. Film 0 3. Film 2"  # built on the phone's ranking
    for poll, marks in ((approval, [ids[approval["id"]][i] for i in (0, 2, 1)]), (ranked, [b, a, c])):
        assert [(row[0], row[1]) for row in rows(pg_app, poll)] == [(voter, marks)]
