"""Scores under real concurrency: three members on the real gunicorn (two workers, as render.yaml
starts it) and two Telegram users' button presses (handled as the notifier handles them, each in
its own database session), all released at once on the real Postgres: every score is counted and
the film's kept average is the average of all five."""

from __future__ import annotations

import pytest
import requests

from movie_lottery.extensions import db
from movie_lottery.models import Film
from movie_lottery.services.ratings import telegram as rating_requests

from .test_polls_concurrency import address, fire_together, live_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def member_cookie(server, n: int, name: str) -> str:
    response = requests.put(
        f"{server.url}/api/me", json={"name": name}, headers={"X-Forwarded-For": address(n)}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.cookies["voter"]


def test_three_members_and_two_telegram_users_rating_at_once_are_all_counted(live_server, pg_app):
    with pg_app.app_context():
        film = Film(title="Сталкер", year=1979)
        db.session.add(film)
        db.session.commit()
        film_id = film.id
    cookies = [member_cookie(live_server, n, name) for n, name in enumerate(("Аня", "Борис", "Вера"))]
    web_scores, telegram_scores = (4, 7, 10), (6, 8)

    def web(n):
        return lambda: requests.put(
            f"{live_server.url}/api/films/{film_id}/rating",
            json={"score": web_scores[n]},
            headers={"Cookie": f"voter={cookies[n]}", "X-Forwarded-For": address(n)},
            timeout=60,
        )

    def telegram(n):
        def press():
            with pg_app.app_context():
                query = {
                    "id": str(n),
                    "data": f"fr:{film_id}:{telegram_scores[n]}",
                    "from": {"id": 500 + n, "is_bot": False, "first_name": f"Friend {n}"},
                }
                answer = rating_requests.on_callback(db.session, query)
                db.session.commit()
                return answer

        return press

    results = fire_together([web(0), web(1), web(2), telegram(0), telegram(1)])
    assert [r.status_code for r in results[:3]] == [200, 200, 200], [r.text for r in results[:3]]
    assert results[3:] == ["Ваша оценка: 6", "Ваша оценка: 8"]
    body = requests.get(f"{live_server.url}/api/films/{film_id}", timeout=10).json()["ratings"]
    assert body["count"] == 5
    assert body["average"] == 7.0  # (4 + 7 + 10 + 6 + 8) / 5: no score lost to a concurrent recount
    assert sorted(s["score"] for s in body["scores"]) == [4, 6, 7, 8, 10]
    assert {s["member"]["name"] for s in body["scores"]} == {"Аня", "Борис", "Вера", "Friend 0", "Friend 1"}
