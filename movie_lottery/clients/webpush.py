"""Web Push (RFC 8030) through pywebpush: the payload encrypted as aes128gcm (RFC 8291) and
signed for with a VAPID JWT (RFC 8292). No cryptography is written here.

Every push is bounded: 2 s to connect, 3 s for each read, and an overall deadline
(PUSH_DEADLINE_SECONDS, 15 s) for the whole exchange, enforced by cutting the connection
(clients/deadlines.py), so a service that trickles its answer is cut off too. Only plain
https endpoints are contacted, and the connection goes only to the host and port the caller
approved (certificates are checked; REQUESTS_CA_BUNDLE names extra trusted roots).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from . import deadlines, push_endpoints, vapid_keys

CONNECT_TIMEOUT, READ_TIMEOUT = 2.0, 3.0  # per connect and per read; the deadline bounds the whole push
DEFAULT_DEADLINE_SECONDS = 15.0
DEFAULT_RETRY_SECONDS = 30.0


def load_vapid(private_key: str) -> Vapid:
    """The VAPID signer for a VAPID_PRIVATE_KEY value; ValueError if it is not a key."""
    return Vapid(vapid_keys.private_key(private_key))


@dataclass(frozen=True)
class Outcome:
    """sent | gone (404/410: the subscription is dead) | retry (429, 5xx, timeouts; retry_after
    seconds when the service said) | rejected (any other 4xx: retrying cannot help)."""

    status: str
    retry_after: float | None = None
    detail: str = ""


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds, from a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class PushClient:
    def __init__(self, private_key: str, subject: str, *, deadline: float = DEFAULT_DEADLINE_SECONDS):
        self.vapid = load_vapid(private_key)
        self.public_key = vapid_keys.public_key_of(self.vapid.private_key)
        self.subject = subject
        self.deadline = deadline
        self._local = threading.local()  # one keep-alive session per sending thread

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = deadlines.session(2)
        return self._local.session

    def send(
        self,
        endpoint: str,
        p256dh: str,
        auth: str,
        payload: bytes,
        *,
        ttl: int,
        topic: str | None = None,
        target: push_endpoints.Target | None = None,
    ) -> Outcome:
        """Push to ``endpoint``, connecting only to ``target`` (the host and port the allow-list
        approved; by default wherever the endpoint plainly names)."""
        found = push_endpoints.target(endpoint)
        if found is None or (target is not None and found != target):
            return Outcome("rejected", detail="not a plain https endpoint of the approved push service")
        headers = {"Urgency": "normal"}
        if topic:
            headers["Topic"] = topic  # the service replaces an undelivered message with the same topic
        with deadlines.Deadline(self.deadline, found) as deadline:
            try:
                webpush(
                    {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                    payload,
                    vapid_private_key=self.vapid,
                    vapid_claims={"sub": self.subject},  # aud and exp are filled in
                    content_encoding="aes128gcm",
                    ttl=ttl,
                    headers=headers,
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                    requests_session=self._session(),
                )
            except WebPushException as exc:
                return self._failure(exc)
            except deadlines.TargetRefused as exc:
                return Outcome("rejected", detail=str(exc))
            except requests.RequestException as exc:
                if deadline.expired:
                    return Outcome("retry", detail=f"no complete answer within the {self.deadline:g} s deadline")
                return Outcome("retry", detail=exc.__class__.__name__)
            except (ValueError, TypeError) as exc:  # keys the encryption cannot use: retrying cannot help
                return Outcome("rejected", detail=f"cannot encrypt: {exc.__class__.__name__}")
        return Outcome("sent")

    @staticmethod
    def _failure(exc: WebPushException) -> Outcome:
        status = exc.status_code
        detail = f"HTTP {status}" if status else str(exc.message)[:200]
        if status is None:  # refused before sending (e.g. keys it cannot use): retrying cannot help
            return Outcome("rejected", detail=detail)
        if status in (404, 410):
            return Outcome("gone", detail=detail)
        if status == 429 or status >= 500:
            return Outcome("retry", retry_after_seconds(exc.retry_after), detail)
        return Outcome("rejected", detail=detail)
