"""The notifier worker: real worker processes, the real Postgres, a fake Telegram Bot API
on loopback that keeps every message and enforces one getUpdates consumer with 409.

Seeds 000/001: several bot copies polled at once and Telegram answered 409 Conflict.
Here only the holder of the singleton lock polls or sends."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

import psycopg
import pytest
from sqlalchemy import func, select, text

from movie_lottery.extensions import db
from movie_lottery.models import Lottery, Notification, NotifierState, TelegramChat, as_utc, utcnow
from movie_lottery.services import events, notifications
from movie_lottery.services.lotteries import lottery
from movie_lottery.services.library import FilmData
from movie_lottery.worker import notifier
from movie_lottery.worker.singleton import LOCK_KEY

from .fakes.telegram_api import FakeTelegram
from .helpers import build_app
from .workers import FIXED_CHAT, TOKEN, WorkerProcess, worker_env

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_telegram():
    with FakeTelegram(token=TOKEN) as fake:
        yield fake
        assert fake.refusals == []  # every Bot API call the worker made conforms to the published spec


@pytest.fixture
def pg(pg_app):
    return pg_app


@pytest.fixture
def workers(pg, postgres_url, fake_telegram, tmp_path):
    """Worker processes on this test's Postgres database; after them, `pg` empties the tables
    (their heartbeat and outbox rows included), so no test sees another's."""
    started: list[WorkerProcess] = []

    def start(**extra) -> WorkerProcess:
        env = worker_env(postgres_url, fake_telegram.url, **extra)
        worker = WorkerProcess(env, tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


def make_and_draw(app, n: int, prefix: str = "L") -> list[str]:
    ids = []
    with app.app_context():
        for i in range(n):
            entries = [lottery.EntryData(film=FilmData(title=f"{prefix}{i} film {j}", year=2000 + j)) for j in range(2)]
            created = lottery.create_lottery(db.session, f"{prefix}{i}", entries)
            db.session.commit()
            lottery.draw(db.session, created.public_id)
            ids.append(created.public_id)
    return ids


def announced_ids(fake) -> list[str]:
    return [m for msg in fake.messages_for(FIXED_CHAT) for m in re.findall(r"/l/([\w-]+)", msg["text"])]


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def outbox_drained(app) -> bool:
    """No notification waits to be sent. The worker commits each delivery right after Telegram
    accepted it, and a row is sent once every recipient has it, so once none is pending every
    message the outbox will ever send is already in the fake: nothing more can come, however
    slow the machine (a wait that proves idleness)."""
    with app.app_context():
        pending = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.status == "pending")
        )
        db.session.rollback()
        return pending == 0


def wait_for_heartbeat_after(app, moment) -> None:
    """The worker, leading, wrote its heartbeat after `moment`: it is alive and past that point."""

    def beaten() -> bool:
        with app.app_context():
            state = db.session.get(NotifierState, notifications.HEARTBEAT_NAME)
            db.session.rollback()
            return state is not None and as_utc(state.heartbeat_at) > moment

    assert wait_until(beaten, 3 * notifier.HEARTBEAT_SECONDS)


def leader_and_standby(first: WorkerProcess, second: WorkerProcess) -> tuple[WorkerProcess, WorkerProcess]:
    assert wait_until(lambda: first.leading or second.leading, 15), first.log() + second.log()
    leader, standby = (first, second) if first.leading else (second, first)
    standby.wait_for_log("standing by")
    return leader, standby


def test_two_workers_exactly_one_sends_every_draw_once(pg, workers, fake_telegram):
    leader, standby = leader_and_standby(workers(), workers())
    ids = make_and_draw(pg, 8)
    assert fake_telegram.wait_for_messages(8, timeout=20)
    assert wait_until(lambda: outbox_drained(pg), 20)  # any duplicate has arrived by now
    assert sorted(announced_ids(fake_telegram)) == sorted(ids)
    assert fake_telegram.conflicts == 0
    assert not standby.leading
    text = fake_telegram.messages_for(FIXED_CHAT)[0]["text"]
    assert "<b>" in text and "https://kino.example.org/l/" in text
    with pg.app_context():
        assert {n.status for n in db.session.scalars(select(Notification))} == {"sent"}


def test_kill_9_the_holder_mid_stream_and_the_standby_takes_over(pg, workers, fake_telegram):
    """The message the killed holder had claimed goes out once its lease runs out (3 s here)."""
    leader, standby = leader_and_standby(workers(OUTBOX_LEASE_SECONDS="3"), workers(OUTBOX_LEASE_SECONDS="3"))
    ids: list[str] = []

    def draw_stream():
        for batch in range(12):
            ids.extend(make_and_draw(pg, 1, prefix=f"K{batch}-"))
            time.sleep(0.05)

    producer = threading.Thread(target=draw_stream)
    producer.start()
    assert wait_until(lambda: len(fake_telegram.messages_for(FIXED_CHAT)) >= 4, 20)
    killed_at = time.monotonic()
    leader.kill()
    standby.wait_for_log("holds the singleton lock", timeout=15)
    takeover = time.monotonic() - killed_at
    producer.join(timeout=60)
    assert wait_until(lambda: set(announced_ids(fake_telegram)) >= set(ids), 30)
    counts = Counter(announced_ids(fake_telegram))
    duplicates = sum(c - 1 for c in counts.values())
    print(f"takeover after kill -9: {takeover:.2f}s; duplicates (crash window): {duplicates}")
    assert takeover < 10
    assert set(counts) == set(ids)
    assert duplicates <= 1  # at most the one message in flight at the kill
    # The killed holder's long poll may still be parked in the fake when the new holder
    # polls; the 409 goes to the dead socket. No living instance ever sees a 409.
    assert "409 Conflict" not in standby.log()


def test_sigterm_releases_the_lock_promptly_for_the_next_deploy(workers, fake_telegram):
    old = workers()
    old.wait_for_log("holds the singleton lock")
    new = workers()  # Render starts the new instance beside the old one
    new.wait_for_log("standing by")
    code, took = old.terminate()
    assert code == 0 and took < 10
    new.wait_for_log("holds the singleton lock", timeout=10)


def terminate_lock_holder(admin: psycopg.Connection) -> None:
    """End the session holding the notifier's lock on this test's database (advisory locks are
    per database: other test runs sharing the server keep theirs)."""
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (LOCK_KEY & 0xFFFFFFFF,),
    )


def test_lost_lock_connection_stops_sending_then_reacquires(pg, workers, fake_telegram, postgres_url):
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
        terminate_lock_holder(admin)
    worker.wait_for_log("lock is lost", timeout=15)
    worker.wait_for_log("re-acquired the notifier lock", timeout=15)
    ids = make_and_draw(pg, 2)
    assert fake_telegram.wait_for_messages(2, timeout=15)
    assert sorted(announced_ids(fake_telegram)) == sorted(ids)


def test_a_lock_lost_for_good_stops_sending_and_exits_non_zero(pg, workers, fake_telegram, postgres_url):
    """Another session takes the lock while ours is gone: the worker stops at once, tries to
    re-acquire for a while, then exits non-zero for the platform to restart it."""
    # The production heartbeat (the thief must get there before the worker's next lock check),
    # the re-acquire window shortened from 15 s: the same path, sooner.
    worker = workers(NOTIFIER_REACQUIRE_SECONDS="3")
    worker.wait_for_log("holds the singleton lock")
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as thief:
        terminate_lock_holder(thief)
        # The terminated session lets go of the lock as it exits; the worker notices only at
        # its next lock check, so the thief gets there first.
        assert wait_until(lambda: thief.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0], 10)
        worker.wait_for_log("lock is lost", timeout=3 * notifier.HEARTBEAT_SECONDS)
        make_and_draw(pg, 1)  # not sent: it no longer leads
        code = worker.process.wait(timeout=3 + 3 * notifier.HEARTBEAT_SECONDS)
    assert code != 0, worker.log()
    assert "could not re-acquire the notifier lock" in worker.log()
    assert fake_telegram.messages == []


def test_a_409_from_get_updates_is_one_line_each_with_growing_back_off(pg, workers, fake_telegram):
    """A webhook (or a stray copy elsewhere) makes getUpdates answer 409: one clear log line per
    refusal, waits that grow, announcements still going out; and it recovers once it is gone."""
    fake_telegram.set_webhook("https://example.org/hook")
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    [drawn] = make_and_draw(pg, 1)
    assert wait_until(lambda: len(re.findall(r"409 Conflict", worker.log())) >= 3, 20), worker.log()
    fake_telegram.set_webhook(None)
    log = worker.log()
    assert announced_ids(fake_telegram) == [drawn]  # the outbox does not depend on getUpdates
    backoffs = [float(s) for s in re.findall(r"409 Conflict \(.*\): .*; backing off (\d+)s", log)]
    assert backoffs[:3] == [1, 2, 4], log
    # One line per refused call: no retry storm behind the back-off.
    assert fake_telegram.requests_count("getUpdates") <= len(backoffs) + 1
    assert fake_telegram.conflicts >= len(backoffs)
    fake_telegram.push_message(chat_id=555, text="/start")
    assert wait_until(lambda: fake_telegram.messages_for(555), 30), worker.log()


def test_sigterm_in_the_middle_of_a_send_finishes_that_message(pg, workers, fake_telegram):
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    fake_telegram.delay_next("sendMessage", 2.0)
    [drawn] = make_and_draw(pg, 1)
    assert wait_until(lambda: fake_telegram.requests_count("sendMessage") == 1, 15)  # the send is in flight
    code, _took = worker.terminate()
    assert code == 0, worker.log()
    assert "finishing the message in flight" in worker.log()
    assert announced_ids(fake_telegram) == [drawn]
    with pg.app_context():  # and recorded before the exit: the next worker will not repeat it
        assert [n.delivered_to for n in db.session.scalars(select(Notification))] == [[FIXED_CHAT]]


def listen_backends(database_url: str) -> set[int]:
    """The LISTEN connections on this test's database (other runs may share the server)."""
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE query = %s AND datname = current_database()"
            " AND pid <> pg_backend_pid()",
            (f"LISTEN {notifications.CHANNEL}",),
        ).fetchall()
    return {pid for (pid,) in rows}


def test_a_lost_listen_connection_is_reopened(pg, workers, fake_telegram, postgres_url):
    """On Postgres the outbox waits on LISTEN/NOTIFY; losing that connection must not turn
    the worker into a sleeping poll loop."""
    worker = workers()
    worker.wait_for_log("holds the singleton lock")
    assert wait_until(lambda: listen_backends(postgres_url), 10)
    [first] = listen_backends(postgres_url)
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    worker.wait_for_log("LISTEN connection lost", timeout=15)
    assert wait_until(lambda: listen_backends(postgres_url) - {first}, 15), worker.log()
    ids = make_and_draw(pg, 2)
    assert fake_telegram.wait_for_messages(2, timeout=15)
    assert sorted(announced_ids(fake_telegram)) == sorted(ids)


def test_rate_limits_and_server_errors_delay_but_never_duplicate(pg, workers, fake_telegram):
    fake_telegram.fail_next("sendMessage", 429, retry_after=1)
    fake_telegram.fail_next("sendMessage", 502, times=2)
    workers().wait_for_log("holds the singleton lock")
    ids = make_and_draw(pg, 3)
    assert fake_telegram.wait_for_messages(3, timeout=30)
    assert wait_until(lambda: outbox_drained(pg), 30)
    assert sorted(announced_ids(fake_telegram)) == sorted(ids)


def test_commands_subscribe_and_a_blocked_chat_is_dropped(pg, workers, fake_telegram):
    workers().wait_for_log("holds the singleton lock")
    fake_telegram.push_message(chat_id=555, text="/start")
    assert wait_until(lambda: fake_telegram.messages_for(555), 15)
    with pg.app_context():
        assert db.session.get(TelegramChat, 555).subscribed
    make_and_draw(pg, 1)
    assert wait_until(lambda: len(fake_telegram.messages_for(555)) == 2, 15)
    fake_telegram.push_message(chat_id=555, text="/last")
    assert wait_until(lambda: len(fake_telegram.messages_for(555)) == 3, 15)
    last = fake_telegram.messages_for(555)[-1]["text"]
    assert "Последний победитель" in last
    assert last.endswith(
        f"https://kino.example.org/l/{announced_ids(fake_telegram)[0]}"
    )  # the draw's link, as announced

    fake_telegram.push_message(chat_id=777, text="/start")
    assert wait_until(lambda: fake_telegram.messages_for(777), 15)
    fake_telegram.block_chat(777)
    make_and_draw(pg, 1, prefix="B")
    assert wait_until(lambda: len(fake_telegram.messages_for(FIXED_CHAT)) == 2, 15)
    with pg.app_context():
        assert wait_until(lambda: not db.session.get(TelegramChat, 777).subscribed or db.session.rollback(), 10)

    fake_telegram.push_message(chat_id=555, text="/stop")
    assert wait_until(lambda: len(fake_telegram.messages_for(555)) == 5, 15)
    with pg.app_context():
        assert not db.session.get(TelegramChat, 555).subscribed
    assert fake_telegram.conflicts == 0


def replies_after(fake, chat_id, command: str, n: int) -> list[str]:
    """Push a command and wait for the chat's n-th message (commands are answered in order)."""
    fake.push_message(chat_id=chat_id, text=command, title="Movie night")
    assert wait_until(lambda: len(fake.messages_for(chat_id)) >= n, 15), fake.messages
    return [m["text"] for m in fake.messages_for(chat_id)]


def test_commands_addressed_to_another_bot_unknown_commands_and_the_fixed_chat(pg, workers, fake_telegram):
    fake_telegram.fail_next("getMe", 401, description="Unauthorized")  # a first getMe failure is retried
    worker = workers()
    worker.wait_for_log("answering commands as @fake_bot", timeout=20)
    assert "getMe failed" in worker.log()

    # A private chat: its id is logged on /start (README step 2); an unknown command gets the help.
    replies = replies_after(fake_telegram, 555, "/start", 1)
    worker.wait_for_log("chat 555 (Tester) subscribed")
    replies = replies_after(fake_telegram, 555, "/unknown", 2)
    assert replies[1].startswith("/start — подписаться")

    # A group with other bots: only bare commands and ours by @username.
    group = -100888
    fake_telegram.push_message(chat_id=group, text="/start@other_bot", title="Movie night")
    fake_telegram.push_message(chat_id=group, text="/roll", title="Movie night")  # another bot's, maybe
    replies = replies_after(fake_telegram, group, "/help@Fake_Bot", 1)
    assert replies == [replies_after(fake_telegram, 555, "/help", 3)[2]]  # the other two got no answer
    with pg.app_context():
        assert db.session.get(TelegramChat, group) is None  # /start@other_bot subscribed nothing
    assert replies_after(fake_telegram, group, "/start", 2)[1].startswith("Привет!")
    worker.wait_for_log(f"chat {group} (Movie night) subscribed")
    assert replies_after(fake_telegram, group, "/whatever@fake_bot", 3)[2] == replies[0]

    # The configured chat cannot unsubscribe by /stop: it is told so, and keeps getting announcements.
    stop = replies_after(fake_telegram, FIXED_CHAT, "/stop", 1)[0]
    assert "TELEGRAM_CHAT_ID" in stop and "Вы отписались" not in stop
    [drawn] = make_and_draw(pg, 1, prefix="<Tom & Jerry> ")  # HTML-escaped in Telegram's parse_mode=HTML
    assert wait_until(lambda: drawn in announced_ids(fake_telegram), 15)
    assert wait_until(lambda: len(fake_telegram.messages_for(group)) == 4, 15)
    last = replies_after(fake_telegram, group, "/last", 5)[4]
    assert "&lt;Tom &amp; Jerry&gt; 0 film" in last and last.endswith(f"/l/{drawn}")
    assert fake_telegram.requests_count("getMe") == 2  # the failed one and one more, then cached


def test_without_a_token_the_worker_keeps_the_outbox_for_later(pg, postgres_url, tmp_path, fake_telegram):
    worker = WorkerProcess(worker_env(postgres_url, None), tmp_path / "notoken.log")
    try:
        worker.wait_for_log("Telegram is off")
        worker.wait_for_log("holds the singleton lock")
        make_and_draw(pg, 2)
        wait_for_heartbeat_after(pg, utcnow())  # leading and alive after the draws: it had its chance
        with pg.app_context():
            assert [n.status for n in db.session.scalars(select(Notification))] == ["pending", "pending"]
        assert pg.test_client().get("/ready").get_json()["checks"]["notifier"] == "alive"
    finally:
        worker.close()
    assert TOKEN not in worker.log()


def test_a_rolled_back_draw_leaves_no_notification(pg):
    def explode(_session, **_kwargs):
        raise RuntimeError("boom after the outbox row was added")

    with pg.app_context():
        entries = [lottery.EntryData(film=FilmData(title=t)) for t in ("a", "b")]
        created = lottery.create_lottery(db.session, None, entries)
        db.session.commit()
        events.lottery_drawn.connect(explode)
        try:
            with pytest.raises(RuntimeError):
                lottery.draw(db.session, created.public_id)
            db.session.rollback()
        finally:
            events.lottery_drawn.disconnect(explode)
        assert db.session.scalars(select(Notification)).all() == []
        assert not db.session.scalar(select(Lottery)).is_drawn
        lottery.draw(db.session, created.public_id)
        assert len(db.session.scalars(select(Notification)).all()) == 1


def test_sqlite_uses_a_file_lock(tmp_path, fake_telegram):
    from movie_lottery.dbsetup import upgrade_database

    url = f"sqlite:///{tmp_path}/w.db"
    upgrade_database(build_app(url))
    first = WorkerProcess(worker_env(url, fake_telegram.url), tmp_path / "a.log")
    try:
        first.wait_for_log("holds the singleton lock")
        second = WorkerProcess(worker_env(url, fake_telegram.url), tmp_path / "b.log")
        try:
            second.wait_for_log("standing by")
            app = build_app(url)
            ids = make_and_draw(app, 2)
            assert fake_telegram.wait_for_messages(2, timeout=15)
            assert sorted(announced_ids(fake_telegram)) == sorted(ids)
        finally:
            second.close()
    finally:
        first.close()


def test_ready_shows_a_stale_heartbeat(pg):
    from datetime import timedelta

    client = pg.test_client()
    assert client.get("/ready").get_json()["checks"]["notifier"] == "not_running"
    with pg.app_context():
        db.session.add(NotifierState(name="notifier", instance="old", heartbeat_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert client.get("/ready").get_json()["checks"]["notifier"] == "stale"
    assert client.get("/ready").status_code == 200  # the web itself is fine


def test_the_configured_chat_is_recognised_by_id_or_public_username():
    from movie_lottery.services.bot.commands import is_fixed_chat, parse

    group = {"id": -1001234567890, "type": "supergroup", "title": "Кино", "username": "KinoFriends"}
    assert is_fixed_chat(group, "-1001234567890") and is_fixed_chat(group, "@kinofriends")
    assert not is_fixed_chat(group, "-100123") and not is_fixed_chat(group, "@other") and not is_fixed_chat(group, None)
    assert not is_fixed_chat({"id": 5, "type": "private"}, "@")
    assert parse("/Start@Fake_Bot now") == parse("/start@Fake_Bot") and parse("/start@Fake_Bot").addressee == "Fake_Bot"
    assert parse("/last").addressee is None and parse("hello /start") is None and parse("/") is None


def test_start_in_the_configured_chat_does_not_offer_a_stop_that_cannot_work(app):
    from movie_lottery.services.bot.commands import reply

    group = {"id": -1001234567890, "type": "supergroup", "title": "Кино"}
    with app.app_context():
        answers = {
            name: reply(
                db.session,
                {"chat": group, "text": f"/{name}@fake_bot"},
                bot_username="fake_bot",
                fixed_chat_id="-1001234567890",
                site_url=None,
            )
            for name in ("start", "help", "stop")
        }
        other = reply(
            db.session,
            {"chat": {**group, "id": -5}, "text": "/start"},
            bot_username="fake_bot",
            fixed_chat_id="-1001234567890",
            site_url=None,
        )
    assert "/stop" not in answers["start"] and "настройках сайта" in answers["start"]
    assert "/stop" not in answers["help"] and "TELEGRAM_CHAT_ID" in answers["stop"]
    assert "/stop — отписаться" in other  # any other chat can unsubscribe


def waiting_behind(database_url: str, pid: int) -> bool:
    """Whether some backend waits on a lock that backend ``pid`` holds (asked on a connection of
    its own: a transaction sees pg_stat_activity as it was when it first read it)."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        return (
            conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
            ).fetchone()[0]
            > 0
        )


def test_the_first_heartbeat_and_the_bot_username_written_at_once_do_not_collide(pg, postgres_url):
    """The heartbeat thread and the updates thread (saving getMe's @username) may both write the
    notifier's row first: a read-then-insert made the second fail on the key and killed the
    updates thread, so button presses went unanswered."""
    first_wrote = threading.Event()
    errors: list[Exception] = []

    def second_writer():
        with pg.app_context():
            first_wrote.wait(10)
            try:
                notifications.save_bot_username(db.session, "instance-b", "fake_bot")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 — the assertion below reports it
                errors.append(exc)
                db.session.rollback()

    with pg.app_context():
        notifications.beat(db.session, "instance-a")
        db.session.flush()  # A's row is written, not committed: B's insert waits on its key
        a_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        other = threading.Thread(target=second_writer)
        other.start()
        first_wrote.set()
        # B's write has reached Postgres and waits on A's uncommitted key (or is done, if it did not have to)
        assert wait_until(lambda: waiting_behind(postgres_url, a_pid) or not other.is_alive(), 15)
        db.session.commit()
        other.join(timeout=15)
        assert errors == []
        state = db.session.get(NotifierState, notifications.HEARTBEAT_NAME)
        db.session.refresh(state)
        assert state.bot_username == "fake_bot" and state.instance == "instance-b"


def test_want_in_a_private_chat_puts_a_library_film_on_the_users_list(pg, workers, fake_telegram):
    from movie_lottery.models import Film, Member, WatchlistEntry

    with pg.app_context():
        db.session.add(Film(title="Сталкер", year=1979))
        db.session.commit()
    workers().wait_for_log("answering commands as @fake_bot", timeout=20)
    replies = replies_after(fake_telegram, 556, "/want сталкер", 1)
    assert "Добавил в ваш список «Хочу посмотреть»: «Сталкер (1979)»." in replies[0]
    assert "/want" in replies_after(fake_telegram, 556, "/help", 2)[1]
    with pg.app_context():
        wished = db.session.execute(
            select(Member.telegram_user_id, Film.title)
            .join(WatchlistEntry, WatchlistEntry.member_id == Member.id)
            .join(Film, Film.id == WatchlistEntry.film_id)
        ).all()
    assert [tuple(row) for row in wished] == [(556, "Сталкер")]
