"""The worker's Web Push senders: a few threads, apart from the Telegram outbox thread.

Each delivery is claimed by lease (services/leases.py), pushed with no transaction open, and
its outcome recorded right after in a short transaction of its own. One push service cannot
hold up the others: every push ends within its deadline (PUSH_DEADLINE_SECONDS, enforced by
cutting the connection, clients/deadlines.py), and at most PER_HOST pushes to one push service
(host and port) are under way at once, so the other senders keep serving the other services.

At most IN_FLIGHT pushes are under way in all (one per sender thread; one on SQLite). The
first sender looks for work every IDLE_SECONDS and wakes the others when it finds some;
senders send only while this instance holds the lock.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..clients import push_endpoints
from ..extensions import db
from ..models import PushDelivery, PushSubscription
from ..services import leases
from ..services.push import deliveries, messages, subscriptions

log = logging.getLogger("movie_lottery.push")

IN_FLIGHT = int(os.environ.get("PUSH_IN_FLIGHT", "4"))
PER_HOST = int(os.environ.get("PUSH_PER_HOST", "2"))
IDLE_SECONDS = float(os.environ.get("PUSH_IDLE_SECONDS", "0.5"))
HELPER_IDLE_SECONDS = 5.0
LEASE_DEADLINES = 4  # a claimed push is given back after this many deadlines (60 s by default)
UNREADABLE = ("", 0)  # the service of an endpoint no client would push to (dropped when its turn comes)


def threads(app: Flask, stopping: threading.Event, leading: threading.Event) -> list[threading.Thread]:
    """The sender threads to start, none when push is off (no VAPID settings)."""
    settings = app.config["SETTINGS"]
    if not settings.push_enabled:
        log.info("VAPID_PRIVATE_KEY is not set: Web Push is off")
        return []
    from ..clients.webpush import PushClient  # pywebpush and its dependencies: only when push is on

    client = PushClient(
        settings.vapid_private_key.get_secret_value(), settings.vapid_subject, deadline=settings.push_deadline_seconds
    )
    with app.app_context():
        count = IN_FLIGHT if db.engine.dialect.name == "postgresql" else 1
    wake, in_flight = threading.Event(), InFlight(PER_HOST)
    return [
        threading.Thread(
            target=Sender(app, client, stopping, leading, wake, first=index == 0, in_flight=in_flight).run,
            name=f"push-{index}",
            daemon=True,
        )
        for index in range(count)
    ]


def service_of(endpoint: str) -> push_endpoints.Target:
    return push_endpoints.target(endpoint) or UNREADABLE


class InFlight:
    """How many pushes this worker's senders have under way to each push service."""

    def __init__(self, per_host: int):
        self.per_host = per_host
        self.lock = threading.Lock()  # held while claiming, so two senders never overfill a service
        self.count: Counter = Counter()

    def busy(self) -> set[push_endpoints.Target]:
        return {service for service, pushes in self.count.items() if pushes >= self.per_host}

    def leave(self, service: push_endpoints.Target) -> None:
        with self.lock:
            self.count[service] -= 1


@dataclass(frozen=True)
class Push:
    """What one push needs once the transaction that read it has ended."""

    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    topic: str
    target: push_endpoints.Target


class Sender:
    def __init__(
        self,
        app: Flask,
        client,
        stopping: threading.Event,
        leading: threading.Event,
        wake: threading.Event,
        *,
        first: bool,
        in_flight: InFlight | None = None,
    ):
        self.app, self.client, self.stopping, self.leading, self.wake = app, client, stopping, leading, wake
        self.first = first
        self.in_flight = in_flight or InFlight(PER_HOST)
        settings = app.config["SETTINGS"]
        self.endpoint_hosts = settings.push_endpoint_hosts
        # Well beyond any push (its deadline): a lease runs out only when its sender died.
        self.lease = timedelta(seconds=LEASE_DEADLINES * settings.push_deadline_seconds)

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
        """Push the oldest due delivery to a service that is not busy and record how it went;
        True if there was one."""
        try:
            claimed = self._claim()
            if claimed is None:
                return False
            lease, service = claimed
            try:
                self._deliver(lease)
            finally:
                self.in_flight.leave(service)
            return True
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("push database error: %s", exc.__class__.__name__)
            self.stopping.wait(1.0)
            return False

    def _claim(self) -> tuple[leases.Lease, push_endpoints.Target] | None:
        session = db.session
        candidates = select(PushDelivery.id, PushSubscription.endpoint).join(
            PushSubscription, PushSubscription.id == PushDelivery.subscription_id
        )
        with self.in_flight.lock:
            busy = self.in_flight.busy()
            if busy:  # their deliveries wait; the others go on
                on_busy = [
                    id_
                    for id_, endpoint in session.execute(select(PushSubscription.id, PushSubscription.endpoint))
                    if service_of(endpoint) in busy
                ]
                candidates = candidates.where(PushDelivery.subscription_id.not_in(on_busy))
            lease = leases.claim(session, PushDelivery, lambda _row: self.lease, candidates)
            if lease is None:
                return None
            service = service_of(lease.row.endpoint)
            self.in_flight.count[service] += 1
            return lease, service

    def _deliver(self, lease: leases.Lease) -> None:
        session = db.session
        delivery = session.get(PushDelivery, lease.id)
        push = self._prepare(delivery)
        if push is None:  # recorded as dropped or failed, nothing to send
            leases.end(delivery)
            session.commit()
            return
        session.rollback()  # only read: nothing stays open while it is pushed
        if not self.leading.is_set():  # lost the lock since the claim: leave it to the next holder
            self._record(lease, None)
            return
        outcome = self.client.send(
            push.endpoint,
            push.p256dh,
            push.auth,
            push.payload,
            ttl=deliveries.TTL_SECONDS,
            topic=push.topic,
            target=push.target,
        )
        log.info("push of delivery %s to %s:%s: %s %s", lease.id, *push.target, outcome.status, outcome.detail)
        self._record(lease, outcome)

    def _prepare(self, delivery: PushDelivery) -> Push | None:
        if deliveries.is_stale(delivery):
            deliveries.mark_dropped(delivery, "too old to push")
            return None
        subscription = delivery.subscription
        target = subscriptions.approved_target(subscription.endpoint, self.endpoint_hosts)
        if target is None:  # judged again at every push: a row stored before a check existed is not sent
            deliveries.mark_dropped(delivery, "not a known push service (PUSH_ENDPOINT_HOSTS)")
            return None
        try:
            payload = messages.compose(db.session, delivery.notification, subscription.locale)
        except (KeyError, TypeError, ValueError) as exc:  # a payload this code cannot read: not retried forever
            log.exception("push of notification %s cannot be composed", delivery.notification_id)
            deliveries.mark_failed(delivery, f"cannot compose: {exc!r}")
            return None
        if payload is None:
            deliveries.mark_dropped(delivery, "nothing left to say")
            return None
        return Push(
            subscription.endpoint,
            subscription.p256dh,
            subscription.auth,
            payload,
            f"n{delivery.notification_id}",
            target,
        )

    def _record(self, lease: leases.Lease, outcome) -> None:
        """The outcome, while the lease is still this claim's (None: not sent, the lease given back)."""
        session = db.session
        delivery = leases.held(session, lease)
        if delivery is None:
            log.warning("push delivery %s: its lease ran out before the outcome was recorded", lease.id)
            session.rollback()
            return
        if outcome is not None and outcome.status == "gone":
            deliveries.forget_subscription(session, delivery)  # the delivery goes with it
            session.commit()
            return
        if outcome is None:
            pass
        elif outcome.status == "sent":
            deliveries.mark_sent(delivery)
        elif outcome.status == "retry":
            deliveries.mark_retry(delivery, outcome.detail, outcome.retry_after)
        else:
            deliveries.mark_failed(delivery, outcome.detail)
        leases.end(delivery)
        session.commit()
