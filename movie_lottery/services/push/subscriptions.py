"""Subscriptions and their owners. A subscription belongs to the device that made it (the
voter cookie) and, once members exist, to the member signed in on it (member_id): either
may change or delete it, and a member sees every device of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ...clients import push_endpoints
from ...models import MemberDevice, PushDelivery, PushSubscription
from .. import events
from . import topics as push_topics
from .. import merges

MAX_PER_OWNER = 10


@dataclass(frozen=True)
class Owner:
    device: str
    member_id: int | None = None
    is_admin: bool = False


class NotOwner(Exception):
    """The subscription exists but belongs to another device or member."""


class SubscriptionNotFound(Exception):
    pass


class TooMany(Exception):
    pass


class AdminOnly(Exception):
    def __init__(self, topics: list[str]):
        super().__init__(", ".join(topics))
        self.topics = topics


def approved_target(endpoint: str, hosts: str) -> push_endpoints.Target | None:
    """The (host, port) a push to this endpoint goes to, when that is one of the push services
    in PUSH_ENDPOINT_HOSTS (read as the sending client reads the URL); None otherwise."""
    found = push_endpoints.target(endpoint)
    return found if found is not None and push_endpoints.allowed(found, hosts) else None


def endpoint_allowed(endpoint: str, hosts: str) -> bool:
    return approved_target(endpoint, hosts) is not None


def _owned_by(owner: Owner):
    """This device's subscriptions, and a member's: those made while signed in and those of
    every device that belongs to the member now (a device that joined later included)."""
    if owner.member_id is None:
        return PushSubscription.device == owner.device
    members_devices = select(MemberDevice.device_id).where(MemberDevice.member_id == owner.member_id)
    return or_(
        PushSubscription.device == owner.device,
        PushSubscription.member_id == owner.member_id,
        PushSubscription.device.in_(members_devices),
    )


def owns(session: Session, owner: Owner, subscription: PushSubscription) -> bool:
    if subscription.device == owner.device:
        return True
    if owner.member_id is None:
        return False
    if subscription.member_id == owner.member_id:
        return True
    device = session.get(MemberDevice, subscription.device)
    return device is not None and device.member_id == owner.member_id


@events.members_merged.connect
def _members_merged(session: Session, source_id: int, target_id: int) -> None:
    merges.reassign(session, PushSubscription, source_id, target_id)


@events.member_deleted.connect
def _member_deleted(session: Session, member_id: int) -> None:
    session.execute(update(PushSubscription).where(PushSubscription.member_id == member_id).values(member_id=None))


@events.device_ended.connect
def _device_ended(session: Session, device: str, member_id: int) -> None:
    """An ended device no longer gets the member's pushes."""
    session.execute(
        update(PushSubscription)
        .where(PushSubscription.device == device, PushSubscription.member_id == member_id)
        .values(member_id=None)
    )


def of_owner(session: Session, owner: Owner) -> list[PushSubscription]:
    return list(session.scalars(select(PushSubscription).where(_owned_by(owner)).order_by(PushSubscription.id)))


def _checked_topics(owner: Owner, topics: list[str]) -> list[str]:
    refused = [t for t in topics if t in push_topics.ADMIN_TOPICS and not owner.is_admin]
    if refused:
        raise AdminOnly(refused)
    return [t for t in push_topics.TOPICS if t in topics]  # one order, no repeats


def subscribe(
    session: Session, owner: Owner, endpoint: str, p256dh: str, auth: str, topics: list[str], locale: str
) -> tuple[PushSubscription, bool]:
    """Create, or update the subscription with this endpoint; returns (subscription, created).
    Another owner's endpoint is taken over only with its auth secret, which only that
    browser and we know (a cleared cookie makes a new device on the same browser)."""
    chosen = _checked_topics(owner, topics)
    subscription = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    created = subscription is None
    if subscription is not None and not owns(session, owner, subscription) and subscription.auth != auth:
        raise NotOwner()
    if subscription is None:
        count = session.execute(select(func.count()).select_from(PushSubscription).where(_owned_by(owner))).scalar_one()
        if count >= MAX_PER_OWNER:
            raise TooMany()
        subscription = PushSubscription(endpoint=endpoint)
        session.add(subscription)
    subscription.p256dh, subscription.auth = p256dh, auth
    subscription.device = owner.device
    subscription.member_id = owner.member_id if owner.member_id is not None else subscription.member_id
    subscription.topics, subscription.is_admin, subscription.locale = chosen, owner.is_admin, locale
    session.flush()
    return subscription, created


def owned(session: Session, owner: Owner, subscription_id: int) -> PushSubscription:
    subscription = session.get(PushSubscription, subscription_id)
    if subscription is None:
        raise SubscriptionNotFound()
    if not owns(session, owner, subscription):
        raise NotOwner()
    return subscription


def change_topics(
    session: Session, owner: Owner, subscription_id: int, topics: list[str], locale: str
) -> PushSubscription:
    subscription = owned(session, owner, subscription_id)
    subscription.topics = _checked_topics(owner, topics)
    subscription.is_admin = owner.is_admin
    subscription.locale = locale
    return subscription


def remove(session: Session, subscription: PushSubscription) -> None:
    """Delete a subscription and its pending pushes (explicitly: SQLite does not cascade)."""
    session.execute(delete(PushDelivery).where(PushDelivery.subscription_id == subscription.id))
    session.delete(subscription)


def unsubscribe(session: Session, owner: Owner, subscription_id: int) -> None:
    remove(session, owned(session, owner, subscription_id))
