"""What the nights' pages and API share: who answers, who manages, what the creator named."""

from __future__ import annotations

from flask import request, session
from sqlalchemy import select

from ...extensions import db
from ...models import Film, Lottery, Night, Poll
from ...services import nights
from ..auth import _bearer_ok, is_admin
from ..members.common import NameRequired, answering_member  # noqa: F401  (the nights' pages and API use them)
from ..polls.voter import current_member

CREATE_LIMIT = "10/minute;60/hour"
ANSWER_LIMIT = "60/minute;600/hour"
SESSION_TOKENS = "night_tokens"  # the creator's management tokens, in their own signed session
MAX_SESSION_TOKENS = 20


def remember_token(night: Night, token: str) -> None:
    tokens = dict(session.get(SESSION_TOKENS) or {})
    tokens[night.public_id] = token
    session[SESSION_TOKENS] = dict(list(tokens.items())[-MAX_SESSION_TOKENS:])


def page_may_manage(night: Night) -> bool:
    return is_admin() or nights.may_manage(night, (session.get(SESSION_TOKENS) or {}).get(night.public_id))


def sees_places() -> bool:
    """A night's place (often a home address) is for members: a device whose member has a name
    (a Telegram account is a member too, and sees it in the group's announcement)."""
    return current_member() is not None


def api_may_manage(night: Night) -> bool:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return _bearer_ok() or (scheme.lower() == "bearer" and nights.may_manage(night, token.strip()))


class UnknownReference(ValueError):
    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def plan_from(data) -> nights.NightPlan:
    """NightIn -> NightPlan; lotteries and polls are named by their public ids."""
    lottery_id = poll_id = None
    if data.lottery_id is not None:
        lottery_id = db.session.scalar(select(Lottery.id).where(Lottery.public_id == data.lottery_id))
        if lottery_id is None:
            raise UnknownReference("lottery_id")
    if data.poll_id is not None:
        poll_id = db.session.scalar(select(Poll.id).where(Poll.public_id == data.poll_id))
        if poll_id is None:
            raise UnknownReference("poll_id")
    if data.film_id is not None and db.session.get(Film, data.film_id) is None:
        raise UnknownReference("film_id")
    return nights.NightPlan(
        title=data.title,
        starts_at=data.starts_at,
        date_options=tuple(data.date_options or ()),
        place=data.place,
        lottery_id=lottery_id,
        poll_id=poll_id,
        film_id=data.film_id,
        reminders=tuple(data.reminders_minutes),
    )
