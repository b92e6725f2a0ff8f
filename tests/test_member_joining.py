"""Joining a device and linking Telegram (issue 29): the join page names whose code it is and
what becomes of the person now on this device, and merges only on a confirmed POST; a code that
does not exist or has expired says so before any button; two people with their own Telegram
accounts are refused (page: a message, API: 409), never a 500; a member's Telegram account is
not silently replaced by a second one."""

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from movie_lottery.extensions import db
from movie_lottery.models import Member, MemberCode, utcnow
from movie_lottery.services import members

from .helpers import csrf_token_from
from .test_members import bot_reply, device_code, name, new_poll, poll_votes, start_message, telegram_press, vote


def member_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Member).where(Member.name.is_not(None)))


def link_telegram_directly(app, member_id: int, telegram_user_id: int) -> None:
    with app.app_context():
        db.session.execute(update(Member).where(Member.id == member_id).values(telegram_user_id=telegram_user_id))
        db.session.commit()


def confirm_button(html: str, code: str) -> bool:
    return f'action="/join/{code}"' in html


def test_opening_someone_elses_join_link_asks_first_and_says_what_happens(app):
    anya, petya = app.test_client(), app.test_client()
    name(anya, "Аня")
    poll = new_poll(anya)
    vote(anya, poll, 0)
    petya_member = name(petya, "Петя")
    vote(petya, poll, 1)
    code = device_code(anya)["code"]

    page = petya.get(f"/join/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Аня" in html and "Петя" in html
    assert "исчезнет" in html and confirm_button(html, code)
    assert petya.get("/api/me").get_json()["member"] == petya_member  # opening it changed nothing
    assert poll_votes(anya, poll) == [1, 1, 0] and member_count(app) == 2
    preview = petya.get(f"/api/join/{code}")
    assert preview.status_code == 200
    assert preview.get_json() == {
        "member": {"id": preview.get_json()["member"]["id"], "name": "Аня"},
        "current": {"id": petya_member["id"], "name": "Петя"},
        "refused": None,
    }

    done = petya.post(f"/join/{code}", data={"csrf_token": csrf_token_from(html)})
    assert done.status_code == 303
    assert petya.get("/api/me").get_json()["member"]["name"] == "Аня" and member_count(app) == 1
    assert poll_votes(anya, poll) == [0, 1, 0]  # one person now: the most recent vote


def test_a_missing_or_expired_code_says_so_before_any_button(app):
    anya, visitor = app.test_client(), app.test_client()
    name(anya, "Аня")
    html = visitor.get("/join/ZZZZZZZZ").get_data(as_text=True)
    assert "Такого кода нет" in html and not confirm_button(html, "ZZZZZZZZ")
    code = device_code(anya)["code"]
    with app.app_context():
        db.session.execute(update(MemberCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    html = visitor.get(f"/join/{code}").get_data(as_text=True)
    assert "устарел" in html and not confirm_button(html, code)
    assert visitor.get(f"/api/join/{code}").status_code == 410
    fresh = device_code(anya)["code"]
    html = anya.get(f"/join/{fresh}").get_data(as_text=True)  # one's own code: nothing to do
    assert "уже" in html and not confirm_button(html, fresh)


def test_the_code_typed_on_me_leads_to_the_same_confirmation(app):
    anya, petya = app.test_client(), app.test_client()
    name(anya, "Аня")
    petya_member = name(petya, "Петя")
    code = device_code(anya)["code"]
    token = csrf_token_from(petya.get("/me").get_data(as_text=True))
    typed = petya.post("/join", data={"code": code.lower()[:4] + "-" + code.lower()[4:], "csrf_token": token})
    assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/join/{code}")
    assert petya.get("/api/me").get_json()["member"] == petya_member


def test_joining_two_people_with_their_own_telegram_is_refused_not_a_500(app):
    anya, petya = app.test_client(), app.test_client()
    anya_member, petya_member = name(anya, "Аня"), name(petya, "Петя")
    link_telegram_directly(app, anya_member["id"], 101)
    link_telegram_directly(app, petya_member["id"], 202)
    code = device_code(anya)["code"]

    api = petya.post(f"/api/join/{code}")  # was a 500 (MergeRefused unhandled)
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "both_telegram"
    refused = petya.post(f"/join/{code}", data={"csrf_token": csrf_token_from(petya.get("/me").get_data(as_text=True))})
    assert refused.status_code == 303  # was a 500 too
    assert "Telegram" in petya.get(refused.headers["Location"]).get_data(as_text=True)
    html = petya.get(f"/join/{code}").get_data(as_text=True)
    assert "Telegram" in html and not confirm_button(html, code)  # said before any button
    assert petya.get(f"/api/join/{code}").get_json()["refused"] == "both_telegram"
    assert petya.get("/api/me").get_json()["member"]["id"] == petya_member["id"] and member_count(app) == 2
    with app.app_context():  # the refusal spent nothing: the code still works for someone else
        assert db.session.scalar(select(MemberCode.used_at)) is None


def telegram_link_code(app, member_id: int) -> str:
    with app.app_context():
        code, _expires = members.issue_code(db.session, "telegram", member_id)
        db.session.commit()
    return code


def test_a_second_telegram_account_does_not_silently_replace_the_first(app):
    anya = app.test_client()
    member = name(anya, "Аня")
    assert "Готово" in bot_reply(app, start_message(111, telegram_link_code(app, member["id"])))
    poll = new_poll(anya)
    telegram_press(app, poll, 0, user_id=111)
    refused = bot_reply(app, start_message(222, telegram_link_code(app, member["id"])))
    assert "другой Telegram" in refused and "Кто вы" in refused
    with app.app_context():
        assert db.session.scalar(select(Member.telegram_user_id).where(Member.id == member["id"])) == 111
        assert db.session.scalar(select(func.count()).select_from(Member).where(Member.telegram_user_id == 222)) == 0
    telegram_press(app, poll, 1, user_id=111)  # the first account is still Аня: her one vote moves
    assert poll_votes(anya, poll) == [0, 1, 0]

    # Аня unlinks the first account on /me; then the second one links
    page = anya.get("/me").get_data(as_text=True)
    assert re.search(r'action="/me/telegram/unlink"', page)
    assert anya.post("/me/telegram/unlink", data={"csrf_token": csrf_token_from(page)}).status_code == 303
    assert anya.get("/api/me").get_json()["member"]["telegram_linked"] is False
    assert "Готово" in bot_reply(app, start_message(222, telegram_link_code(app, member["id"])))
    with app.app_context():
        assert db.session.scalar(select(Member.telegram_user_id).where(Member.id == member["id"])) == 222
