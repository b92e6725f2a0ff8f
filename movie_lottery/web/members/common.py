"""What the members' pages and API share: codes' links and the bot's username."""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from ...extensions import db
from ...models import NotifierState
from ...services import members
from ..presenters import external_url
from ..polls.voter import current_device

CODE_LIMIT = "10/minute;60/hour"   # issuing codes
JOIN_LIMIT = "10/minute;100/hour"  # redeeming: guessing a code needs millions of tries
NAME_LIMIT = "30/minute"


def bot_username() -> str | None:
    """The bot's @username, which the notifier records from getMe (None until it has run)."""
    if not current_app.config["SETTINGS"].telegram_enabled:
        return None
    return db.session.scalar(select(NotifierState.bot_username).where(NotifierState.bot_username.is_not(None)).limit(1))


def telegram_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={code}"


def join_url(code: str) -> str:
    return external_url("members.join", code=code)


class NameRequired(Exception):
    """A device without a member acted (an answer, a score) without giving a name."""


def answering_member(name: str | None) -> int:
    """The member acting: this device's (its row locked until commit, so a merge of it cannot
    interleave), or a new member named in the same step. Raises NameRequired, members.InvalidName."""
    device = current_device()
    member_id = members.identity.lock_device(db.session, device)
    if member_id is not None:
        return member_id
    if not isinstance(name, str) or not name.strip():
        raise NameRequired()
    member = members.set_device_name(db.session, device, name)
    # What this request shows next (the answer's "my_…" fields) is the new member's.
    g.member = member
    g.pop("voter", None)
    return member.id
