"""The worker's Web Push senders: a few threads, apart from the Telegram outbox thread, so a
push service that hangs holds up only its own pushes (each request ends within 5 s).

At most IN_FLIGHT pushes are under way at once (one per sender thread; one on SQLite, which
cannot lock rows for a claim). The first sender looks for work every IDLE_SECONDS and wakes
the others when it finds some; senders send only while this instance holds the lock.
"""
from __future__ import annotations

import logging
import os
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services.push import deliveries, messages, subscriptions

log = logging.getLogger("movie_lottery.push")

IN_FLIGHT = int(os.environ.get("PUSH_IN_FLIGHT", "4"))
IDLE_SECONDS = float(os.environ.get("PUSH_IDLE_SECONDS", "0.5"))
HELPER_IDLE_SECONDS = 5.0


def threads(app: Flask, stopping: threading.Event, leading: threading.Event) -> list[threading.Thread]:
    """The sender threads to start, none when push is off (no VAPID settings)."""
    settings = app.config["SETTINGS"]
    if not settings.push_enabled:
        log.info("VAPID_PRIVATE_KEY is not set: Web Push is off")
        return []
    from ..clients.webpush import PushClient  # pywebpush and its dependencies: only when push is on

    client = PushClient(settings.vapid_private_key.get_secret_value(), settings.vapid_subject)
    with app.app_context():
        count = IN_FLIGHT if db.engine.dialect.name == "postgresql" else 1
    wake = threading.Event()
    return [threading.Thread(target=Sender(app, client, stopping, leading, wake, first=index == 0).run,
                             name=f"push-{index}", daemon=True) for index in range(count)]


class Sender:
    def __init__(self, app: Flask, client, stopping: threading.Event, leading: threading.Event,
                 wake: threading.Event, *, first: bool):
        self.app, self.client, self.stopping, self.leading, self.wake = app, client, stopping, leading, wake
        self.first = first
        self.endpoint_hosts = app.config["SETTINGS"].push_endpoint_hosts

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                if self.leading.is_set() and self.deliver_one():
                    if self.first:
                        self.wake.set()  # there is work: the other senders help
                    continue
                if self.first:
                    self.wake.clear()
                    self.stopping.wait(IDLE_SECONDS)
                else:
                    self.wake.wait(HELPER_IDLE_SECONDS)

    def deliver_one(self) -> bool:
        """Send the oldest due delivery and record how it went; True if there was one."""
        session = db.session
        try:
            delivery = deliveries.claim_next(session)
            if delivery is None or not self.leading.is_set():
                session.rollback()
                return False
            self._send(delivery)
            session.commit()  # right after the push: the crash window is this one line
            return True
        except SQLAlchemyError as exc:
            session.rollback()
            log.warning("push database error: %s", exc.__class__.__name__)
            self.stopping.wait(1.0)
            return False

    def _send(self, delivery) -> None:
        if deliveries.is_stale(delivery):
            deliveries.mark_dropped(delivery, "too old to push")
            return
        subscription = delivery.subscription
        if not subscriptions.endpoint_allowed(subscription.endpoint, self.endpoint_hosts):
            deliveries.mark_dropped(delivery, "not a known push service (PUSH_ENDPOINT_HOSTS)")
            return
        try:
            payload = messages.compose(db.session, delivery.notification, subscription.locale)
        except (KeyError, TypeError, ValueError) as exc:  # a payload this code cannot read: not retried forever
            log.exception("push of notification %s cannot be composed", delivery.notification_id)
            deliveries.mark_failed(delivery, f"cannot compose: {exc!r}")
            return
        if payload is None:
            deliveries.mark_dropped(delivery, "nothing left to say")
            return
        outcome = self.client.send(subscription.endpoint, subscription.p256dh, subscription.auth, payload,
                                   ttl=deliveries.TTL_SECONDS, topic=f"n{delivery.notification_id}")
        log.info("push of notification %s to subscription %s: %s %s", delivery.notification_id,
                 subscription.id, outcome.status, outcome.detail)
        if outcome.status == "sent":
            deliveries.mark_sent(delivery)
        elif outcome.status == "gone":
            deliveries.forget_subscription(db.session, delivery)
        elif outcome.status == "retry":
            deliveries.mark_retry(delivery, outcome.detail, outcome.retry_after)
        else:
            deliveries.mark_failed(delivery, outcome.detail)
