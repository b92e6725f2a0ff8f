"""Web Push for visitors: the VAPID key, subscriptions (validation, ownership, limits), the
deliveries an event makes in its own transaction, the «Уведомления» page, the manifest and
the service worker script. Both databases."""

from __future__ import annotations

import base64
import json
import re
import struct

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from movie_lottery.clients import vapid_keys
from movie_lottery.config import ConfigError, load_settings
from movie_lottery.extensions import db
from movie_lottery.models import Film, PushDelivery, PushSubscription
from movie_lottery.services import events, polls
from movie_lottery.services.lotteries import lottery
from movie_lottery.services.library import FilmData
from movie_lottery.services.push import messages, subscriptions, topics
from movie_lottery.web.headers import CONTENT_SECURITY_POLICY

from .helpers import ADMIN_PASSWORD, build_app, csrf_token_from

VAPID_PRIVATE, VAPID_PUBLIC = vapid_keys.generate_keys()
PUSH_SETTINGS = {
    "VAPID_PRIVATE_KEY": VAPID_PRIVATE,
    "VAPID_SUBJECT": "mailto:kino@example.org",
    "PUSH_ENDPOINT_HOSTS": "push.example.net,fcm.googleapis.com,*.push.apple.com,*.push.services.mozilla.com,"
    "push.example.net:8443",
}


@pytest.fixture
def push_app(app):
    """The parametrised app (SQLite and Postgres) with push switched on."""
    application = build_app(app.config["SQLALCHEMY_DATABASE_URI"], **PUSH_SETTINGS)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def device(push_app):
    return push_app.test_client()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(n: int = 0, topics_: list[str] | None = None, host: str = "push.example.net") -> dict:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"https://{host}/wpush/v2/device-{n}",
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(bytes(range(16)))},
        "topics": ["polls", "results"] if topics_ is None else topics_,
    }


def subscribe(client, body: dict):
    return client.post("/api/push/subscriptions", json=body)


def test_the_key_is_the_public_half_of_the_configured_private_key(device):
    response = device.get("/api/push/key")
    assert response.status_code == 200
    assert response.get_json() == {"public_key": VAPID_PUBLIC}
    assert len(base64.urlsafe_b64decode(VAPID_PUBLIC + "=")) == 65


def test_without_vapid_settings_push_is_off_and_not_offered(client):
    response = client.get("/api/push/key")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "push_disabled"
    assert subscribe(client, browser_subscription()).status_code == 404
    assert "/notifications" not in client.get("/").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "выключены" in page and "push.js" not in page


def test_known_push_services_by_default_and_subdomains_by_wildcard():
    hosts = load_settings({}).push_endpoint_hosts
    assert subscriptions.endpoint_allowed("https://fcm.googleapis.com/fcm/send/abc", hosts)
    assert subscriptions.endpoint_allowed("https://web.push.apple.com/QGuQ", hosts)
    assert subscriptions.endpoint_allowed("https://wns2-db5p.notify.windows.com/w/?token=x", hosts)
    assert not subscriptions.endpoint_allowed("https://notify.windows.com.evil.example/w", hosts)
    assert not subscriptions.endpoint_allowed("https://127.0.0.1:8443/push", hosts)
    with pytest.raises(ConfigError, match="PUSH_ENDPOINT_HOSTS"):
        load_settings({"PUSH_ENDPOINT_HOSTS": "push.example.net, https://x"})


def test_the_settings_go_together_and_the_key_must_be_a_p256_key():
    with pytest.raises(ConfigError, match="VAPID_PRIVATE_KEY, VAPID_SUBJECT"):
        load_settings({"VAPID_PRIVATE_KEY": VAPID_PRIVATE})
    with pytest.raises(ConfigError, match="VAPID_SUBJECT"):
        load_settings({**PUSH_SETTINGS, "VAPID_SUBJECT": "http://example.org"})
    with pytest.raises(ConfigError, match=r"VAPID_PRIVATE_KEY: .*\(got '\*\*\*'\)"):  # never echoes the secret
        load_settings({**PUSH_SETTINGS, "VAPID_PRIVATE_KEY": "bm90IGEga2V5"})
    assert load_settings(PUSH_SETTINGS).push_enabled


def test_flask_vapid_keys_prints_a_pair_that_the_settings_accept(push_app):
    result = push_app.test_cli_runner().invoke(args=["vapid-keys"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("VAPID_PRIVATE_KEY="))
    private = line.split("=", 1)[1]
    public = next(line for line in result.output.splitlines() if line.startswith("public key")).rsplit(" ", 1)[1]
    settings = load_settings({"VAPID_PRIVATE_KEY": private, "VAPID_SUBJECT": "mailto:a@example.org"})
    assert vapid_keys.public_key_of(vapid_keys.private_key(settings.vapid_private_key.get_secret_value())) == public


def test_subscribe_then_the_same_endpoint_again_updates_it(device, push_app):
    body = browser_subscription()
    created = subscribe(device, body)
    assert created.status_code == 201
    assert created.get_json() == {"id": created.get_json()["id"], "topics": ["polls", "results"]}
    again = subscribe(device, {**body, "topics": ["nights", "polls"]})
    assert again.status_code == 200
    assert again.get_json() == {"id": created.get_json()["id"], "topics": ["polls", "nights"]}
    with push_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b.update(endpoint="http://push.example.net/x"), "endpoint"),
        (lambda b: b.update(endpoint="https://push.example.net/" + "x" * 1024), "endpoint"),
        (lambda b: b.update(endpoint="not a url"), "endpoint"),
        (lambda b: b["keys"].update(p256dh=b64url(b"\x04" + bytes(63))), "keys.p256dh"),  # 64 bytes
        (lambda b: b["keys"].update(p256dh=b64url(b"\x04" + bytes(64))), "keys.p256dh"),  # not on the curve
        (lambda b: b["keys"].update(p256dh="not base64!"), "keys.p256dh"),
        (lambda b: b["keys"].update(auth=b64url(bytes(15))), "keys.auth"),
        (lambda b: b.update(topics=["polls", "gossip"]), "topics.1"),
        (lambda b: b.pop("keys"), "keys"),
        (lambda b: b.update(endpoint="https://10.0.0.5/push"), "endpoint"),  # not a push service
        (lambda b: b.update(endpoint="https://evil-push.example.net/x"), "endpoint"),
    ],
)
def test_invalid_subscriptions_are_422_with_the_field(device, change, field):
    body = browser_subscription()
    change(body)
    response = subscribe(device, body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_admin_topics_are_for_the_admin(device):
    response = subscribe(device, browser_subscription(topics_=["downloads"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "admin_only"
    token = csrf_token_from(device.get("/").get_data(as_text=True))
    assert device.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}).status_code == 302
    assert subscribe(device, browser_subscription(topics_=["downloads"])).status_code == 201
    assert "downloads" in device.get("/notifications").get_data(as_text=True)


def test_at_most_ten_subscriptions_per_device(device):
    for n in range(subscriptions.MAX_PER_OWNER):
        assert subscribe(device, browser_subscription(n)).status_code == 201
    response = subscribe(device, browser_subscription(99))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "too_many_subscriptions"
    assert subscribe(device, browser_subscription(3)).status_code == 200  # updating one is fine


def test_only_the_owning_device_changes_or_deletes(push_app, device):
    created = subscribe(device, browser_subscription()).get_json()
    stranger = push_app.test_client()
    stranger.get("/")  # a device of its own
    path = f"/api/push/subscriptions/{created['id']}"
    assert stranger.patch(path, json={"topics": []}).status_code == 403
    assert stranger.delete(path).status_code == 403
    assert stranger.patch("/api/push/subscriptions/999999", json={"topics": []}).status_code == 404
    changed = device.patch(path, json={"topics": ["results"]})
    assert changed.status_code == 200 and changed.get_json() == {"id": created["id"], "topics": ["results"]}
    assert device.patch(path, json={"topics": ["bogus"]}).status_code == 422
    assert device.delete(path).status_code == 204
    assert device.delete(path).status_code == 404


def test_another_device_takes_an_endpoint_over_only_with_its_auth_secret(push_app, device):
    body = browser_subscription()
    subscribe(device, body)
    same_browser_new_cookie = push_app.test_client()
    assert subscribe(same_browser_new_cookie, body).status_code == 200
    forged = {**body, "keys": {**body["keys"], "auth": b64url(bytes(16))}}
    assert subscribe(push_app.test_client(), forged).status_code == 403


def film(session, title="Сталкер", other="Солярис"):
    entries = [
        lottery.EntryData(film=FilmData(title=title, year=1979)),
        lottery.EntryData(film=FilmData(title=other, year=1972)),
    ]
    created = lottery.create_lottery(session, "Пятница", entries)
    session.commit()
    return created.public_id


def deliveries(app) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(PushDelivery.notification_id, PushSubscription.endpoint).join(
                PushSubscription, PushSubscription.id == PushDelivery.subscription_id
            )
        ).all()
        from movie_lottery.models import Notification

        kinds = {n.id: n.kind for n in db.session.scalars(select(Notification))}
        return sorted((kinds[notification_id], endpoint.rsplit("-", 1)[1]) for notification_id, endpoint in rows)


def test_each_event_makes_one_delivery_per_subscription_wanting_its_topic(push_app, device):
    subscribe(device, browser_subscription(1, ["results"]))
    subscribe(device, browser_subscription(2, ["polls"]))
    subscribe(device, browser_subscription(3, []))
    with push_app.app_context():
        public_id = film(db.session)
        lottery.draw(db.session, public_id)
        polls.create_poll(
            db.session,
            "Что смотрим?",
            [polls.PollEntryData(FilmData(title="A")), polls.PollEntryData(FilmData(title="B"))],
        )
        db.session.commit()
    assert deliveries(push_app) == [("lottery_drawn", "1"), ("poll_created", "2")]


def test_unsubscribing_drops_the_pending_pushes_too(push_app, device):
    created = subscribe(device, browser_subscription(1, ["results"])).get_json()
    with push_app.app_context():
        lottery.draw(db.session, film(db.session))
    assert deliveries(push_app) == [("lottery_drawn", "1")]
    assert device.delete(f"/api/push/subscriptions/{created['id']}").status_code == 204
    assert deliveries(push_app) == []
    with push_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PushDelivery)) == 0


def test_finished_downloads_reach_admin_subscriptions_only(push_app, device):
    token = csrf_token_from(device.get("/").get_data(as_text=True))
    device.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    subscribe(device, browser_subscription(1, ["downloads"]))
    with push_app.app_context():
        subscription = db.session.scalar(select(PushSubscription))
        subscription.is_admin = False  # as if made before the admin logged in
        db.session.add(
            PushSubscription(
                endpoint="https://push.example.net/x-2",
                p256dh="x",
                auth="y",
                device="d:2",
                topics=["downloads"],
                is_admin=True,
                locale="en",
            )
        )
        db.session.commit()
        row = Film(title="Зеркало", year=1975)
        db.session.add(row)
        db.session.flush()
        events.download_finished.send(db.session, film=row)
        db.session.commit()
    assert deliveries(push_app) == [("download_finished", "2")]


def test_a_rolled_back_event_leaves_no_delivery(push_app, device):
    def explode(_session, **_kwargs):
        raise RuntimeError("boom after the outbox row and its deliveries were added")

    subscribe(device, browser_subscription(1, ["results"]))
    with push_app.app_context():
        public_id = film(db.session)
        events.lottery_drawn.connect(explode)
        try:
            with pytest.raises(RuntimeError):
                lottery.draw(db.session, public_id)
            db.session.rollback()
        finally:
            events.lottery_drawn.disconnect(explode)
    assert deliveries(push_app) == []


def test_every_kind_with_a_topic_maps_to_a_known_topic():
    assert set(topics.KIND_TOPICS.values()) <= set(topics.TOPICS)
    assert topics.ADMIN_TOPICS <= set(topics.TOPICS)


def test_messages_are_in_the_subscribers_language_and_small(push_app):
    with push_app.app_context():
        long_title = "Сталкер " + "очень длинное название " * 12
        public_id = film(db.session, title=long_title, other=long_title)
        lottery.draw(db.session, public_id)
        from movie_lottery.models import Notification

        notification = db.session.scalar(select(Notification).where(Notification.kind == "lottery_drawn"))
        ru = json.loads(messages.compose(db.session, notification, "ru"))
        en = json.loads(messages.compose(db.session, notification, "en"))
    assert ru["title"].startswith("Розыгрыш «Пятница» состоялся")
    assert en["title"] == "The “Пятница” draw is done!" and en["body"].startswith("We're watching: Сталкер")
    assert ru["body"].startswith("Смотрим: Сталкер") and len(ru["body"]) <= messages.BODY_MAX
    assert ru["url"] == en["url"] == f"/l/{public_id}"
    assert ru["icon"] == "/static/icons/icon-192.png" and ru["tag"] == f"n{notification.id}"
    assert len(json.dumps(ru, ensure_ascii=False).encode()) < 3000


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("lang, name", [("ru", "Кинолотерея"), ("en", "Movie Lottery")])
def test_the_manifest_is_installable_in_the_visitors_language(client, lang, name):
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert f'<link rel="manifest" href="/manifest.webmanifest?lang={lang}">' in page
    response = client.get(f"/manifest.webmanifest?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["short_name"] == name and manifest["lang"] == lang
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    sizes = {}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        sizes[(icon["sizes"], icon["purpose"])] = png_size(image.data)
    assert sizes == {
        ("192x192", "any"): (192, 192),
        ("512x512", "any"): (512, 512),
        ("512x512", "maskable"): (512, 512),
    }


def test_the_service_worker_is_served_from_the_root_never_stale_and_headers_stay_strict(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    script = response.get_data(as_text=True)
    assert "/offline?lang=ru" in script and "/offline?lang=en" in script and "skipWaiting" in script
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page  # still no inline script
    assert client.get("/").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("lang, text", [("ru", "Нет сети"), ("en", "No network")])
def test_the_offline_page_carries_no_csrf_token_and_sets_no_cookie(client, lang, text):
    response = client.get(f"/offline?lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and text in body
    assert "csrf" not in body and "Set-Cookie" not in response.headers
    assert response.headers["Content-Language"] == lang


@pytest.mark.parametrize(
    "lang, title, topic", [("ru", "Уведомления", "Новые голосования"), ("en", "Notifications", "New polls")]
)
def test_the_settings_page_in_both_languages(device, lang, title, topic):
    subscribe(device, browser_subscription())
    page = device.get(f"/notifications?lang={lang}").get_data(as_text=True)
    assert title in page and topic in page and "push.js" in page
    assert 'data-endpoint="https://push.example.net/wpush/v2/device-0"' in page
    assert 'href="/notifications"' in device.get(f"/?lang={lang}").get_data(as_text=True)
    assert "downloads" not in page  # not offered to visitors


def test_a_member_sees_and_manages_every_device_of_theirs(push_app):
    phone, laptop, stranger = push_app.test_client(), push_app.test_client(), push_app.test_client()
    assert phone.put("/api/me", json={"name": "Аня"}).status_code == 200
    on_phone = subscribe(phone, browser_subscription(1, ["polls"])).get_json()
    on_laptop = subscribe(laptop, browser_subscription(2, ["results"])).get_json()  # before it joins Аня
    code = phone.post("/api/me/device-code").get_json()["code"]
    assert laptop.post(f"/api/join/{code}").status_code == 200
    for device in (phone, laptop):
        page = device.get("/notifications").get_data(as_text=True)
        assert "device-1" in page and "device-2" in page
    assert laptop.patch(f"/api/push/subscriptions/{on_phone['id']}", json={"topics": ["nights"]}).status_code == 200
    assert phone.delete(f"/api/push/subscriptions/{on_laptop['id']}").status_code == 204
    stranger.get("/")
    assert stranger.patch(f"/api/push/subscriptions/{on_phone['id']}", json={"topics": []}).status_code == 403
    assert "device-1" not in stranger.get("/notifications").get_data(as_text=True)


def test_a_scheduled_night_is_pushed_to_the_nights_topic_and_opens_its_page(push_app, device):
    from datetime import datetime, timedelta, timezone

    subscribe(device, browser_subscription(1, ["nights"]))
    subscribe(device, browser_subscription(2, ["polls"]))
    starts_at = (datetime.now(timezone.utc) + timedelta(hours=48)).replace(microsecond=0).isoformat()
    night = device.post("/api/nights", json={"title": "Пятничное кино", "starts_at": starts_at})
    assert night.status_code == 201, night.get_json()
    assert deliveries(push_app) == [("night_announced", "1")]
    with push_app.app_context():
        from movie_lottery.models import Notification

        notification = db.session.scalar(select(Notification).where(Notification.kind == "night_announced"))
        message = json.loads(messages.compose(db.session, notification, "ru"))
        english = json.loads(messages.compose(db.session, notification, "en"))
    assert message["url"] == f"/n/{night.get_json()['id']}" and "Пятничное кино" in message["title"] + message["body"]
    # Kinds pushed with their Telegram text speak the subscriber's language too (the title is the night's own).
    assert english["url"] == message["url"] and english["title"] != message["title"]
    assert not re.search("[а-яё]", (english["title"] + english["body"]).replace("Пятничное кино", ""), re.I), english


def test_a_rating_request_is_pushed_to_the_ratings_topic_and_opens_the_films_page(push_app):
    from movie_lottery.models import Film, Notification
    from movie_lottery.services.ratings import telegram as rating_requests

    assert topics.topic_of(rating_requests.KIND) == "ratings"
    with push_app.app_context():
        film_row = Film(title="Солярис", year=1972)
        db.session.add(film_row)
        db.session.flush()
        notification = Notification(
            kind=rating_requests.KIND, payload={"film_id": film_row.id, "night_id": 1}, delivered_to=[]
        )
        db.session.add(notification)
        db.session.flush()
        ru = json.loads(messages.compose(db.session, notification, "ru"))
        en = json.loads(messages.compose(db.session, notification, "en"))
        db.session.rollback()
    assert ru["url"] == en["url"] == f"/films/{film_row.id}"
    assert (
        "Как вам «Солярис (1972)»?" in ru["title"] and "Солярис (1972)" in en["title"] and "Как вам" not in en["title"]
    )
