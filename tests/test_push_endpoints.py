"""The push allow-list judges an endpoint as the client that sends reads it.

`urllib.parse` and requests/urllib3 disagree on odd URLs (`https://127.0.0.1\\.push.apple.com/x`
is host "127.0.0.1\\.push.apple.com" to the first and 127.0.0.1 to the second). Every form in
the corpus is either refused by the API (422, the API's error shape, naming the field) or,
when accepted, provably connected to the host and port the allow-list approved: the socket
the push client opens is recorded here instead of reaching the network. A row stored before
the check existed is dropped by the worker at send time without a connection."""

from __future__ import annotations

import threading

import pytest
import urllib3.util.connection
from sqlalchemy import select

from movie_lottery.config import ConfigError, load_settings
from movie_lottery.extensions import db
from movie_lottery.models import PushDelivery, PushSubscription
from movie_lottery.services.lotteries import lottery
from movie_lottery.services.push import subscriptions
from movie_lottery.worker import push as push_worker

from .test_push_api import PUSH_SETTINGS, VAPID_PRIVATE, browser_subscription, film, push_app  # noqa: F401 (fixture)

HOSTS = PUSH_SETTINGS[
    "PUSH_ENDPOINT_HOSTS"
]  # FCM, *.push.apple.com, *.push.services.mozilla.com, push.example.net (443 and 8443)

REFUSED = [
    # a backslash ends the host for the client that sends (WHATWG), not for urllib.parse
    "https://127.0.0.1\\.push.apple.com/x",
    "https://localhost\\.push.services.mozilla.com/wpush/v2/x",
    "https://evil.example\\@x.push.apple.com/",
    "https://x.push.apple.com\\evil.example/",
    "https://127.0.0.1:443\\.push.apple.com/x",
    # userinfo: before the @ is not the host, and no push service puts one in its URLs
    "https://fcm.googleapis.com@evil.example/fcm/send/x",
    "https://x.push.apple.com:443@evil.example/",
    "https://evil@fcm.googleapis.com/fcm/send/x",
    "https://user:pass@fcm.googleapis.com/fcm/send/x",
    # percent-encoding in the host (urllib3 decodes it, urllib.parse does not)
    "https://fcm.googleapis.com%2eevil.example/x",
    "https://fcm%2egoogleapis.com/x",
    "https://127.0.0.1%2f.push.apple.com/x",
    # IPv6 literals and other hosts that are not names on the list
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[::1].push.apple.com/x",
    "https://127.0.0.1/x",
    "https://2130706433/x",
    # IDNA: full-width letters and dots (mapped to ASCII by IDNA), punycode outside the list
    "https://ｆｃｍ.googleapis.com/x",
    "https://fcm。googleapis。com/x",
    "https://x.push.apple.com。evil.example/x",
    "https://xn--fcm-googleapis.com/x",
    # trailing dots, look-alike suffixes, the host hidden in a query, fragment or path
    "https://fcm.googleapis.com./x",
    "https://x.push.apple.com./x",
    "https://push.apple.com.evil.example/x",
    "https://evilpush.apple.com/x",
    "https://evil.example#.push.apple.com/x",
    "https://evil.example?.push.apple.com",
    "https://evil.example/.push.apple.com",
    # ports other than 443 (or the one a list entry names), and malformed ones
    "https://fcm.googleapis.com:8443/x",
    "https://fcm.googleapis.com:80/x",
    "https://fcm.googleapis.com:0443/x",
    "https://fcm.googleapis.com:/x",
    "https://fcm.googleapis.com:65536/x",
    "https://fcm.googleapis.com:443:443/x",
    "https://push.example.net:9443/x",
    # not https, not absolute, whitespace and control characters
    "http://fcm.googleapis.com/x",
    "https:fcm.googleapis.com/x",
    "https:/fcm.googleapis.com/x",
    "//fcm.googleapis.com/x",
    "https://fcm.googleapis.com\t/x",
    "https://fcm.googleapis.com /x",
    "https://x.push.apple.com\x01.evil.example/",
    "https://x.push.apple.com\x7f.evil.example/",
    "https://x.push.apple.com\r\nHost: evil.example/",
]

ACCEPTED = {  # endpoint -> where the push goes
    "https://fcm.googleapis.com/fcm/send/abc:APA91b": ("fcm.googleapis.com", 443),
    "https://FCM.GoogleAPIs.com/fcm/send/abc": ("fcm.googleapis.com", 443),
    "HTTPS://fcm.googleapis.com/fcm/send/abc": ("fcm.googleapis.com", 443),
    "https://fcm.googleapis.com:443/fcm/send/abc": ("fcm.googleapis.com", 443),
    "https://web.push.apple.com/QGuQ?x=1#y": ("web.push.apple.com", 443),
    "https://xn--80ak6aa92e.push.apple.com/x": ("xn--80ak6aa92e.push.apple.com", 443),
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA%5C@evil": ("updates.push.services.mozilla.com", 443),
    "https://push.example.net:8443/x": ("push.example.net", 8443),
    "https://push.example.net/x": ("push.example.net", 443),
    "https://push.example.net:443/x": ("push.example.net", 443),
}


@pytest.fixture
def connections(monkeypatch):
    """Every connection the push client opens, recorded and refused instead of made."""
    opened: list[tuple[str, int]] = []

    def record(address, *_args, **_kwargs):
        opened.append((address[0], address[1]))
        raise ConnectionRefusedError("recorded by the test")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return opened


def push_client():
    from movie_lottery.clients.webpush import PushClient

    return PushClient(VAPID_PRIVATE, "mailto:kino@example.org")


@pytest.mark.parametrize("endpoint", REFUSED)
def test_odd_endpoints_are_refused_with_the_apis_error_shape(push_app, endpoint):
    response = push_app.test_client().post(
        "/api/push/subscriptions", json={**browser_subscription(), "endpoint": endpoint}
    )
    assert response.status_code == 422, (endpoint, response.get_data(as_text=True))
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "endpoint" in error["fields"], error
    assert subscriptions.approved_target(endpoint, HOSTS) is None


@pytest.mark.parametrize("endpoint", sorted(ACCEPTED))
def test_accepted_endpoints_are_pushed_to_the_approved_host_and_nowhere_else(push_app, connections, endpoint):
    response = push_app.test_client().post(
        "/api/push/subscriptions", json={**browser_subscription(), "endpoint": endpoint}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    approved = subscriptions.approved_target(endpoint, HOSTS)
    assert approved == ACCEPTED[endpoint]
    outcome = push_client().send(
        endpoint, browser_subscription()["keys"]["p256dh"], "AAAAAAAAAAAAAAAAAAAAAA", b"{}", ttl=60
    )
    assert outcome.status == "retry"
    assert connections == [approved]  # the socket went to the host:port the list approved


def test_a_row_stored_before_the_check_is_dropped_at_send_time_without_a_connection(push_app, connections):
    """Subscriptions the old check let in stay in the database: the worker judges them again."""
    with push_app.app_context():
        for n, endpoint in enumerate(REFUSED[:5] + ["https://fcm.googleapis.com@127.0.0.1/x"]):
            body = browser_subscription(n)
            db.session.add(
                PushSubscription(
                    endpoint=endpoint,
                    p256dh=body["keys"]["p256dh"],
                    auth=body["keys"]["auth"],
                    device=f"d{n}",
                    topics=["results"],
                    locale="ru",
                )
            )
        db.session.commit()
        lottery.draw(db.session, film(db.session))  # one push delivery per stored subscription
        db.session.commit()
    stopping, leading, wake = threading.Event(), threading.Event(), threading.Event()
    leading.set()
    sender = push_worker.Sender(push_app, push_client(), stopping, leading, wake, first=True)
    with push_app.app_context():
        while sender.deliver_one():
            pass
        rows = db.session.scalars(select(PushDelivery)).all()
        assert len(rows) == 6 and {row.status for row in rows} == {"dropped"}, [(r.status, r.last_error) for r in rows]
    assert connections == []


def test_list_entries_may_name_a_port_and_nothing_else():
    assert (
        load_settings({"PUSH_ENDPOINT_HOSTS": "Push.Example.net:8443, *.push.apple.com"}).push_endpoint_hosts
        == "push.example.net:8443,*.push.apple.com"
    )
    for bad in (
        "push.example.net:0",
        "push.example.net:",
        "https://push.example.net",
        "push.example.net/x",
        "user@push.example.net",
        "[::1]",
        "push.example.net:443:1",
    ):
        with pytest.raises(ConfigError, match="PUSH_ENDPOINT_HOSTS"):
            load_settings({"PUSH_ENDPOINT_HOSTS": bad})
