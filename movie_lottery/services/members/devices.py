"""A member's devices: which browser each is, when it was last seen, and ending one.

A device is the id in a signed voter cookie; a copied cookie is the member until the member
ends that device (here its row stops pointing at them: every process reads that row, so the
cookie is anonymous from its next request on). Pages name a device by a digest of its id
(``handle``): the id itself is what the cookie carries and never leaves the server.

Last seen is written at most once per SEEN_EVERY per device (the request that found it older),
with the browser's User-Agent then; naming or joining a device writes both at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ...models import Member, MemberDevice, as_utc, utcnow
from .. import events
from ..sql import affected_rows

SEEN_EVERY = timedelta(minutes=10)
USER_AGENT_MAX = 300  # the column's width; longer strings are cut
HANDLE_LENGTH = 16

# The parser's names as people know them; anything else it does not know is left out.
_BROWSERS = {
    "ChromiumEdge": "Edge",
    "Microsoft Edge": "Edge",
    "Yandex.Browser": "Yandex Browser",
    "Opera Mobile": "Opera",
    "Samsung Browser": "Samsung Internet",
}
_SYSTEMS = {"Mac OS": "macOS", "MacOS": "macOS", "ChromeOS": "ChromeOS"}
_APPLE_DEVICES = ("iPhone", "iPad", "iPod")
_SAFE = re.compile(r"^[\w .+-]{1,40}$")


class DeviceNotFound(LookupError):
    """No device of this member has that handle."""


@dataclass(frozen=True)
class DeviceState:
    """What one lookup tells about a device: its member (None for none, or a nameless one) and
    the member id its votes count under (a deleted member's too)."""

    member_id: int | None
    member: Member | None
    last_seen_at: datetime | None

    def seen_due(self, now: datetime) -> bool:
        return self.member_id is not None and (
            self.last_seen_at is None or as_utc(self.last_seen_at) < now - SEEN_EVERY
        )


@dataclass(frozen=True)
class Device:
    handle: str
    label: str | None  # «Chrome, Android»; None when the browser did not say or is unknown
    last_seen_at: datetime | None
    current: bool


def handle(device: str) -> str:
    return hashlib.sha256(f"device:{device}".encode()).hexdigest()[:HANDLE_LENGTH]


def describe(user_agent: str | None) -> str | None:
    """A short readable «browser, system» from a User-Agent, or None."""
    if not user_agent or len(user_agent) > 1000:
        return None
    import httpagentparser  # only /me needs it: not loaded by the worker or other pages

    found = httpagentparser.detect(user_agent)
    browser = (found.get("browser") or {}).get("name")
    dist = (found.get("dist") or {}).get("name")
    system = (
        dist
        if dist in _APPLE_DEVICES
        else ((found.get("platform") or {}).get("name") or (found.get("os") or {}).get("name"))
    )
    named = [
        _BROWSERS.get(browser, browser) if isinstance(browser, str) else None,
        _SYSTEMS.get(system, system) if isinstance(system, str) else None,
    ]
    return ", ".join(part for part in named if part is not None and _SAFE.match(part)) or None


def device_state(session: Session, device: str) -> DeviceState:
    """One indexed read: the device's member and when it was last seen."""
    row = session.execute(
        select(MemberDevice.member_id, MemberDevice.last_seen_at, Member)
        .outerjoin(Member, Member.id == MemberDevice.member_id)
        .where(MemberDevice.device_id == device)
    ).one_or_none()
    if row is None:
        return DeviceState(None, None, None)
    member = row.Member if row.Member is not None and row.Member.name is not None else None
    return DeviceState(row.member_id, member, row.last_seen_at)


def seen(
    session: Session, device: str, user_agent: str | None, *, now: datetime | None = None, always: bool = False
) -> None:
    """Record that the device was seen with this browser: unless ``always`` (just named or joined),
    only when the last record is older than SEEN_EVERY, so concurrent requests write once.
    The caller commits."""
    now = now or utcnow()
    stmt = update(MemberDevice).where(MemberDevice.device_id == device)
    if not always:
        stmt = stmt.where(or_(MemberDevice.last_seen_at.is_(None), MemberDevice.last_seen_at < now - SEEN_EVERY))
    session.execute(
        stmt.values(last_seen_at=now, user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None).execution_options(
            synchronize_session=False
        )
    )


def _rows(session: Session, member_id: int) -> list:
    return list(
        session.execute(
            select(MemberDevice.device_id, MemberDevice.user_agent, MemberDevice.last_seen_at).where(
                MemberDevice.member_id == member_id
            )
        ).all()
    )


def devices_of(session: Session, member_id: int, current: str | None) -> list[Device]:
    """The member's devices: this one first, then the most recently seen."""
    rows = _rows(session, member_id)
    rows.sort(
        key=lambda r: (
            r.device_id != current,
            -as_utc(r.last_seen_at).timestamp() if r.last_seen_at else 0,
            r.device_id,
        )
    )
    return [Device(handle(r.device_id), describe(r.user_agent), r.last_seen_at, r.device_id == current) for r in rows]


def end_device(session: Session, member_id: int, device_handle: str) -> Device:
    """The member's device with this handle stops being theirs (its votes so far stay the member's).
    Raises DeviceNotFound. The caller commits."""
    row = next((r for r in _rows(session, member_id) if handle(r.device_id) == device_handle), None)
    if row is None:
        raise DeviceNotFound(device_handle)
    ended = affected_rows(
        session.execute(
            update(MemberDevice)
            .where(MemberDevice.device_id == row.device_id, MemberDevice.member_id == member_id)
            .values(member_id=None)
            .execution_options(synchronize_session=False)
        )
    )
    if not ended:  # ended, moved or merged meanwhile
        raise DeviceNotFound(device_handle)
    events.device_ended.send(session, device=row.device_id, member_id=member_id)
    return Device(device_handle, describe(row.user_agent), row.last_seen_at, False)
