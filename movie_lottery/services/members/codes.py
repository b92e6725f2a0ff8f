"""One-time codes: a Telegram deep link (/start <code>) or another device's join (/join/<code>).

Single use (claimed by one conditional UPDATE), valid for CODE_TTL, stored only as sha256.
Guessing is rate-limited by the routes that redeem them (Flask-Limiter, shared through Redis).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import MemberCode, utcnow

CODE_TTL = timedelta(minutes=10)
KINDS = ("telegram", "device")
# Typed by hand from another screen: no 0/O, 1/I/L. 8 characters of 31: ~40 bits.
DEVICE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEVICE_CODE_LENGTH = 8


class CodeNotFound(LookupError):
    pass


class CodeGone(Exception):
    """Used already, or expired."""


def normalise(code: str) -> str:
    return code.strip().replace("-", "").replace(" ", "").upper() if code else ""


def _hash(kind: str, code: str) -> str:
    return hashlib.sha256(f"{kind}:{code}".encode()).hexdigest()


def issue_code(session: Session, kind: str, member_id: int) -> tuple[str, datetime]:
    """A fresh code for the member and when it expires. The caller commits."""
    if kind == "device":
        code = "".join(secrets.choice(DEVICE_ALPHABET) for _ in range(DEVICE_CODE_LENGTH))
    else:
        code = secrets.token_urlsafe(18)  # Telegram's start parameter: [A-Za-z0-9_-], up to 64
    now = utcnow()
    session.execute(delete(MemberCode).where(MemberCode.expires_at < now - CODE_TTL))  # keeps the table small
    session.add(
        MemberCode(
            code_hash=_hash(kind, normalise(code) if kind == "device" else code),
            kind=kind,
            member_id=member_id,
            expires_at=now + CODE_TTL,
        )
    )
    return code, now + CODE_TTL


def _digest(kind: str, code: str) -> str:
    return _hash(kind, normalise(code) if kind == "device" else code.strip())


def _missing(session: Session, digest: str) -> Exception:
    """Why a code is not usable: CodeNotFound, or CodeGone (used or expired)."""
    found = session.scalar(select(MemberCode.kind).where(MemberCode.code_hash == digest))
    return CodeGone() if found is not None else CodeNotFound()


def redeem_code(session: Session, kind: str, code: str) -> int:
    """The member the code was issued for; the code is spent. Raises CodeNotFound, CodeGone."""
    digest = _digest(kind, code)
    now = utcnow()
    member_id = session.execute(
        update(MemberCode)
        .where(MemberCode.code_hash == digest, MemberCode.used_at.is_(None), MemberCode.expires_at > now)
        .values(used_at=now)
        .returning(MemberCode.member_id)
    ).scalar_one_or_none()
    if member_id is not None:
        return member_id
    raise _missing(session, digest)


def peek_code(session: Session, kind: str, code: str) -> int:
    """The member the code was issued for, the code left unspent (a page that asks first).
    Raises CodeNotFound, CodeGone."""
    digest = _digest(kind, code)
    member_id = session.scalar(
        select(MemberCode.member_id).where(
            MemberCode.code_hash == digest, MemberCode.used_at.is_(None), MemberCode.expires_at > utcnow()
        )
    )
    if member_id is not None:
        return member_id
    raise _missing(session, digest)
