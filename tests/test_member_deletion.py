"""Deleting members (issue 29): what they did stays counted, anonymous, and the same browser or
Telegram account acting again replaces it instead of adding a second vote, answer or score;
their names leave every list and the nights' Telegram announcement (edited again); an answer
given only by people without a name reads «Иду — 2», not «Иду — 2: 2»."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Member, Night
from movie_lottery.services import nights
from movie_lottery.services.nights import telegram as night_telegram

from .helpers import ADMIN_PASSWORD, csrf_token_from
from .test_members import name, new_poll, poll_votes, press_button, telegram_press, vote
from .test_nights_telegram import FAST_JOBS, current, press, sent
from .test_notifier import fake_telegram, pg, wait_until, workers  # noqa: F401  (fixtures)
from .test_ratings import add_film, rate


def at(hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def telegram_rsvp(app, night_id: str, answer_code: str, user_id: int, first_name: str) -> str:
    return press_button(app, f"nr:{night_id}:{answer_code}", user_id, first_name)


def member_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Member.id).where(Member.name.is_not(None)).order_by(Member.id)))


def delete_all_members(app, admin_client, csrf) -> None:
    for member_id in member_ids(app):
        response = admin_client.post(f"/admin/members/{member_id}/delete", data={"csrf_token": csrf})
        assert response.status_code == 303
    assert member_ids(app) == []


def test_deleted_members_vote_again_in_place_of_their_old_vote(app, admin_client, csrf):
    phone = app.test_client()
    name(phone, "Аня")
    poll = new_poll(admin_client)
    vote(phone, poll, 0)
    telegram_press(app, poll, 1, user_id=42, first_name="Боря")
    assert poll_votes(admin_client, poll) == [1, 1, 0]
    delete_all_members(app, admin_client, csrf)
    assert poll_votes(admin_client, poll) == [1, 1, 0]  # still counted
    assert phone.get("/api/me").get_json() == {"member": None}  # the name is gone
    vote(phone, poll, 2)
    telegram_press(app, poll, 2, user_id=42, first_name="Боря")
    assert poll_votes(admin_client, poll) == [0, 0, 2]  # two people, two votes (not four)


def test_deleted_members_answer_and_score_again_in_place(app, admin_client, csrf):
    phone = app.test_client()
    night = phone.post("/api/nights", json={"title": "Пятница", "starts_at": at(48)}).get_json()
    assert phone.post(f"/api/nights/{night['id']}/rsvp", json={"answer": "going", "name": "Аня"}).status_code == 200
    telegram_rsvp(app, night["id"], "g", user_id=7, first_name="Боря")
    film_id = add_film(app)
    assert rate(phone, film_id, 8).status_code == 200
    delete_all_members(app, admin_client, csrf)

    body = admin_client.get(f"/api/nights/{night['id']}").get_json()
    assert body["rsvp_counts"]["going"] == 2 and body["rsvp"]["going"] == []
    telegram_rsvp(app, night["id"], "g", user_id=7, first_name="Боря")
    answered = phone.post(f"/api/nights/{night['id']}/rsvp", json={"answer": "maybe", "name": "Аня"})
    assert answered.status_code == 200, answered.get_json()
    body = admin_client.get(f"/api/nights/{night['id']}").get_json()
    assert body["rsvp_counts"] == {"going": 1, "maybe": 1, "no": 0}  # two people: «Иду — 1», not 3
    assert body["rsvp"] == {"going": ["Боря"], "maybe": ["Аня"], "no": []}  # they came back by acting again

    ratings = admin_client.get(f"/api/films/{film_id}").get_json()["ratings"]
    assert ratings["count"] == 1 and ratings["scores"][0]["member"]["name"] == "Аня"
    assert rate(phone, film_id, 4).get_json() == {"average": 4.0, "count": 1, "my_score": 4}


def test_a_deleted_members_page_and_name_are_gone_and_a_new_name_brings_them_back(app, admin_client, csrf):
    phone = app.test_client()
    member = name(phone, "Аня")
    film_id = add_film(app)
    rate(phone, film_id, 9)
    delete_all_members(app, admin_client, csrf)
    assert phone.get(f"/m/{member['id']}").status_code == 404
    assert phone.get(f"/api/members/{member['id']}").status_code == 404
    assert admin_client.get(f"/api/films/{film_id}").get_json()["ratings"]["scores"][0]["member"] is None
    assert "Аня" not in admin_client.get("/admin/members").get_data(as_text=True)
    assert "бывший участник" in admin_client.get(f"/films/{film_id}").get_data(as_text=True)
    again = name(phone, "Анна")
    assert again["id"] == member["id"]  # the same person: what they did is theirs again, once
    assert admin_client.get(f"/api/films/{film_id}").get_json()["ratings"]["count"] == 1


def test_deleting_re_renders_the_announcement_without_the_names(app, admin_client, csrf):
    phone = app.test_client()
    night = phone.post("/api/nights", json={"title": "Пятница", "starts_at": at(48)}).get_json()
    telegram_rsvp(app, night["id"], "g", user_id=7, first_name="Боря")
    telegram_rsvp(app, night["id"], "g", user_id=8, first_name="Вера")
    with app.app_context():
        before = db.session.scalar(select(Night.version))
        text, _buttons = night_telegram.message(db.session, nights.get_night(db.session, night["id"]), None)
    assert "Иду — 2: Боря, Вера" in text
    delete_all_members(app, admin_client, csrf)
    with app.app_context():
        assert db.session.scalar(select(Night.version)) > before  # so the worker edits the message again
        text, _buttons = night_telegram.message(db.session, nights.get_night(db.session, night["id"]), None)
    assert "Боря" not in text and "Вера" not in text
    assert "✅ Иду — 2\n" in text  # not «Иду — 2: 2»


@pytest.mark.slow
def test_the_fake_telegram_sees_the_names_leave_the_announcement(pg, workers, fake_telegram):
    workers(**FAST_JOBS)
    created = pg.test_client().post("/api/nights", json={"title": "Кино у Ани", "starts_at": at(48)})
    assert created.status_code == 201
    assert wait_until(lambda: sent(fake_telegram, "Киновечер"), 20)
    message = sent(fake_telegram, "Киновечер")[0]
    going = message["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    press(fake_telegram, message["message_id"], going, who=1)
    assert wait_until(lambda: "Friend 1" in current(fake_telegram, message["message_id"])["text"], 15)
    with pg.app_context():
        member_id = db.session.scalar(select(Member.id).where(Member.telegram_user_id == 1))
    admin = pg.test_client()
    token = csrf_token_from(admin.get("/").get_data(as_text=True))
    assert admin.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}).status_code == 302
    assert admin.post(f"/admin/members/{member_id}/delete", data={"csrf_token": token}).status_code == 303
    assert wait_until(lambda: "Friend 1" not in current(fake_telegram, message["message_id"])["text"], 15)
    assert "✅ Иду — 1\n" in current(fake_telegram, message["message_id"])["text"]
    press(fake_telegram, message["message_id"], going, who=1)  # the same account again: still one
    assert wait_until(lambda: "Friend 1" in current(fake_telegram, message["message_id"])["text"], 15)
    assert "✅ Иду — 1: Friend 1" in current(fake_telegram, message["message_id"])["text"]
