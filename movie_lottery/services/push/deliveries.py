"""Push deliveries: made in the notification's own transaction, sent by the worker.

Exactly once per subscription and notification: the (notification, subscription) pair is
unique, a sender claims its row by lease (services/leases.py: no other sender or instance
takes it while the lease runs), pushes with no transaction open and marks it sent right
after the push service's 201. The one window left is a sender dying between that 201 and
the record: its lease runs out and the next claim pushes again, and the browser shows it in
place of the first (same tag, same Topic), not as a second one. For the same reason a push
whose answer never came (cut at its deadline) is retried with the usual back-off.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Notification, PushDelivery, PushSubscription, as_utc, utcnow
from .. import events, notifications
from . import subscriptions, topics

MAX_RETRY_AFTER_SECONDS = 3600.0
MAX_AGE = timedelta(days=1)  # news older than this is not pushed any more (e.g. push was off)
TTL_SECONDS = 12 * 3600  # how long a push service keeps a message for a phone that is offline


@events.notification_enqueued.connect
def fan_out(session: Session, notification: Notification) -> None:
    """One delivery per subscription that wants this kind of news, in the same transaction."""
    topic = topics.topic_of(notification.kind)
    if topic is None:
        return
    for subscription in session.scalars(select(PushSubscription).order_by(PushSubscription.id)):
        if topic in subscription.topics and (topic not in topics.ADMIN_TOPICS or subscription.is_admin):
            session.add(PushDelivery(notification=notification, subscription=subscription))


def is_stale(delivery: PushDelivery) -> bool:
    return utcnow() - as_utc(delivery.notification.created_at) > MAX_AGE


def mark_sent(delivery: PushDelivery) -> None:
    delivery.status, delivery.sent_at = "sent", utcnow()


def mark_dropped(delivery: PushDelivery, reason: str) -> None:
    delivery.status, delivery.last_error = "dropped", reason[:500]


def mark_failed(delivery: PushDelivery, reason: str) -> None:
    delivery.status, delivery.last_error = "failed", reason[:500]


def forget_subscription(session: Session, delivery: PushDelivery) -> None:
    """404/410: the browser dropped the subscription; its deliveries go with it."""
    subscriptions.remove(session, delivery.subscription)


def mark_retry(delivery: PushDelivery, reason: str, retry_after: float | None = None) -> None:
    """The outbox's back-off (exponential with jitter, then failed), or as long as the push
    service asked (capped)."""
    notifications.mark_retry(
        delivery, reason, None if retry_after is None else min(retry_after, MAX_RETRY_AFTER_SECONDS)
    )
