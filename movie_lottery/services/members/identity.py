"""Who is voting: a device (its signed cookie's id) or a Telegram user, and the member behind it.

Voter keys, as stored in poll votes: "m:<member id>" for a member (wherever they vote from),
"d:<device id>" for a device without a member. Writes resolve the key with an upsert of the
device's row (or of the Telegram user's member row): that row stays locked until the vote
commits, so a merge of the same identity waits for the vote, or the vote for the merge.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Member, MemberDevice
from ..sql import upsert_insert

NAME_MAX = 40


class InvalidName(ValueError):
    pass


class MemberNotFound(LookupError):
    pass


_SPACES = re.compile(r"\s+")


def clean_name(raw: object) -> str:
    """1–40 characters, trimmed, inner runs of spaces collapsed, no control or format characters."""
    if not isinstance(raw, str):
        raise InvalidName("a name must be text")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in raw):
        raise InvalidName("a name cannot contain control characters")
    name = _SPACES.sub(" ", raw).strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidName(f"a name has 1–{NAME_MAX} characters")
    return name


def member_key(member_id: int) -> str:
    return f"m:{member_id}"


def device_key(device: str) -> str:
    return f"d:{device}"


def device_member(session: Session, device: str | None) -> Member | None:
    if not device:
        return None
    return session.scalar(select(Member).join(MemberDevice, MemberDevice.member_id == Member.id)
                          .where(MemberDevice.device_id == device))


def voter_key(session: Session, device: str) -> str:
    """Read only: the device's voter key now."""
    member_id = session.scalar(select(MemberDevice.member_id).where(MemberDevice.device_id == device))
    return member_key(member_id) if member_id else device_key(device)


def lock_device(session: Session, device: str) -> int | None:
    """Make sure the device has its row, lock it until commit; returns its member id."""
    stmt = upsert_insert(session)(MemberDevice).values(device_id=device, member_id=None)
    stmt = stmt.on_conflict_do_update(index_elements=[MemberDevice.device_id],
                                      set_={"device_id": stmt.excluded.device_id})
    return session.execute(stmt.returning(MemberDevice.member_id)).scalar_one()


def claim_device_voter(session: Session, device: str) -> str:
    """For a write: the device's voter key, the device's row locked until the caller commits."""
    member_id = lock_device(session, device)
    return member_key(member_id) if member_id else device_key(device)


def _telegram_name(user: dict) -> str:
    raw = " ".join(str(user.get(part) or "") for part in ("first_name",)).strip()
    try:
        return clean_name(raw[:NAME_MAX])
    except InvalidName:
        return f"Telegram {user.get('id')}"


def member_for_telegram(session: Session, user: dict) -> Member:
    """The member of a Telegram user, created (their first name) on their first vote or answer.
    The member's row is locked until the caller commits."""
    stmt = upsert_insert(session)(Member).values(telegram_user_id=int(user["id"]), name=_telegram_name(user))
    # Updating a non-key column locks the row FOR NO KEY UPDATE, as merges do (merging.py).
    stmt = stmt.on_conflict_do_update(index_elements=[Member.telegram_user_id], set_={"name": Member.name})
    member_id = session.execute(stmt.returning(Member.id)).scalar_one()
    return session.get_one(Member, member_id, populate_existing=True)


def telegram_voter(session: Session, user: dict) -> str:
    return member_key(member_for_telegram(session, user).id)


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise MemberNotFound(member_id)
    return member


def rename(session: Session, member_id: int, name: str) -> Member:
    member = get_member(session, member_id)
    member.name = clean_name(name)
    return member
