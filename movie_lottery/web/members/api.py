"""JSON API for the visitor as a member: /api/me, codes, /api/join/<code>."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ...extensions import csrf, db, limiter
from ...models import iso_utc
from ...services import members
from ..api import parse_body
from ..errors import ApiError, answer_errors
from ..polls.voter import current_device, current_member, set_cookie_if_new
from ..openapi import ERROR, VOTER, documented
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
        raise ApiError(422, "name_required", "set your name first (PUT /api/me)")
    return member


answer_errors(bp, {
    members.CodeNotFound: (404, "not_found", "no such code"),
    members.CodeGone: (410, "code_gone", "this code was used already or has expired; ask for a new one"),
})


@bp.get("/me")
@documented("Who this device is: its member, or null", "getMe", responses={200: ("The member of this device", "Me")},
            errors=(503,), security=VOTER)
def me():
    return jsonify(member_json(current_member()))


@bp.put("/me")
@documented("Set this device's name (creates the member on the first name)", "setMyName",
            responses={200: ("The member", "Me")}, errors=(400, 413, 422, 429, 503), body=NameIn, security=VOTER,
            description="A device's anonymous poll votes become the new member's. Rate limited per address.")
@limiter.limit(NAME_LIMIT)
def set_name():
    data = parse_body(NameIn)
    member = members.set_device_name(db.session, current_device(), data.name)
    db.session.commit()
    return jsonify(member_json(member))


@bp.post("/me/telegram-link")
@documented("A one-time Telegram deep link that links the bot's user to this member", "createTelegramLink",
            responses={201: ("The code and its link", "OneTimeCode")}, errors=(413, 422, 429, 503), security=VOTER,
            description="Single use, valid 10 minutes. The bot links the account on /start <code>; if that account already was a member, the two merge. 422 name_required without a member; 503 telegram_unavailable when the bot is not configured or has not started yet.")
@limiter.limit(CODE_LIMIT)
def telegram_link_code():
    member = require_member()
    username = bot_username()
    if username is None:
        raise ApiError(503, "telegram_unavailable", "the Telegram bot is not configured or has not started yet")
    code, expires_at = members.issue_code(db.session, "telegram", member.id)
    db.session.commit()
    return jsonify({"code": code, "url": telegram_link(username, code), "expires_at": iso_utc(expires_at)}), 201


@bp.post("/me/device-code")
@documented("A short one-time code for signing in as this member on another device", "createDeviceCode",
            responses={201: ("The code and its link", "OneTimeCode")}, errors=(413, 422, 429, 503), security=VOTER,
            description="Single use, valid 10 minutes; url is the /join/<code> page (its QR code is on the site). 422 name_required without a member.")
@limiter.limit(CODE_LIMIT)
def device_code():
    member = require_member()
    code, expires_at = members.issue_code(db.session, "device", member.id)
    db.session.commit()
    return jsonify({"code": code, "url": join_url(code), "expires_at": iso_utc(expires_at)}), 201


@bp.post("/join/<code>")
@documented("Make this device the member's who issued the code", "joinWithCode",
            responses={200: ("The member this device now is", "Me"), 410: ("The code was used already or expired (error code code_gone)", ERROR)},
            errors=(404, 413, 429, 503),
            parameters=({"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}},),
            security=VOTER,
            description="Spends the code. Where this device (or the member it was) and the member both voted in a poll, the most recent vote stands. Guessing is rate limited (shared across instances with REDIS_URL).")
@limiter.limit(JOIN_LIMIT)
def join(code: str):
    member_id = members.redeem_code(db.session, "device", code)
    member = members.attach_device(db.session, current_device(), member_id)
    db.session.commit()
    return jsonify(member_json(member))
