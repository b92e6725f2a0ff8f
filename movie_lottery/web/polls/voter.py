"""The voter: a random device id in a signed cookie, set on the first visit, and the member
(services/members) the device belongs to, if any.

A device without a member has one vote per poll (a second vote from the same browser replaces
the first); a member has one vote wherever they vote from. A private window or another browser
is a new device until it joins its member.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Literal, overload

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...models import Member, utcnow
from ...services import members

log = logging.getLogger(__name__)

COOKIE = "voter"
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="poll-voter")


def _device_from_cookie() -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        device = _serializer().loads(raw)
    except BadSignature:
        return None
    return device if isinstance(device, str) and 0 < len(device) <= 40 else None


@overload
def current_device(create: Literal[True] = True) -> str: ...
@overload
def current_device(create: bool) -> str | None: ...
def current_device(create: bool = True) -> str | None:
    """The device id; with create, a new device gets one (and the cookie), also after an
    earlier look without create found none."""
    if "device" not in g or (g.device is None and create):
        device = _device_from_cookie()
        if device is None and create:
            device = secrets.token_urlsafe(16)
            g.new_voter_cookie = _serializer().dumps(device)
            g.new_device = True
        g.device = device
    return g.device


def _device_state() -> members.devices.DeviceState | None:
    """The device's member and last sight, one indexed lookup per request (None: no device yet,
    or one made during this request, which cannot have a member). A device not seen for a while
    is recorded as seen once the response is ready (record_sighting)."""
    if "device_state" not in g:
        device = current_device(create=False)
        state = None if device is None or g.get("new_device") else members.device_state(db.session, device)
        if state is not None and state.seen_due(utcnow()):
            g.device_seen = "due"
        g.device_state = state
    return g.device_state


def current_voter(create: bool = True) -> str | None:
    """For reading: the voter key ("m:<member id>" or "d:<device id>"), one indexed lookup."""
    if "voter" not in g:
        device = current_device(create)
        state = _device_state()
        if device is None:
            g.voter = None
        elif state is not None and state.member_id is not None:
            g.voter = members.member_key(state.member_id)
        else:
            g.voter = members.identity.device_key(device)
    return g.voter


def voting_voter() -> str:
    """For a write: the voter key with the device's row locked until the request commits, so a
    merge of this device cannot interleave with the vote."""
    return members.claim_device_voter(db.session, current_device())


def current_member() -> Member | None:
    """The member this device belongs to (None for a new or anonymous device, or one whose
    member the admin deleted: that device is asked its name again)."""
    if "member" not in g:
        state = _device_state()
        g.member = state.member if state is not None else None
    return g.member


def device_named() -> None:
    """This device was just named or joined: record its browser with this response."""
    g.device_seen = "now"


def record_sighting(response):
    """After the view: write down that a member's device was seen (at most once per
    devices.SEEN_EVERY, or now when it was just named or joined), in a transaction of its own
    (whatever the view left uncommitted is dropped at teardown anyway)."""
    seen = g.pop("device_seen", None)
    device = g.get("device")
    if seen is None or device is None or response.status_code >= 500:
        return response
    try:
        db.session.rollback()
        members.devices.seen(db.session, device, request.user_agent.string, always=seen == "now")
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not record that a device was seen", exc_info=True)
    return response


def device_variant() -> str:
    """What a cached page showing this device's member (their name, RSVP, marks) varies on: the
    voter cookie as sent (one signed device id, one string — checking its signature here would
    cost more than the cached page); visitors without one share "none" (no member, no answers).
    A forged cookie only keys a page rendered for whatever member the view made of it."""
    return device_of_cookies(request.cookies)


def device_of_cookies(cookies) -> str:
    raw = cookies.get(COOKIE)
    return "c:" + raw if raw else "none"


def voter_variant() -> str:
    """What a cached poll page varies on: the device (above); every new visitor shares "new"
    (a device that has just got its id has voted and suggested nothing)."""
    if not request.cookies.get(COOKIE):
        current_voter()  # the new visitor's id and cookie, as rendering the page would give
        return "new"
    return device_variant()


def voter_of_cookies(cookies) -> str | None:
    """None for a new visitor: the page cache's fast path leaves them to Flask, which sets their cookie."""
    return device_of_cookies(cookies) if cookies.get(COOKIE) else None


# The same parts from the cookies alone, for cache hits answered before Flask (page_cache/fast.py).
# (set as attributes: page_cache/fast.py looks each part's cookie-level form up by that name)
setattr(device_variant, "of_cookies", device_of_cookies)  # noqa: B010
setattr(voter_variant, "of_cookies", voter_of_cookies)  # noqa: B010


def voter_tag(voter: str | None) -> str:
    """A short opaque digest of the voter for ETags (never the id itself)."""
    return hashlib.sha256((voter or "-").encode()).hexdigest()[:12]


def set_cookie_if_new(response):
    token = g.pop("new_voter_cookie", None)
    if token:
        response.set_cookie(
            COOKIE,
            token,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
