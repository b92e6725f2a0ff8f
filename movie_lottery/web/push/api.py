"""JSON API for push subscriptions (/api/push…): the VAPID key, subscribe, change topics,
unsubscribe. A subscription is the device's (voter cookie) or, once members exist, the
member's too; nobody else may touch it (403)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...extensions import csrf, db, limiter
from ...services.push import subscriptions
from ..api import parse_body
from ..auth import is_admin
from ..errors import answer_errors, invalid_fields, respond
from ..openapi import ERROR, VOTER, documented
from ..polls.voter import current_device, current_member, set_cookie_if_new
from .schemas import SubscriptionIn, TopicsIn

bp = Blueprint("push_api", __name__, url_prefix="/api/push")
# JSON bodies only: a cross-site form cannot send them, and the voter cookie is SameSite=Lax.
csrf.exempt(bp)
bp.after_request(set_cookie_if_new)

CHANGE_LIMIT = "30/minute;300/hour"


@bp.before_request
def push_must_be_on():
    if not current_app.config["SETTINGS"].push_enabled:
        return respond(404, "push_disabled", _("Web Push на этом сайте выключен (не заданы ключи VAPID)."))
    return None


answer_errors(
    bp,
    {
        subscriptions.NotOwner: (403, "forbidden", lazy_gettext("Эта подписка — другого устройства или участника.")),
        subscriptions.TooMany: (
            422,
            "too_many_subscriptions",
            lambda _exc: _(
                "У устройства или участника может быть не больше %(max)d подписок: сначала удалите одну.",
                max=subscriptions.MAX_PER_OWNER,
            ),
        ),
        subscriptions.AdminOnly: (
            403,
            "admin_only",
            lambda exc: _("Только администратор может подписаться на: %(topics)s.", topics=", ".join(exc.topics)),
        ),
    },
)
answer_errors(
    bp, {subscriptions.SubscriptionNotFound: (404, "not_found", lazy_gettext("Такой подписки нет."))}, rollback=False
)


def owner() -> subscriptions.Owner:
    """This device (the voter cookie) and the member it belongs to, if any."""
    device = current_device()  # first: a new device gets its id (current_member() only reads)
    member = current_member()
    return subscriptions.Owner(device=device, member_id=member.id if member else None, is_admin=is_admin())


def subscription_json(subscription) -> dict:
    return {"id": subscription.id, "topics": list(subscription.topics)}


@bp.get("/key")
@documented(
    "The VAPID public key (applicationServerKey)",
    "getPushKey",
    responses={
        200: ("The key", "GetPushKeyAnswer"),
        404: ("Web Push is off on this site (error code push_disabled: no VAPID keys configured)", ERROR),
    },
    errors=(503,),
)
def key():
    from ...clients import vapid_keys

    private_key = vapid_keys.private_key(current_app.config["SETTINGS"].vapid_private_key.get_secret_value())
    return jsonify({"public_key": vapid_keys.public_key_of(private_key)})


@bp.post("/subscriptions")
@documented(
    "Subscribe this device to Web Push (or update its subscription)",
    "subscribePush",
    responses={
        201: ("Subscribed", "PushSubscription"),
        200: ("The subscription with this endpoint, updated", "PushSubscription"),
        403: (
            "Another device's endpoint without its auth secret (forbidden), or an admin topic for a visitor (admin_only)",
            ERROR,
        ),
        404: ("Web Push is off on this site (error code push_disabled: no VAPID keys configured)", ERROR),
        422: (
            "Invalid fields, unknown topics (validation_failed), or 10 subscriptions already (too_many_subscriptions)",
            ERROR,
        ),
    },
    errors=(400, 413, 429, 503),
    body=SubscriptionIn,
    security=VOTER,
    description="The same endpoint again updates the subscription (200). An endpoint of another device is taken over only with its auth secret. At most 10 subscriptions per device or member. The topic downloads is for the admin only.",
)
@limiter.limit(CHANGE_LIMIT)
def subscribe():
    data: SubscriptionIn = parse_body(SubscriptionIn)
    if not subscriptions.endpoint_allowed(data.endpoint, current_app.config["SETTINGS"].push_endpoint_hosts):
        raise invalid_fields({"endpoint": _("такой службы push-уведомлений сайт не знает (PUSH_ENDPOINT_HOSTS)")})
    subscription, created = subscriptions.subscribe(
        db.session,
        owner(),
        data.endpoint,
        data.keys.p256dh,
        data.keys.auth,
        data.topics,
        str(get_locale()),
    )
    db.session.commit()
    return jsonify(subscription_json(subscription)), 201 if created else 200


@bp.patch("/subscriptions/<int:id>")
@documented(
    "Change a subscription's topics",
    "updatePushTopics",
    responses={
        200: ("Changed", "PushSubscription"),
        403: ("Not the owner (forbidden), or an admin topic for a visitor (admin_only)", ERROR),
        404: ("No such subscription (not_found), or push is off (push_disabled)", ERROR),
    },
    errors=(400, 413, 422, 429, 503),
    body=TopicsIn,
    parameters=(
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
        },
    ),
    security=VOTER,
    description="Only the device that made it (the voter cookie) or, once members exist, its member may change it.",
)
@limiter.limit(CHANGE_LIMIT)
def change(id: int):
    data: TopicsIn = parse_body(TopicsIn)
    subscription = subscriptions.change_topics(db.session, owner(), id, data.topics, str(get_locale()))
    db.session.commit()
    return jsonify(subscription_json(subscription))


@bp.delete("/subscriptions/<int:id>")
@documented(
    "Unsubscribe",
    "deletePushSubscription",
    responses={
        204: ("Deleted", None),
        403: ("Not the owner (forbidden)", ERROR),
        404: ("No such subscription (not_found), or push is off (push_disabled)", ERROR),
    },
    errors=(429, 503),
    parameters=(
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
        },
    ),
    security=VOTER,
    description="Only the device that made it (the voter cookie) or, once members exist, its member may change it.",
)
@limiter.limit(CHANGE_LIMIT)
def unsubscribe(id: int):
    subscriptions.unsubscribe(db.session, owner(), id)
    db.session.commit()
    return "", 204
