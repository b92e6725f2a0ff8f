"""JSON API for the visitor as a member: /api/me, codes, /api/join/<code>."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...extensions import csrf, db, limiter
from ...models import iso_utc
from ...services import members
from ..api import parse_body
from ..errors import ApiError, answer_errors
from ..voter import current_device, current_member, set_cookie_if_new
from .common import CODE_LIMIT, JOIN_LIMIT, NAME_LIMIT, bot_username, join_url, telegram_link
from .schemas import NameIn

bp = Blueprint("members_api", __name__, url_prefix="/api")
# JSON only (a cross-site form cannot send it) and the device cookie is SameSite=Lax.
csrf.exempt(bp)
bp.after_request(set_cookie_if_new)


def member_json(member) -> dict:
    return {"member": member.to_dict() if member is not None else None}


def require_member():
    member = current_member()
    if member is None:
        raise ApiError(422, "name_required", _("Сначала назовитесь (PUT /api/me)."))
    return member


answer_errors(bp, {
    members.CodeNotFound: (404, "not_found", lazy_gettext("Такого кода нет.")),
    members.CodeGone: (410, "code_gone", lazy_gettext("Этот код уже использован или устарел: попросите новый.")),
})


@bp.get("/me")
def me():
    return jsonify(member_json(current_member()))


@bp.put("/me")
@limiter.limit(NAME_LIMIT)
def set_name():
    data = parse_body(NameIn)
    member = members.set_device_name(db.session, current_device(), data.name)
    db.session.commit()
    return jsonify(member_json(member))


@bp.post("/me/telegram-link")
@limiter.limit(CODE_LIMIT)
def telegram_link_code():
    member = require_member()
    username = bot_username()
    if username is None:
        raise ApiError(503, "telegram_unavailable", _("Telegram-бот не настроен или ещё не запустился."))
    code, expires_at = members.issue_code(db.session, "telegram", member.id)
    db.session.commit()
    return jsonify({"code": code, "url": telegram_link(username, code), "expires_at": iso_utc(expires_at)}), 201


@bp.post("/me/device-code")
@limiter.limit(CODE_LIMIT)
def device_code():
    member = require_member()
    code, expires_at = members.issue_code(db.session, "device", member.id)
    db.session.commit()
    return jsonify({"code": code, "url": join_url(code), "expires_at": iso_utc(expires_at)}), 201


@bp.post("/join/<code>")
@limiter.limit(JOIN_LIMIT)
def join(code: str):
    member_id = members.redeem_code(db.session, "device", code)
    member = members.attach_device(db.session, current_device(), member_id)
    db.session.commit()
    return jsonify(member_json(member))
