"""Members through HTTP on SQLite and Postgres: a name makes a device a member's, one vote per
person across devices and Telegram (the most recent vote stands), one-time codes (single use,
expiring, hashed), Telegram linking by /start <code>, and the admin's rename/merge/delete."""

from contextlib import ExitStack
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from movie_lottery.extensions import db
from movie_lottery.models import Member, MemberCode, NotifierState, PollVote, utcnow
from movie_lottery.services.bot import commands as bot_commands

from .helpers import BASE_SETTINGS, build_app, csrf_token_from
from .redis_server import RedisServer
from .servers import running_gunicorn


def new_poll(client, titles=("Сталкер", "Солярис", "Зеркало")):
    response = client.post("/api/polls", json={"entries": [{"title": t} for t in titles]})
    assert response.status_code == 201
    return response.get_json()


def vote(client, poll, index):
    response = client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": poll["entries"][index]["id"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def poll_votes(client, poll):
    body = client.get(f"/api/polls/{poll['id']}").get_json()
    return [entry["votes"] for entry in body["entries"]]


def name(client, value):
    response = client.put("/api/me", json={"name": value})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["member"]


def device_code(client):
    response = client.post("/api/me/device-code")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def press_button(app, data, user_id, first_name="Петя"):
    """A Telegram button press, as the bot's update loop hands it over."""
    query = {"id": "q1", "from": {"id": user_id, "first_name": first_name, "is_bot": False}, "data": data}
    with app.test_request_context():
        text = bot_commands.answer_callback(db.session, query)
        db.session.commit()
    return text


def telegram_press(app, poll, index, user_id, first_name="Петя"):
    return press_button(app, f"pv:{poll['id']}:{poll['entries'][index]['id']}", user_id, first_name)


def start_message(user_id, code, language="ru"):
    return {
        "message_id": 1,
        "chat": {"id": user_id, "type": "private", "first_name": "Петя"},
        "from": {"id": user_id, "first_name": "Петя", "is_bot": False, "language_code": language},
        "text": f"/start {code}",
    }


def bot_reply(app, message):
    with app.test_request_context():
        text = bot_commands.reply(db.session, message, bot_username="movie_bot", fixed_chat_id=None, site_url=None)
        db.session.commit()
    return text


def test_me_is_null_then_a_name_makes_this_device_a_member(client):
    assert client.get("/api/me").get_json() == {"member": None}
    member = name(client, "  Аня   Петрова ")
    assert member["name"] == "Аня Петрова" and member["telegram_linked"] is False
    assert client.get("/api/me").get_json() == {"member": member}
    renamed = name(client, "Аня")
    assert renamed["id"] == member["id"] and renamed["name"] == "Аня"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41, "Ан\x07я", "a\u202eb", 5, None])
def test_bad_names_are_refused_with_the_error_shape(client, bad):
    response = client.put("/api/me", json={"name": bad})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert client.get("/api/me").get_json() == {"member": None}


def test_anonymous_votes_become_the_members_and_a_second_device_keeps_one_vote(app, client):
    poll = new_poll(client)
    vote(client, poll, 0)
    member = name(client, "Аня")
    with app.app_context():
        assert db.session.scalars(select(PollVote.voter)).all() == [f"m:{member['id']}"]
    laptop = app.test_client()
    vote(laptop, poll, 1)  # the laptop, still anonymous, votes later for another film
    assert poll_votes(client, poll) == [1, 1, 0]
    code = device_code(client)
    assert code["url"].endswith(f"/join/{code['code']}") and len(code["code"]) == 8
    joined = laptop.post(f"/api/join/{code['code']}")
    assert joined.status_code == 200 and joined.get_json()["member"]["id"] == member["id"]
    assert poll_votes(client, poll) == [0, 1, 0]  # one person, the most recent vote
    vote(client, poll, 2)  # either device changes the person's one vote
    assert poll_votes(laptop, poll) == [0, 0, 1]
    assert laptop.get(f"/api/polls/{poll['id']}").get_json()["my_vote"] == poll["entries"][2]["id"]


def test_codes_are_single_use_expire_and_are_stored_hashed(app, client):
    name(client, "Аня")
    code = device_code(client)
    other, third = app.test_client(), app.test_client()
    assert other.post(f"/api/join/{code['code'].lower()}").status_code == 200  # typed in lower case is fine
    gone = third.post(f"/api/join/{code['code']}")
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "code_gone"
    assert third.post("/api/join/ZZZZZZZZ").status_code == 404
    late = device_code(client)
    with app.app_context():
        assert code["code"] not in str(db.session.scalars(select(MemberCode.code_hash)).all())
        db.session.execute(update(MemberCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert third.post(f"/api/join/{late['code']}").status_code == 410
    assert third.get("/api/me").get_json() == {"member": None}


def test_codes_need_a_name_first(client):
    for path in ("/api/me/device-code", "/api/me/telegram-link"):
        response = client.post(path)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "name_required"


def test_guessing_join_codes_is_rate_limited(client):
    statuses = [client.post(f"/api/join/AAAAAAA{n}").status_code for n in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]


def test_telegram_voter_becomes_a_member_and_linking_merges_with_the_latest_vote(app, client):
    poll = new_poll(client)
    vote(client, poll, 0)
    member = name(client, "Петя")
    assert "Солярис" in telegram_press(app, poll, 1, user_id=777)  # later, from Telegram
    with app.app_context():
        tg_member = db.session.scalar(select(Member).where(Member.telegram_user_id == 777))
        assert tg_member.name == "Петя (2)" and tg_member.id != member["id"]
    assert poll_votes(client, poll) == [1, 1, 0]  # two members so far: two votes

    telegram_app = build_app(app.config["SQLALCHEMY_DATABASE_URI"], TELEGRAM_BOT_TOKEN="1:x")
    with app.app_context():
        db.session.add(NotifierState(name="notifier", instance="t", heartbeat_at=utcnow(), bot_username="movie_bot"))
        db.session.commit()
    cookie = client.get_cookie("voter")
    tg_client = telegram_app.test_client()
    tg_client.set_cookie("voter", cookie.value)
    link = tg_client.post("/api/me/telegram-link")
    assert link.status_code == 201, link.get_json()
    body = link.get_json()
    assert body["url"] == f"https://t.me/movie_bot?start={body['code']}"
    answer = bot_reply(app, start_message(777, body["code"], language="en"))
    assert "Петя" in answer and "Telegram" in answer and "Готово" not in answer  # in the user's language
    me = client.get("/api/me").get_json()["member"]
    assert me == {"id": member["id"], "name": "Петя", "telegram_linked": True}
    assert poll_votes(client, poll) == [0, 1, 0]  # merged: the Telegram vote was the latest
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    telegram_press(app, poll, 2, user_id=777)
    assert poll_votes(client, poll) == [0, 0, 1] and client.get(f"/api/polls/{poll['id']}").get_json()["my_vote"]
    assert "использована" in bot_reply(app, start_message(777, body["code"]))  # single use


def test_telegram_link_is_unavailable_without_the_bot(client):
    name(client, "Аня")
    response = client.post("/api/me/telegram-link")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "telegram_unavailable"


def test_the_phone_pages_name_and_join_with_prg(app, client):
    page = client.get("/me")
    assert page.status_code == 200 and "Как вас зовут?" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/me", data={"name": "Оля", "csrf_token": token, "next": "/nights"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/nights")
    response = client.post("/me/device-code", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get("/me/device-code").get_data(as_text=True)
    assert "/join/" in page
    qr = client.get("/me/device-code/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    with client.session_transaction() as session:
        code = session["device_code"]
    other = app.test_client()
    form = other.get(f"/join/{code}")
    assert form.status_code == 200
    other_token = csrf_token_from(form.get_data(as_text=True))
    assert other.get("/api/me").get_json() == {"member": None}  # opening the link spends nothing
    done = other.post(f"/join/{code}", data={"csrf_token": other_token})
    assert done.status_code == 303
    assert other.get("/api/me").get_json()["member"]["name"] == "Оля"
    assert "Оля" in other.get("/me?lang=en").get_data(as_text=True)


def test_admin_renames_merges_and_deletes_members_votes_stay_counted(app, admin_client, csrf):
    poll = new_poll(admin_client)
    phones = [app.test_client() for _ in range(3)]
    ids = []
    for index, (phone, who) in enumerate(zip(phones, ("Аня", "Аня (ноут)", "Боря"))):
        ids.append(name(phone, who)["id"])
        vote(phone, poll, index)
    page = admin_client.get("/admin/members")
    assert page.status_code == 200 and "Боря" in page.get_data(as_text=True)
    assert (
        admin_client.post(f"/admin/members/{ids[0]}/rename", data={"name": "Анна", "csrf_token": csrf}).status_code
        == 303
    )
    assert (
        admin_client.post(f"/admin/members/{ids[1]}/merge", data={"into": str(ids[0]), "csrf_token": csrf}).status_code
        == 303
    )
    assert phones[1].get("/api/me").get_json()["member"]["name"] == "Анна"
    assert poll_votes(admin_client, poll) == [0, 1, 1]  # the merged member's later vote stands
    assert admin_client.post(f"/admin/members/{ids[2]}/delete", data={"csrf_token": csrf}).status_code == 303
    assert phones[2].get("/api/me").get_json() == {"member": None}
    assert poll_votes(admin_client, poll) == [0, 1, 1]  # still counted, anonymous
    assert app.test_client().get("/admin/members").status_code == 302  # admin only


def guesses_across(database_url: str, redis_urls: list[str], log_dir) -> list[int]:
    """Twelve wrong join codes, sent in turn to one gunicorn instance per Redis URL (separate
    processes, one worker each, on the same database), from one address."""
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                running_gunicorn(
                    {**BASE_SETTINGS, "DATABASE_URL": database_url, "REDIS_URL": redis, "WEB_CONCURRENCY": "1"},
                    log_dir / f"gunicorn-{n}.log",
                )
            ).url
            for n, redis in enumerate(redis_urls)
        ]
        return [requests.post(f"{urls[n % len(urls)]}/api/join/BBBBBBB{n}", timeout=10).status_code for n in range(12)]


def test_guessing_codes_is_limited_across_instances_through_redis(postgres_url, pg_app, tmp_path):
    """Two instances (as two Render instances: separate processes) sharing one Redis: the
    guesses add up. The control: with a Redis each, the same guesses are not limited, so the
    first assertion holds only through the shared Redis, never through one process's memory."""
    with RedisServer(tmp_path) as shared:
        statuses = guesses_across(postgres_url, [shared.url, shared.url], tmp_path)
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]
    for name in "ab":
        (tmp_path / name).mkdir()
    with RedisServer(tmp_path / "a") as one, RedisServer(tmp_path / "b") as other:
        assert guesses_across(postgres_url, [one.url, other.url], tmp_path) == [404] * 12


def test_a_bad_site_timezone_stops_start_up():
    from movie_lottery.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as info:
        load_settings({"SITE_TIMEZONE": "Mars/Olympus"})
    assert "SITE_TIMEZONE" in str(info.value)
    assert load_settings({}).site_timezone == "Europe/Moscow"
