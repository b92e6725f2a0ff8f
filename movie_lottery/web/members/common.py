"""What the members' pages and API share: codes' links and the bot's username."""

from __future__ import annotations

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from ...extensions import db, limiter
from ...models import NotifierState
from ...services import members
from ..messages import problem
from ..presenters import external_url
from ..polls.voter import current_device, device_named

CODE_LIMIT = "10/minute;60/hour"  # issuing codes
JOIN_LIMIT = "10/minute;100/hour"  # redeeming: guessing a code needs millions of tries
# One budget for every route that tells whether a code exists (pages and API, looking or joining).
join_limit = limiter.shared_limit(JOIN_LIMIT, scope="join-codes")
NAME_LIMIT = "30/minute"
# The API's answer when the name given belongs to another member (PUT /api/me, answers, scores).
# A device without a member, and a name that is not one, wherever a member is made in passing.
NAME_REQUIRED = (
    422,
    "name_required",
    lazy_gettext('Назовитесь: пришлите имя ("name") вместе с запросом.'),
    lambda _exc: {"name": problem({"type": "missing", "loc": ("name",)})},
)
INVALID_NAME = (
    422,
    "validation_failed",
    lazy_gettext("Некоторые поля заполнены неверно."),
    lambda _exc: {"name": problem({"type": "name", "loc": ("name",)})},
)
NAME_TAKEN = (
    409,
    "name_taken",
    lazy_gettext(
        "Это имя уже занято другим участником: выберите другое (например, добавьте инициал) или, если это вы, "
        "присоединитесь с другого своего устройства (там POST /api/me/device-code, затем /api/join/<code>)."
    ),
    lambda _exc: {"name": _("занято другим участником")},
)


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


def name_error(exc: members.InvalidName) -> str:
    """What a page says about a name refused."""
    if isinstance(exc, members.NameTaken):
        return _(
            "Участник с именем «%(name)s» уже есть. Если это вы — войдите на этом устройстве по коду с "
            "того устройства («Кто вы» → «Войти на другом устройстве»). Если нет — выберите другое имя, "
            "например с первой буквой фамилии.",
            name=exc.name,
        )
    return _("Имя — от 1 до %(max)d символов, без управляющих символов.", max=members.identity.NAME_MAX)


def answering_member(name: str | None) -> int:
    """The member acting: this device's (its row locked until commit, so a merge of it cannot
    interleave), or a member named in the same step: a new one, or the deleted member this
    device was, back under that name. Raises NameRequired, members.InvalidName (NameTaken)."""
    device = current_device()
    member_id = members.identity.lock_device(db.session, device)
    if member_id is not None and members.get_member(db.session, member_id).name is not None:
        return member_id
    if not isinstance(name, str) or not name.strip():
        raise NameRequired()
    member = members.set_device_name(db.session, device, name)
    device_named()
    # What this request shows next (the answer's "my_…" fields) is the new member's.
    g.member = member
    g.pop("voter", None)
    return member.id
