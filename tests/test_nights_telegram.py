"""Nights in Telegram, end to end: the real notifier worker process(es), the real Postgres and
the fake Bot API held to the published specification. The announcement has RSVP buttons and,
during the date poll, one button per candidate time; presses answer as that Telegram user's
member; the message follows in place; reminders go out once each at their time (the test moves
the due time, no long sleeps) naming who is going, also across a kill -9 and a second worker;
a reschedule re-arms them, a cancellation is announced once and stops them; an offset already
past when the night is scheduled is skipped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Film, Member, utcnow

from .test_notifier import fake_telegram, outbox_drained, pg, wait_until, workers  # noqa: F401  (fixtures)
from .test_polls_telegram import answered, current, user
from .workers import FIXED_CHAT

pytestmark = pytest.mark.slow

FAST_JOBS = {"DUE_JOBS_POLL_SECONDS": "0.2"}


def at(hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def create(app, **body) -> dict:
    response = app.test_client().post("/api/nights", json={"title": "Кино у Ани", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sent(fake, needle: str) -> list[dict]:
    return [m for m in fake.messages_for(FIXED_CHAT) if needle in m["text"]]


def press(fake, message_id: int, data: str, who: int) -> str:
    query = fake.push_callback_query(message_id, data, from_user=user(who))
    assert wait_until(lambda: answered(fake, query) is not None, 15), "the press was not answered"
    return answered(fake, query)


def bearer(night: dict) -> dict:
    return {"Authorization": f"Bearer {night['manage_token']}"}


def make_due(app, key_part: str) -> None:
    with app.app_context():
        changed = db.session.execute(
            update(DueJob)
            .where(DueJob.key.contains(key_part), DueJob.done_at.is_(None))
            .values(due_at=utcnow() - timedelta(seconds=1))
        ).rowcount
        db.session.commit()
    assert changed == 1, key_part


def pending_keys(app) -> list[str]:
    """The nights' own pending jobs (other features arm theirs too, e.g. the rating request)."""
    with app.app_context():
        return sorted(
            db.session.scalars(select(DueJob.key).where(DueJob.done_at.is_(None), DueJob.key.startswith("night:")))
        )


def test_announcement_buttons_edits_schedule_and_one_cancellation(pg, workers, fake_telegram):
    workers(**FAST_JOBS)
    night = create(pg, date_options=[at(30), at(54)], place="Ленина, 5")
    assert wait_until(lambda: sent(fake_telegram, "Киновечер"), 20)
    message = sent(fake_telegram, "Киновечер")[0]
    rows = message["reply_markup"]["inline_keyboard"]
    assert len(rows) == 3 and [len(r) for r in rows] == [1, 1, 3]
    assert "Ленина, 5" in message["text"] and f"https://kino.example.org/n/{night['id']}" in message["text"]
    assert "(время по Москве)" in message["text"]  # the zone as people say it, not Europe/Moscow
    option_data, rsvp_data = rows[1][0]["callback_data"], [b["callback_data"] for b in rows[2]]

    assert press(fake_telegram, message["message_id"], option_data, who=1).startswith("Подходит")
    assert press(fake_telegram, message["message_id"], rsvp_data[0], who=1) == "Ваш ответ: ✅ Иду"
    assert press(fake_telegram, message["message_id"], rsvp_data[1], who=2) == "Ваш ответ: 🤔 Может быть"
    body = pg.test_client().get(f"/api/nights/{night['id']}").get_json()
    assert body["date_options"][1]["members"] == ["Friend 1"] and body["best_option_ids"] == [
        body["date_options"][1]["id"]
    ]
    assert body["rsvp"] == {"going": ["Friend 1"], "maybe": ["Friend 2"], "no": []}
    with pg.app_context():
        assert db.session.scalar(select(Member.name).where(Member.telegram_user_id == 1)) == "Friend 1"
    assert wait_until(lambda: "Friend 2" in current(fake_telegram, message["message_id"])["text"], 15)
    edited = current(fake_telegram, message["message_id"])
    assert "⭐" in edited["text"] and edited["reply_markup"]["inline_keyboard"][2][1]["text"].endswith("· 1")

    response = pg.test_client().post(
        f"/api/nights/{night['id']}/schedule", json={"option_id": body["date_options"][1]["id"]}, headers=bearer(night)
    )
    assert response.status_code == 200
    # One message per night per chat: the announcement itself now says when, edited in place.
    assert wait_until(lambda: "Когда:" in current(fake_telegram, message["message_id"])["text"], 20)
    assert wait_until(lambda: outbox_drained(pg), 20)
    (scheduled,) = sent(fake_telegram, "Киновечер")
    assert scheduled["message_id"] == message["message_id"]
    assert [len(r) for r in scheduled["reply_markup"]["inline_keyboard"]] == [3]
    assert "по Москве" in scheduled["text"] and "Europe/" not in scheduled["text"]
    assert press(fake_telegram, message["message_id"], option_data, who=3) == "Дата уже выбрана."

    assert pg.test_client().post(f"/api/nights/{night['id']}/cancel", headers=bearer(night)).status_code == 200
    assert pg.test_client().post(f"/api/nights/{night['id']}/cancel", headers=bearer(night)).status_code == 200
    assert wait_until(lambda: sent(fake_telegram, "отменён"), 20)
    assert wait_until(lambda: current(fake_telegram, message["message_id"])["reply_markup"] is None, 15)
    assert press(fake_telegram, scheduled["message_id"], rsvp_data[0], who=1) == "Вечер отменён."
    cancellations = [m for m in sent(fake_telegram, "отменён") if m["message_id"] != message["message_id"]]
    assert len(cancellations) == 1 and "(" in cancellations[0]["text"]
    assert pending_keys(pg) == []


def test_a_reschedule_is_one_message_edited_in_place_and_answers_keep_its_line(pg, workers, fake_telegram):
    workers(**FAST_JOBS)
    night = create(pg, starts_at=at(48))
    assert wait_until(lambda: sent(fake_telegram, "Киновечер"), 20)
    (message,) = sent(fake_telegram, "Киновечер")
    moved = pg.test_client().post(
        f"/api/nights/{night['id']}/schedule", json={"starts_at": at(72)}, headers=bearer(night)
    )
    assert moved.status_code == 200
    assert wait_until(lambda: "перенесён" in current(fake_telegram, message["message_id"])["text"], 20)
    text = current(fake_telegram, message["message_id"])["text"]
    assert "Было:" in text and "Когда:" in text
    rsvp = current(fake_telegram, message["message_id"])["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert press(fake_telegram, message["message_id"], rsvp, who=1) == "Ваш ответ: ✅ Иду"
    assert wait_until(lambda: "Friend 1" in current(fake_telegram, message["message_id"])["text"], 15)
    text = current(fake_telegram, message["message_id"])["text"]
    assert "перенесён" in text and "Было:" in text  # the answer's edit keeps the reschedule line
    assert wait_until(lambda: outbox_drained(pg), 20)
    assert len(sent(fake_telegram, "Киновечер")) == 1


def test_a_date_poll_scheduled_before_its_first_announcement_is_one_message(pg, workers, fake_telegram):
    night = create(pg, date_options=[at(30), at(54)])
    picked = pg.test_client().post(
        f"/api/nights/{night['id']}/schedule", json={"option_id": night["date_options"][0]["id"]}, headers=bearer(night)
    )
    assert picked.status_code == 200  # both announcements wait in the outbox: no worker yet
    workers(**FAST_JOBS)
    assert wait_until(lambda: sent(fake_telegram, "Киновечер"), 20)
    assert wait_until(lambda: outbox_drained(pg), 20)
    (message,) = sent(fake_telegram, "Киновечер")
    assert "Когда:" in message["text"] and [len(r) for r in message["reply_markup"]["inline_keyboard"]] == [3]


def test_reminders_once_each_across_kill_and_failover_rearmed_by_a_reschedule(pg, workers, fake_telegram):
    with pg.app_context():
        film = Film(title="Сталкер", year=1979)
        db.session.add(film)
        db.session.commit()
        film_id = film.id
    first = workers(**FAST_JOBS)
    first.wait_for_log("holds the singleton lock")
    # 3 days before a start 2 days away has passed already: skipped.
    night = create(pg, starts_at=at(48), reminders_minutes=[4320, 1440, 60], film_id=film_id)
    prefix = "night:"  # the only night of this test
    keys = pending_keys(pg)
    assert [k.split(":", 2)[2] for k in keys] == ["remind:1440:s0", "remind:60:s0", "watched:s0"]
    client = pg.test_client()
    assert client.post(f"/api/nights/{night['id']}/rsvp", json={"answer": "going", "name": "Аня"}).status_code == 200

    moved = client.post(f"/api/nights/{night['id']}/schedule", json={"starts_at": at(50)}, headers=bearer(night))
    assert moved.status_code == 200
    assert [k.split(":", 2)[2] for k in pending_keys(pg)] == ["remind:1440:s1", "remind:60:s1", "watched:s1"]
    assert wait_until(lambda: sent(fake_telegram, "перенесён"), 20)

    make_due(pg, "remind:1440:s1")
    assert wait_until(lambda: sent(fake_telegram, "⏰"), 15), first.log()
    reminder = sent(fake_telegram, "⏰")[0]
    assert "Через 1 день" in reminder["text"] and "Аня" in reminder["text"] and "Сталкер" in reminder["text"]
    assert "по Москве." in reminder["text"]

    second = workers(**FAST_JOBS)
    second.wait_for_log("standing by")
    first.kill()  # failover: the standby takes the lock
    second.wait_for_log("holds the singleton lock", timeout=20)
    make_due(pg, "remind:60:s1")
    assert wait_until(lambda: len(sent(fake_telegram, "⏰")) == 2, 15), second.log()
    assert "Через 1 час" in sent(fake_telegram, "⏰")[1]["text"]

    second.terminate()  # a restart: the done jobs stay done
    third = workers(**FAST_JOBS)
    third.wait_for_log("holds the singleton lock", timeout=20)
    make_due(pg, "watched:s1")
    with pg.app_context():
        assert wait_until(lambda: db.session.get(Film, film_id, populate_existing=True).watched_on is not None, 15)
    assert len(sent(fake_telegram, "⏰")) == 2  # each reminder exactly once
    with pg.app_context():
        done = db.session.scalars(
            select(DueJob.key).where(DueJob.key.startswith(prefix), DueJob.done_at.is_not(None))
        ).all()
    assert sorted(k.split(":", 2)[2] for k in done) == ["remind:1440:s1", "remind:60:s1", "watched:s1"]
