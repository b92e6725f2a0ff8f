"""Polls in Telegram, end to end: the real notifier worker process, the real Postgres and
the fake Bot API, which refuses any call the published specification does not allow.
A new poll is announced with one button per film; buttons vote as the Telegram user (one
vote per user, changeable) and are answered; the announcement's counts are edited in
place, throttled; the result of a closed poll is announced exactly once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import Member, Poll, PollVote, utcnow
from movie_lottery.services.polls import telegram as poll_telegram
from movie_lottery.services import polls

from .test_notifier import fake_telegram, outbox_drained, pg, wait_until, workers  # noqa: F401  (fixtures)
from .workers import FIXED_CHAT

pytestmark = pytest.mark.slow


def user(n: int) -> dict:
    return {"id": n, "is_bot": False, "first_name": f"Friend {n}"}


def create_poll(app, titles=("Сталкер", "Солярис", "Зеркало"), **extra) -> dict:
    response = app.test_client().post(
        "/api/polls", json={"title": "Пятница", "entries": [{"title": t} for t in titles], **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def announcement(fake) -> dict:
    assert wait_until(lambda: any(m["reply_markup"] for m in fake.messages_for(FIXED_CHAT)), 20)
    return next(m for m in fake.messages_for(FIXED_CHAT) if m["reply_markup"] or "Голосуем" in m["text"])


def current(fake, message_id: int) -> dict:
    return next(m for m in fake.messages_for(FIXED_CHAT) if m["message_id"] == message_id)


def results(fake) -> list[dict]:
    return [m for m in fake.messages_for(FIXED_CHAT) if "закончилось" in m["text"]]


def answered(fake, query_id: str) -> str | None:
    return next((a.get("text") for a in fake.callback_answers if a["callback_query_id"] == query_id), None)


def press(fake, message_id: int, data: str, who: int, timeout: float = 15) -> str:
    query = fake.push_callback_query(message_id, data, from_user=user(who))
    assert wait_until(lambda: answered(fake, query) is not None, timeout), "the button press was not answered"
    return answered(fake, query)


def wait_until_result_is_out(app, public_id: str) -> None:
    """The poll's result was claimed (once, by result_announced_at) and the outbox is drained:
    any second result would be in the fake by now, however slow the machine."""

    def claimed() -> bool:
        with app.app_context():
            announced = db.session.scalar(select(Poll.result_announced_at).where(Poll.public_id == public_id))
            db.session.rollback()
            return announced is not None

    assert wait_until(claimed, 20) and wait_until(lambda: outbox_drained(app), 20)


def votes(app, public_id: str) -> list[int]:
    return [e["votes"] for e in app.test_client().get(f"/api/polls/{public_id}").get_json()["entries"]]


def test_vote_by_buttons_live_counts_and_the_result_once(pg, workers, fake_telegram):
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    poll = create_poll(pg)
    message = announcement(fake_telegram)
    assert "Пятница" in message["text"] and f"https://kino.example.org/p/{poll['id']}" in message["text"]
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Сталкер · 0", "Солярис · 0", "Зеркало · 0"]
    data = [row[0]["callback_data"] for row in keyboard]

    assert press(fake_telegram, message["message_id"], data[0], who=1) == "Ваш голос: Сталкер"
    assert votes(pg, poll["id"]) == [1, 0, 0]
    assert press(fake_telegram, message["message_id"], data[1], who=1) == "Ваш голос: Солярис"  # changed, not added
    assert votes(pg, poll["id"]) == [0, 1, 0]
    with pg.app_context():
        member = db.session.scalar(select(Member).where(Member.telegram_user_id == 1))  # a member by their first vote
        assert db.session.scalars(select(PollVote.voter)).all() == [f"m:{member.id}"]

    # Votes keep coming for ~9 s: the announcement follows, edited at most once per interval
    # (the worker looks every second, so without the throttle it would edit ~9 times).
    edits_before = fake_telegram.requests_count("editMessageText")
    started = time.monotonic()
    for n in range(100, 130):
        fake_telegram.push_callback_query(message["message_id"], data[2], from_user=user(n))
        time.sleep(0.3)
    assert wait_until(lambda: "Зеркало — 30" in current(fake_telegram, message["message_id"])["text"], 30)
    elapsed = time.monotonic() - started
    edits = fake_telegram.requests_count("editMessageText") - edits_before
    interval = poll_telegram.EDIT_INTERVAL.total_seconds()
    assert 1 <= edits <= elapsed / interval + 2, (edits, elapsed)
    buttons = [
        row[0]["text"] for row in current(fake_telegram, message["message_id"])["reply_markup"]["inline_keyboard"]
    ]
    assert buttons == ["Сталкер · 0", "Солярис · 1", "Зеркало · 30"]

    closed = pg.test_client().post(
        f"/api/polls/{poll['id']}/close", headers={"Authorization": f"Bearer {poll['manage_token']}"}
    )
    assert closed.status_code == 200
    assert wait_until(lambda: len(results(fake_telegram)) == 1, 20)
    assert "Победил: <b>Зеркало</b>" in results(fake_telegram)[0]["text"]
    assert wait_until(lambda: current(fake_telegram, message["message_id"])["reply_markup"] is None, 20)
    assert "закрыто" in current(fake_telegram, message["message_id"])["text"]
    assert press(fake_telegram, message["message_id"], data[0], who=2) == "Голосование уже закрыто."
    wait_until_result_is_out(pg, poll["id"])
    assert len(results(fake_telegram)) == 1
    assert fake_telegram.refusals == []


def test_the_deadline_alone_announces_a_tie_once(pg, workers, fake_telegram):
    workers().wait_for_log("holds the singleton lock")
    poll = create_poll(pg, titles=("A", "B"), hide_results=True)
    message = announcement(fake_telegram)
    assert [row[0]["text"] for row in message["reply_markup"]["inline_keyboard"]] == ["A", "B"]  # counts hidden
    data = [row[0]["callback_data"] for row in message["reply_markup"]["inline_keyboard"]]
    press(fake_telegram, message["message_id"], data[0], who=7)
    press(fake_telegram, message["message_id"], data[1], who=8)
    with pg.app_context():
        db.session.execute(
            update(Poll).where(Poll.public_id == poll["id"]).values(closes_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert wait_until(lambda: len(results(fake_telegram)) == 1, 20)
    with pg.app_context():  # the tie goes to the earlier film in the committed priority order
        first = polls.priority(polls.get_poll(db.session, poll["id"]))[0]
        title = "A" if first == poll["entries"][0]["id"] else "B"
        db.session.rollback()
    assert f"Победил: <b>{title}</b> (ничью решило опубликованное зерно)" in results(fake_telegram)[0]["text"]
    assert wait_until(lambda: "A — 1" in current(fake_telegram, message["message_id"])["text"], 20)  # shown once closed
    wait_until_result_is_out(pg, poll["id"])
    assert len(results(fake_telegram)) == 1
    assert fake_telegram.refusals == []


def test_the_worker_purges_old_closed_polls(pg, workers, fake_telegram):
    old, fresh = create_poll(pg), create_poll(pg)
    with pg.app_context():
        db.session.execute(
            update(Poll).where(Poll.public_id == old["id"]).values(closes_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()
    workers(POLL_RETENTION_DAYS="30").wait_for_log("holds the singleton lock")

    def remaining() -> set[str]:
        with pg.app_context():
            ids = set(db.session.scalars(select(Poll.public_id)))
            db.session.rollback()
            return ids

    assert wait_until(lambda: remaining() == {fresh["id"]}, 20)


@pytest.mark.parametrize(
    ("zone", "expected"), [("Asia/Yekaterinburg", "30 ноября, 17:30 (Екатеринбург"), ("UTC", "30 ноября, 12:30")]
)
def test_the_announcement_gives_the_deadline_in_the_groups_time_zone(sqlite_url, zone, expected):
    from datetime import datetime, timezone

    from movie_lottery.services import library, polls

    from .helpers import build_app

    app = build_app(sqlite_url, SITE_TIMEZONE=zone)
    with app.app_context():
        created = polls.create_poll(
            db.session, "Пятница", [polls.PollEntryData(library.FilmData(t)) for t in ("A", "B")]
        )
        created.poll.closes_at = datetime(2099, 11, 30, 12, 30, tzinfo=timezone.utc)
        text, _keyboard = poll_telegram.message(db.session, created.poll, None)
        db.session.rollback()
    assert expected in text, text
    assert zone == "UTC" or "UTC" not in text


def keyboard_of(fake, message_id: int) -> list[list[dict]]:
    return current(fake, message_id)["reply_markup"]["inline_keyboard"]


def data_of(keyboard) -> dict[str, str]:
    """Each button's callback_data by its text without the count (the control row's by its own text)."""
    found = {button["text"].split(" · ")[0]: button["callback_data"] for row in keyboard for button in row}
    assert all(len(data.encode()) <= 64 for data in found.values())  # Telegram's limit on callback_data
    return found


def announced_ballot(fake) -> tuple[dict, list[list[dict]], dict[str, str], int]:
    """The announcement, its keyboard, its buttons' callback_data by text, its message id."""
    message = announcement(fake)
    keyboard = message["reply_markup"]["inline_keyboard"]
    return message, keyboard, data_of(keyboard), message["message_id"]


def ballot_of(app, public_id: str, telegram_user: int):
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.telegram_user_id == telegram_user))
        row = db.session.execute(
            select(PollVote.marks, PollVote.vetoes)
            .join(Poll, Poll.id == PollVote.poll_id)
            .where(Poll.public_id == public_id, PollVote.voter == f"m:{member.id}")
        ).one_or_none()
        db.session.rollback()
        return None if row is None else (row.marks, row.vetoes or [])


def test_approval_buttons_toggle_marks_and_the_veto_row_arms_a_veto(pg, workers, fake_telegram):
    workers().wait_for_log("holds the singleton lock")
    poll = create_poll(pg, ballot="approval", max_approvals=2, vetoes_per_member=1)
    message, keyboard, data, mid = announced_ballot(fake_telegram)
    assert (
        "Отмечайте все фильмы, которые готовы смотреть" in message["text"] and "не больше 2 фильмов" in message["text"]
    )
    assert [[b["text"] for b in row] for row in keyboard] == [
        ["Сталкер · 0"],
        ["Солярис · 0"],
        ["Зеркало · 0"],
        ["⛔ Вето"],
    ]
    s, so, z = (e["id"] for e in poll["entries"])

    assert press(fake_telegram, mid, data["Сталкер"], who=1) == "Отмечено: Сталкер"
    assert press(fake_telegram, mid, data["Солярис"], who=1) == "Отмечено: Сталкер, Солярис"
    assert press(fake_telegram, mid, data["Зеркало"], who=1) == "Можно отметить не больше 2 фильмов."
    assert press(fake_telegram, mid, data["Сталкер"], who=1) == "Отмечено: Солярис"  # pressed again: the mark goes
    assert press(fake_telegram, mid, data["⛔ Вето"], who=2) == "Сначала проголосуйте, потом вето."
    assert (
        press(fake_telegram, mid, data["⛔ Вето"], who=1)
        == "Теперь нажмите фильм: вето на него (или снять вето). Осталось вето: 1"
    )
    assert press(fake_telegram, mid, data["Зеркало"], who=1) == "⛔ Вето: Зеркало. Осталось вето: 0"
    assert press(fake_telegram, mid, data["Сталкер"], who=1) == "Отмечено: Сталкер, Солярис"  # the veto mode has ended
    assert ballot_of(pg, poll["id"], 1) == ([so, s], [z])
    assert press(fake_telegram, mid, data["Солярис"], who=3) == "Отмечено: Солярис"
    assert votes(pg, poll["id"]) == [1, 2, 0]
    # the counts are edited in place, the veto row stays
    assert wait_until(
        lambda: (
            [b["text"] for row in keyboard_of(fake_telegram, mid) for b in row]
            == ["Сталкер · 1", "Солярис · 2", "Зеркало · 0", "⛔ Вето"]
        ),
        20,
    )
    assert press(fake_telegram, mid, data["Солярис"], who=3) == "Отметок нет — ваш голос снят."
    assert ballot_of(pg, poll["id"], 3) is None
    closed = pg.test_client().post(
        f"/api/polls/{poll['id']}/close", headers={"Authorization": f"Bearer {poll['manage_token']}"}
    )
    assert closed.get_json()["ballots"] == [{"voter": "Friend 1", "entry_ids": [so, s], "vetoes": [z]}]
    assert press(fake_telegram, mid, data["⛔ Вето"], who=1) == "Голосование уже закрыто."
    assert fake_telegram.refusals == []


def test_ranked_buttons_build_the_ranking_in_order_with_a_reset(pg, workers, fake_telegram):
    workers().wait_for_log("holds the singleton lock")
    poll = create_poll(pg, ballot="ranked", vetoes_per_member=2)
    message, keyboard, data, mid = announced_ballot(fake_telegram)
    assert "Нажимайте фильмы по порядку" in message["text"]
    assert [b["text"] for b in keyboard[-1]] == ["↺ Заново", "⛔ Вето"] and len(keyboard) == 4  # one extra row
    s, so, z = (e["id"] for e in poll["entries"])

    assert press(fake_telegram, mid, data["Сталкер"], who=5) == "1. Сталкер"
    assert press(fake_telegram, mid, data["Зеркало"], who=5) == "1. Сталкер 2. Зеркало"
    assert (
        press(fake_telegram, mid, data["Сталкер"], who=5)
        == "«Сталкер» уже в вашем порядке (↺ — заново): 1. Сталкер 2. Зеркало"
    )
    assert press(fake_telegram, mid, data["⛔ Вето"], who=5).startswith("Теперь нажмите фильм")
    assert press(fake_telegram, mid, data["Солярис"], who=5) == "⛔ Вето: Солярис. Осталось вето: 1"
    assert ballot_of(pg, poll["id"], 5) == ([s, z], [so])
    assert press(fake_telegram, mid, data["↺ Заново"], who=5) == "Начнём заново: нажимайте фильмы по порядку."
    assert ballot_of(pg, poll["id"], 5) is None
    assert press(fake_telegram, mid, data["Зеркало"], who=5) == "1. Зеркало"
    assert press(fake_telegram, mid, data["Солярис"], who=6) == "1. Солярис"
    assert votes(pg, poll["id"]) == [0, 1, 1]  # first choices, live
    assert wait_until(lambda: [b["text"] for b in keyboard_of(fake_telegram, mid)[2]] == ["Зеркало · 1"], 20)
    assert fake_telegram.refusals == []
