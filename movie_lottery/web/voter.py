"""The anonymous voter: a random device id in a signed cookie, set on the first visit.

It stops casual double voting (a second vote from the same browser replaces the first);
a private window or another browser is a new device — polls are among friends.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "voter"
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="poll-voter")


def _device_from_cookie() -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        device = _serializer().loads(raw)
    except BadSignature:
        return None
    return device if isinstance(device, str) and 0 < len(device) <= 40 else None


def current_voter(create: bool = True) -> str | None:
    """The voter key ("d:<device id>"); with create, a new device gets an id (and the cookie)."""
    if "voter" not in g:
        device = _device_from_cookie()
        if device is None and create:
            device = secrets.token_urlsafe(16)
            g.new_voter_cookie = _serializer().dumps(device)
        g.voter = f"d:{device}" if device else None
    return g.voter


def voter_variant() -> str:
    """What a cached poll page varies on: the voter cookie as sent (one signed device id, one
    string — checking its signature here would cost more than the cached page); every new
    visitor shares "new" (a device that has just got its id has voted and suggested nothing).
    A forged cookie only keys a page rendered for whatever voter the view made of it."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        current_voter()  # the new visitor's id and cookie, as rendering the page would give
        return "new"
    return "c:" + raw


def voter_tag(voter: str | None) -> str:
    """A short opaque digest of the voter for ETags (never the id itself)."""
    return hashlib.sha256((voter or "-").encode()).hexdigest()[:12]


def set_cookie_if_new(response):
    token = g.pop("new_voter_cookie", None)
    if token:
        response.set_cookie(
            COOKIE, token, max_age=MAX_AGE, httponly=True, samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
