"""The bot's rating request, end to end: the real notifier worker process, the real Postgres and
the fake Bot API held to the published specification. A scheduled night arms one due job at its
end (start + the film's length, else 3 hours); the worker posts "Как вам «…»?" once with buttons
1–10 in two rows; presses rate as the Telegram user; the message's average follows, edited in place."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Film, Member, Night, Notification, as_utc, utcnow
from movie_lottery.services import due_jobs, events
from movie_lottery.services.ratings import telegram as rating_requests

from .test_film_extras import fake, site  # noqa: F401  (fixtures)
from .test_notifier import fake_telegram, pg, wait_until, workers  # noqa: F401  (fixtures)
from .test_polls_telegram import answered, current, user
from .workers import FIXED_CHAT

pytestmark = pytest.mark.slow


def library_film(app, **fields) -> int:
    with app.app_context():
        film = Film(**{"title": "Сталкер", "year": 1979, **fields})
        db.session.add(film)
        db.session.commit()
        return film.id


def schedule_night(app, starts_at, **fields) -> int:
    """A night as the nights' service makes one: the row and its night_scheduled event, one commit."""
    with app.app_context():
        night = Night(
            public_id=f"n{time.monotonic_ns() % 10**8}",
            title="Пятница",
            status="scheduled",
            starts_at=starts_at,
            sort_at=starts_at,
            manage_token_hash="x" * 64,
            **fields,
        )
        db.session.add(night)
        db.session.flush()
        events.night_scheduled.send(db.session, night=night, previous_start=None, created=True)
        db.session.commit()
        return night.id


def job(app, night_id: int) -> DueJob | None:
    with app.app_context():
        return db.session.scalar(select(DueJob).where(DueJob.key == rating_requests.job_prefix(night_id) + "request"))


def make_due(app, night_id: int) -> None:
    with app.app_context():
        db.session.execute(
            update(DueJob)
            .where(DueJob.key.like(rating_requests.job_prefix(night_id) + "%"))
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def requests_sent(fake) -> list[dict]:
    return [m for m in fake.messages_for(FIXED_CHAT) if "Как вам" in m["text"]]


def press(fake, message_id: int, data: str, who: int, worker=None) -> str:
    query = fake.push_callback_query(message_id, data, from_user=user(who))
    assert wait_until(lambda: answered(fake, query) is not None, 15), "not answered: " + (
        worker.log() if worker else ""
    )
    return answered(fake, query)


def test_the_end_of_a_night_is_its_start_plus_the_films_length_else_three_hours(pg):
    start = utcnow() + timedelta(days=1)
    known = schedule_night(pg, start, film_id=library_film(pg, length_minutes=163))
    unknown = schedule_night(pg, start, film_id=library_film(pg, title="Зеркало"))
    assert abs(job(pg, known).due_at - (start + timedelta(minutes=163))) < timedelta(seconds=1)
    assert abs(job(pg, unknown).due_at - (start + timedelta(hours=3))) < timedelta(seconds=1)
    later = start + timedelta(days=2)
    with pg.app_context():  # a reschedule moves the pending request
        night = db.session.get(Night, known)
        night.starts_at = later
        events.night_scheduled.send(db.session, night=night, previous_start=start, created=False)
        events.night_cancelled.send(db.session, night=db.session.get(Night, unknown))
        db.session.commit()
    assert abs(job(pg, known).due_at - (later + timedelta(minutes=163))) < timedelta(seconds=1)
    assert job(pg, unknown) is None


def test_the_worker_asks_once_buttons_rate_as_telegram_users_and_the_average_follows(pg, workers, fake_telegram):
    film_id = library_film(pg, length_minutes=163)
    night_id = schedule_night(pg, utcnow() + timedelta(hours=1), film_id=film_id)
    worker = workers(DUE_JOBS_POLL_SECONDS="0.2")
    worker.wait_for_log("holds the singleton lock")
    make_due(pg, night_id)
    assert wait_until(lambda: requests_sent(fake_telegram), 20), worker.log()
    message = requests_sent(fake_telegram)[0]
    assert (
        "Как вам «Сталкер (1979)»?" in message["text"]
        and f"https://kino.example.org/films/{film_id}" in message["text"]
    )
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
    data = {b["text"]: b["callback_data"] for row in keyboard for b in row}

    assert press(fake_telegram, message["message_id"], data["8"], who=1, worker=worker) == "Ваша оценка: 8"
    assert press(fake_telegram, message["message_id"], data["9"], who=2) == "Ваша оценка: 9"
    assert press(fake_telegram, message["message_id"], data["6"], who=1) == "Ваша оценка: 6"  # changed, not added
    body = pg.test_client().get(f"/api/films/{film_id}").get_json()["ratings"]
    assert (body["average"], body["count"]) == (7.5, 2)
    with pg.app_context():
        names = {db.session.scalar(select(Member.name).where(Member.telegram_user_id == n)) for n in (1, 2)}
    assert names == {"Friend 1", "Friend 2"}
    assert wait_until(
        lambda: "Средняя оценка 7.5 — 2 оценки" in current(fake_telegram, message["message_id"])["text"], 20
    )
    assert current(fake_telegram, message["message_id"])["reply_markup"] == message["reply_markup"]

    with pg.app_context():  # a later reschedule of the same night does not ask again
        night = db.session.get(Night, night_id)
        events.night_scheduled.send(db.session, night=night, previous_start=night.starts_at, created=False)
        db.session.commit()
    make_due(pg, night_id)
    assert job(pg, night_id).done_at is not None
    # A barrier: another night's request, made due after it. The worker takes due jobs earliest
    # first, so once that one is out, a second request for the first night would be out already.
    barrier = schedule_night(pg, utcnow() + timedelta(hours=1), film_id=library_film(pg, title="Зеркало"))
    make_due(pg, barrier)
    assert wait_until(lambda: any("«Зеркало" in m["text"] for m in requests_sent(fake_telegram)), 20), worker.log()
    assert [m["message_id"] for m in requests_sent(fake_telegram) if "«Сталкер" in m["text"]] == [message["message_id"]]
    assert fake_telegram.refusals == []


def test_nights_made_through_the_api_arm_move_and_drop_the_request(pg):
    client = pg.test_client()
    film_id = library_film(pg, length_minutes=100)
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    night = client.post("/api/nights", json={"title": "Пятница", "starts_at": start.isoformat(), "film_id": film_id})
    assert night.status_code == 201, night.get_json()
    night = night.get_json()
    with pg.app_context():
        night_id = db.session.scalar(select(Night.id).where(Night.public_id == night["id"]))
    assert job(pg, night_id).due_at == start + timedelta(minutes=100)
    owner = {"Authorization": f"Bearer {night['manage_token']}"}
    later = start + timedelta(days=1)
    moved = client.post(f"/api/nights/{night['id']}/schedule", json={"starts_at": later.isoformat()}, headers=owner)
    assert moved.status_code == 200, moved.get_json()
    assert job(pg, night_id).due_at == later + timedelta(minutes=100)
    assert client.post(f"/api/nights/{night['id']}/cancel", headers=owner).status_code == 200
    assert job(pg, night_id) is None


def test_the_request_moves_when_the_films_length_becomes_known_after_scheduling(app, site, fake):
    """The admin fetches the film's Kinopoisk document (length 116 min) after the night was planned."""
    kp, admin, csrf = site
    fake.serve_film()
    film_id = library_film(app, title="Назад в будущее", year=1985, kinopoisk_id=476)
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    night = app.test_client().post(
        "/api/nights", json={"title": "Пятница", "starts_at": start.isoformat(), "film_id": film_id}
    )
    assert night.status_code == 201, night.get_json()
    with app.app_context():
        night_id = db.session.scalar(select(Night.id).where(Night.public_id == night.get_json()["id"]))
    assert as_utc(job(app, night_id).due_at) == start + rating_requests.DEFAULT_LENGTH
    assert admin.post(f"/admin/films/{film_id}/kinopoisk", data={"csrf_token": csrf}).status_code == 303
    assert as_utc(job(app, night_id).due_at) == start + timedelta(minutes=116)


def test_the_request_moves_when_a_lottery_drawn_later_names_the_film(app):
    client = app.test_client()
    films = [
        library_film(app, title=title, kinopoisk_id=kp, length_minutes=100)
        for title, kp in (("Брат", 41519), ("Брат 2", 41520))
    ]
    assert len(films) == 2
    lottery = client.post(
        "/api/lotteries",
        json={"entries": [{"title": "Брат", "kinopoisk_id": 41519}, {"title": "Брат 2", "kinopoisk_id": 41520}]},
    ).get_json()
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    night = client.post(
        "/api/nights", json={"title": "Пятница", "starts_at": start.isoformat(), "lottery_id": lottery["id"]}
    )
    with app.app_context():
        night_id = db.session.scalar(select(Night.id).where(Night.public_id == night.get_json()["id"]))
    assert as_utc(job(app, night_id).due_at) == start + rating_requests.DEFAULT_LENGTH  # the film is not known yet
    assert client.post(f"/api/lotteries/{lottery['id']}/draw").status_code == 200
    assert as_utc(job(app, night_id).due_at) == start + timedelta(minutes=100)


def test_at_its_time_a_request_whose_film_turned_out_longer_waits_for_the_end(app):
    film_id = library_film(app)
    start = utcnow() - timedelta(hours=3, minutes=1)  # the 3-hour default has just passed
    night_id = schedule_night(app, start, film_id=film_id)
    with app.app_context():
        db.session.execute(update(Film).where(Film.id == film_id).values(length_minutes=240))  # learnt by no event
        db.session.commit()
        make_due(app, night_id)
        assert due_jobs.run_due(db.session) >= 1
        assert db.session.query(Notification).filter_by(kind=rating_requests.KIND).count() == 0
        pending = db.session.scalars(
            select(DueJob).where(DueJob.key.startswith(rating_requests.job_prefix(night_id)), DueJob.done_at.is_(None))
        ).all()
        assert [as_utc(j.due_at) for j in pending] == [as_utc(start) + timedelta(minutes=240)]
