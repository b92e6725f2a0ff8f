"""Validation of push subscriptions as browsers send them (PushSubscription.toJSON())."""

from __future__ import annotations

import base64
import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from ...clients import push_endpoints
from ...services.push import topics as push_topics
from ..schemas import _Strict

BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _decoded(value: str) -> bytes:
    if not BASE64URL.match(value):
        raise PydanticCustomError("base64url", "must be base64url")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except ValueError:
        raise PydanticCustomError("base64url", "must be base64url") from None


def _endpoint(value: str) -> str:
    if push_endpoints.target(value) is None:  # read as the sending client reads it (clients/push_endpoints.py)
        raise PydanticCustomError("endpoint", "must be a plain https:// URL of a push service")
    return value


def _p256dh(value: str) -> str:
    raw = _decoded(value)
    if len(raw) != 65 or raw[0] != 4:
        raise PydanticCustomError("p256dh", "must be a 65-byte uncompressed P-256 point, base64url")
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise PydanticCustomError("p256dh", "is not a point on the P-256 curve") from None
    return value


def _auth(value: str) -> str:
    if len(_decoded(value)) != 16:
        raise PydanticCustomError("auth", "must be 16 bytes, base64url")
    return value


def _topic(value: str) -> str:
    if value not in push_topics.TOPICS:
        raise PydanticCustomError("topic", "unknown topic (known: {known})", {"known": ", ".join(push_topics.TOPICS)})
    return value


Topics = Annotated[
    list[Annotated[str, Field(max_length=40), AfterValidator(_topic)]], Field(max_length=len(push_topics.TOPICS) * 2)
]


class KeysIn(_Strict):
    p256dh: Annotated[str, Field(max_length=100), AfterValidator(_p256dh)]
    auth: Annotated[str, Field(max_length=40), AfterValidator(_auth)]


class SubscriptionIn(_Strict):
    endpoint: Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_endpoint)]
    keys: KeysIn
    topics: Topics
    # Browsers send this with toJSON(); it is not kept (push services say when a subscription ends).
    expirationTime: int | None = Field(default=None, ge=0)  # noqa: N815


class TopicsIn(_Strict):
    topics: Topics
