"""Who is voting: a device (its signed cookie's id) or a Telegram user, and the member behind it.

Voter keys, as stored in poll votes: "m:<member id>" for a member (wherever they vote from),
"d:<device id>" for a device without a member. Writes resolve the key with an upsert of the
device's row (or of the Telegram user's member row): that row stays locked until the vote
commits, so a merge of the same identity waits for the vote, or the vote for the merge.

Names: no two members share one (NameTaken on the site; a Telegram newcomer becomes «Аня (2)»).
A member without a name is one the admin deleted (models.Member): still the same voter.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Member, MemberDevice
from ..sql import upsert_insert

NAME_MAX = 40


class InvalidName(ValueError):
    pass


class NameTaken(InvalidName):
    """Another member has this very name."""

    def __init__(self, name: str):
        super().__init__(f"another member is called {name!r}")
        self.name = name


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


def name_holder(session: Session, name: str) -> int | None:
    return session.scalar(select(Member.id).where(Member.name == name).order_by(Member.id).limit(1))


def check_name_free(session: Session, name: str, member_id: int | None = None) -> None:
    """Raises NameTaken when a member other than ``member_id`` is called exactly ``name``."""
    holder = name_holder(session, name)
    if holder is not None and holder != member_id:
        raise NameTaken(name)


def free_name(session: Session, base: str) -> str:
    """``base``, or «base (2)», «base (3)»… — the first no member has (for names nobody typed)."""
    name, number = base, 1
    while name_holder(session, name) is not None:
        number += 1
        suffix = f" ({number})"
        name = base[: NAME_MAX - len(suffix)].rstrip() + suffix
    return name


def lock_device(session: Session, device: str) -> int | None:
    """Make sure the device has its row, lock it until commit; returns its member id."""
    stmt = upsert_insert(session)(MemberDevice).values(device_id=device, member_id=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[MemberDevice.device_id], set_={"device_id": stmt.excluded.device_id}
    )
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
    """The member of a Telegram user, created (their first name, told apart from a member of the
    same name) on their first vote or answer; a deleted one gets that name back. The member's row
    is locked until the caller commits."""
    telegram_user_id = int(user["id"])
    known = session.execute(select(Member.name).where(Member.telegram_user_id == telegram_user_id)).one_or_none()
    name = known.name if known is not None and known.name is not None else free_name(session, _telegram_name(user))
    stmt = upsert_insert(session)(Member).values(telegram_user_id=telegram_user_id, name=name)
    # Updating a non-key column locks the row FOR NO KEY UPDATE, as merges do (merging.py).
    stmt = stmt.on_conflict_do_update(
        index_elements=[Member.telegram_user_id], set_={"name": func.coalesce(Member.name, stmt.excluded.name)}
    )
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
    """Raises InvalidName, NameTaken, MemberNotFound. Naming a deleted member brings them back."""
    member = get_member(session, member_id)
    name = clean_name(name)
    check_name_free(session, name, member_id)
    member.name = name
    return member
