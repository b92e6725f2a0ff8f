"""Web Push through the real notifier worker process, the real Postgres and a fake push
service on loopback speaking TLS (tests/fakes/push_service.py), which checks each push as a
real one would and decrypts it with the subscription's private key made here. The worker
trusts the throwaway CA through REQUESTS_CA_BUNDLE only."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import select

from movie_lottery.clients import vapid_keys, webpush
from movie_lottery.extensions import db
from movie_lottery.models import Film, PushDelivery, PushSubscription
from movie_lottery.services import events, polls
from movie_lottery.services.library import FilmData

from .fakes.push_service import FakePushService
from .fakes.telegram_api import FakeTelegram
from .helpers import ADMIN_PASSWORD, build_app, csrf_token_from
from .test_notifier import TOKEN, announced_ids, leader_and_standby, make_and_draw, wait_until
from .test_outbox_leases import OpenTransactions
from .workers import WorkerProcess, worker_env

pytestmark = pytest.mark.slow

VAPID_PRIVATE, VAPID_PUBLIC = vapid_keys.generate_keys()
PUSH_SETTINGS = {"VAPID_PRIVATE_KEY": VAPID_PRIVATE, "VAPID_SUBJECT": "mailto:kino@example.org"}


def push_settings(fake_push) -> dict[str, str]:
    """Push on, the fake push service's port allowed explicitly (the list allows 443 otherwise)."""
    port = fake_push.origin.rsplit(":", 1)[1]
    return {**PUSH_SETTINGS, "PUSH_ENDPOINT_HOSTS": f"push.example.net,127.0.0.1:{port},localhost:{port}"}


@pytest.fixture
def fake_telegram():
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def fake_push(tmp_path):
    with FakePushService(tmp_path / "pki", VAPID_PUBLIC) as fake:
        yield fake
        assert fake.refusals == []  # every push the worker made passed the service's checks


@pytest.fixture
def site(pg_app, fake_push):
    """The app with push on, over the test's Postgres database (pg_app empties it afterwards)."""
    application = build_app(pg_app.config["SQLALCHEMY_DATABASE_URI"], **push_settings(fake_push))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def workers(postgres_url, fake_telegram, fake_push, tmp_path):
    started: list[WorkerProcess] = []

    def start(**extra) -> WorkerProcess:
        env = worker_env(
            postgres_url,
            fake_telegram.url,
            **push_settings(fake_push),
            REQUESTS_CA_BUNDLE=str(fake_push.ca_path),
            PUSH_IDLE_SECONDS="0.2",
            **extra,
        )
        worker = WorkerProcess(env, tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


def browser(site, fake_push, topics: list[str], lang: str = "ru", admin: bool = False):
    """A browser that subscribed through the site's API; returns the fake's subscription."""
    client = site.test_client()
    if admin:
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        assert client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}).status_code == 302
    subscription = fake_push.new_subscription()
    response = client.post(f"/api/push/subscriptions?lang={lang}", json=subscription.browser_json(topics))
    assert response.status_code == 201, response.get_data(as_text=True)
    return subscription


def delivery_states(app) -> list[str]:
    with app.app_context():
        states = list(db.session.scalars(select(PushDelivery.status)))
        db.session.rollback()
        return states


def all_sent(app, count: int) -> bool:
    states = delivery_states(app)
    return len(states) == count and set(states) == {"sent"}


def test_each_event_is_pushed_once_to_each_subscription_that_wants_it_in_its_language(site, workers, fake_push):
    friend_ru = browser(site, fake_push, ["polls", "results"])
    friend_en = browser(site, fake_push, ["results"], lang="en")
    admin = browser(site, fake_push, ["downloads"], admin=True)
    workers().wait_for_log("holds the singleton lock")
    [public_id] = make_and_draw(site, 1)
    with site.app_context():
        created = polls.create_poll(
            db.session,
            "Что смотрим?",
            [polls.PollEntryData(FilmData(title="Сталкер")), polls.PollEntryData(FilmData(title="Солярис"))],
        )
        film = Film(title="Зеркало", year=1975)
        db.session.add(film)
        db.session.flush()
        events.download_finished.send(db.session, film=film)
        db.session.commit()
        poll_id = created.poll.public_id
    assert wait_until(lambda: all_sent(site, 4), 30), delivery_states(site)
    assert len(fake_push.accepted()) == 4  # marked sent only after the 201: nothing more is coming

    ru = {m["url"]: m for m in fake_push.accepted(friend_ru)}
    assert set(ru) == {f"/l/{public_id}", f"/p/{poll_id}"}
    assert ru[f"/l/{public_id}"]["title"] == "Розыгрыш «L0» состоялся!"
    assert ru[f"/p/{poll_id}"]["title"] == "Новое голосование: «Что смотрим?»"
    [en] = fake_push.accepted(friend_en)
    assert en["title"] == "The “L0” draw is done!" and en["body"].startswith("We're watching: L0 film")
    [download] = fake_push.accepted(admin)
    assert download == {
        "title": "Фильм скачан",
        "body": "Зеркало (1975) — можно смотреть!",
        "url": "/library",
        "icon": "/static/icons/icon-192.png",
        "tag": download["tag"],
    }
    push = fake_push.attempts(friend_en)[0]
    assert push.headers["Ttl"] == "43200" and push.headers["Topic"] == en["tag"]
    assert push.body_size < 3000


def test_gone_subscriptions_are_deleted_and_rate_limits_are_honoured(site, workers, fake_push):
    gone = browser(site, fake_push, ["results"])
    missing = browser(site, fake_push, ["results"])
    limited = browser(site, fake_push, ["results"])
    failing = browser(site, fake_push, ["results"])
    fake_push.respond(gone, [410])
    fake_push.respond(missing, [404])
    fake_push.respond(limited, [(429, {"Retry-After": "2"}), 201])
    fake_push.respond(failing, [503, 201])
    workers().wait_for_log("holds the singleton lock")
    make_and_draw(site, 1)
    assert fake_push.wait_for(lambda: len(fake_push.accepted()) == 2, 30)
    assert wait_until(lambda: all_sent(site, 2), 10), delivery_states(site)
    with site.app_context():
        assert {s.endpoint for s in db.session.scalars(select(PushSubscription))} == {
            limited.endpoint,
            failing.endpoint,
        }
    first, second = fake_push.attempts(limited)
    assert (first.status, second.status) == (429, 201)
    assert second.at - first.at >= 1.9  # waited as long as Retry-After said
    assert [p.status for p in fake_push.attempts(failing)] == [503, 201]
    assert len(fake_push.attempts(gone)) == len(fake_push.attempts(missing)) == 1


def test_a_hanging_push_service_never_delays_telegram(site, workers, fake_push, fake_telegram):
    hung = browser(site, fake_push, ["results"])
    fake_push.respond(hung, ["hang"])
    workers().wait_for_log("holds the singleton lock")
    [first] = make_and_draw(site, 1)
    assert fake_push.wait_for(lambda: fake_push.hanging == 1, 20)
    [second] = make_and_draw(site, 1, prefix="M")
    assert wait_until(lambda: set(announced_ids(fake_telegram)) == {first, second}, 20)
    assert fake_push.hanging == 1  # both announced while the push service still held the first push

    def first_push_timed_out() -> bool:
        with site.app_context():
            first_delivery = db.session.scalar(select(PushDelivery).order_by(PushDelivery.id).limit(1))
            db.session.rollback()
            return first_delivery.attempts == 1 and first_delivery.last_error == "ReadTimeout"

    assert wait_until(first_push_timed_out, 10)  # the worker gave up on it (after 3 s) and will retry
    assert fake_push.hanging == 1
    fake_push.release_hanging()
    assert wait_until(lambda: all_sent(site, 2), 30), delivery_states(site)


def test_failover_pushes_every_event_with_at_most_the_in_flight_pushes_repeated(site, workers, fake_push):
    """The pushes the killed leader had claimed are sent again once their leases run out
    (4 deadlines: 8 s here)."""
    subscribers = [browser(site, fake_push, ["results"]) for _ in range(2)]
    leader, standby = leader_and_standby(workers(PUSH_DEADLINE_SECONDS="2"), workers(PUSH_DEADLINE_SECONDS="2"))
    ids = make_and_draw(site, 3)
    assert wait_until(lambda: len(fake_push.accepted()) >= 2, 20)
    leader.kill()
    standby.wait_for_log("holds the singleton lock", timeout=15)
    ids += make_and_draw(site, 3, prefix="F")
    assert wait_until(lambda: all_sent(site, 12), 40), delivery_states(site)
    for subscriber in subscribers:
        urls = Counter(m["url"] for m in fake_push.accepted(subscriber))
        assert set(urls) == {f"/l/{public_id}" for public_id in ids}
    repeated = sum(
        count - 1 for s in subscribers for count in Counter(m["tag"] for m in fake_push.accepted(s)).values()
    )
    print(f"pushes repeated after kill -9: {repeated}")
    assert repeated <= 4  # at most the pushes in flight at the kill, each with the same tag (shown once)


def test_a_plain_http_endpoint_is_never_contacted():
    client = webpush.PushClient(VAPID_PRIVATE, "mailto:kino@example.org")
    started = time.monotonic()
    outcome = client.send("http://127.0.0.1:9/push/x", "x", "y", b"{}", ttl=60)
    assert outcome.status == "rejected" and time.monotonic() - started < 0.5


def test_unusable_keys_or_payloads_fail_that_push_only(site, workers, fake_push):
    broken = browser(site, fake_push, ["results"])
    healthy = browser(site, fake_push, ["results"])
    with site.app_context():
        row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == broken.endpoint))
        row.p256dh = "BAAA"  # not a point (the API refuses such keys; a damaged row must not stop the senders)
        db.session.commit()
    workers().wait_for_log("holds the singleton lock")
    make_and_draw(site, 1)
    assert fake_push.wait_for(lambda: len(fake_push.accepted(healthy)) == 1, 20)
    assert wait_until(lambda: sorted(delivery_states(site)) == ["failed", "sent"], 10), delivery_states(site)
    assert fake_push.attempts(broken) == []


def test_trickling_push_services_are_cut_at_the_deadline_and_never_stall_the_others(
    site, workers, fake_push, postgres_url
):
    """Four subscriptions on a push service that answers one byte every half second (so no single
    read times out) and one on another service (localhost: another host, same fake). Before,
    the four took every sender for as long as they trickled; now the other service's push goes
    out at once, each trickling push is cut at its deadline (5 s here) and retried later, and
    no transaction is open meanwhile."""
    trickling = [browser(site, fake_push, ["results"]) for _ in range(4)]
    for subscription in trickling:
        fake_push.respond(subscription, ["trickle", 201])
    other = browser(site, fake_push, ["results"])
    with site.app_context():
        row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == other.endpoint))
        row.endpoint = other.endpoint.replace("https://127.0.0.1:", "https://localhost:")
        db.session.commit()
    workers(PUSH_DEADLINE_SECONDS="5").wait_for_log("holds the singleton lock")
    watch = OpenTransactions(postgres_url)
    try:
        make_and_draw(site, 1)
        assert fake_push.wait_for(lambda: fake_push.trickling() >= 1, 20)
        started = time.monotonic()
        assert fake_push.wait_for(lambda: len(fake_push.accepted(other)) == 1, 5)  # promptly, not behind them
        assert time.monotonic() - started < 4.5 and fake_push.trickling() >= 1  # while they still trickle
        while (fake_push.trickling() or len(fake_push.trickles) < 4) and time.monotonic() < started + 30:
            watch.sample()  # the whole time pushes trickle
            time.sleep(0.05)
        assert len(fake_push.trickles) == 4 and not fake_push.trickling()
        assert watch.seen == 0
    finally:
        watch.close()
    for trickle in fake_push.trickles:  # each cut at its deadline: well before its two minutes were up
        assert 4.5 < trickle.ended - trickle.started < 9, trickle
    with site.app_context():
        cut = db.session.scalars(select(PushDelivery).where(PushDelivery.attempts > 0)).all()
        assert len(cut) == 4 and all("5 s deadline" in (row.last_error or "") for row in cut)
        db.session.rollback()
    assert wait_until(lambda: all_sent(site, 5), 30), delivery_states(site)  # retried with the usual back-off
    assert all(len(fake_push.accepted(subscription)) == 1 for subscription in trickling)
