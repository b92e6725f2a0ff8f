"""JSON API for the visitor as a member: /api/me, their devices, codes, /api/join/<code>."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...extensions import csrf, db, limiter
from ...models import iso_utc
from ...services import members
from ..api import parse_body
from ..errors import ApiError, answer_errors
from ..openapi import ERROR, VOTER, documented
from ..polls.voter import current_device, current_member, device_named, set_cookie_if_new
from .common import CODE_LIMIT, NAME_LIMIT, NAME_TAKEN, bot_username, join_limit, join_url, telegram_link
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


answer_errors(
    bp,
    {
        members.CodeNotFound: (404, "not_found", lazy_gettext("Такого кода нет.")),
        members.CodeGone: (410, "code_gone", lazy_gettext("Этот код уже использован или устарел: попросите новый.")),
        members.DeviceNotFound: (404, "not_found", lazy_gettext("У вас нет устройства с таким id.")),
        members.NameTaken: NAME_TAKEN,
    },
)
REFUSALS = {
    "same_member": lazy_gettext("Это устройство уже принадлежит этому участнику."),
    "both_telegram": lazy_gettext(
        "У участника этого устройства и у владельца кода — каждый свой Telegram: два аккаунта "
        "не могут быть одним человеком (сначала отвяжите один на странице «Кто вы»)."
    ),
}
CODE_PARAMETER = {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


@bp.get("/me")
@documented(
    "Who this device is: its member, or null",
    "getMe",
    responses={200: ("The member of this device", "Me")},
    errors=(503,),
    security=VOTER,
)
def me():
    return jsonify(member_json(current_member()))


@bp.put("/me")
@documented(
    "Set this device's name (creates the member on the first name)",
    "setMyName",
    responses={
        200: ("The member", "Me"),
        409: (
            "Another member has this name (error code name_taken): choose another, or join that "
            "member from your other device",
            ERROR,
        ),
    },
    errors=(400, 413, 422, 429, 503),
    body=NameIn,
    security=VOTER,
    description="A device's anonymous poll votes become the new member's. Rate limited per address.",
)
@limiter.limit(NAME_LIMIT)
def set_name():
    data = parse_body(NameIn)
    member = members.set_device_name(db.session, current_device(), data.name)
    db.session.commit()
    device_named()
    return jsonify(member_json(member))


def device_json(device) -> dict:
    return {
        "id": device.handle,
        "label": device.label,
        "last_seen_at": iso_utc(device.last_seen_at),
        "current": device.current,
    }


@bp.get("/me/devices")
@documented(
    "This member's devices: browser, last seen, which one this is",
    "listMyDevices",
    responses={200: ("The devices, this one first, then the most recently seen", "DeviceList")},
    errors=(422, 503),
    security=VOTER,
    description="Last seen is recorded at most once per 10 minutes. 422 name_required without a member.",
)
def my_devices():
    member = require_member()
    return jsonify({"devices": [device_json(d) for d in members.devices_of(db.session, member.id, current_device())]})


@bp.delete("/me/devices/<device_id>")
@documented(
    "Sign a device out: its cookie stops being this member",
    "endMyDevice",
    responses={204: ("Ended", None)},
    errors=(404, 422, 429, 503),
    security=VOTER,
    parameters=({"name": "device_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}},),
    description="From that device's next request on, in every process, it is an anonymous browser; the votes it cast stay the member's. A device may end itself. 404 not_found for an id that is not one of this member's devices.",
)
@limiter.limit(CODE_LIMIT)
def end_device(device_id: str):
    """Sign that device out: its cookie is no longer this member, from its next request on."""
    member = require_member()
    members.end_device(db.session, member.id, device_id)
    db.session.commit()
    return "", 204


@bp.post("/me/telegram-link")
@documented(
    "A one-time Telegram deep link that links the bot's user to this member",
    "createTelegramLink",
    responses={201: ("The code and its link", "OneTimeCode")},
    errors=(413, 422, 429, 503),
    security=VOTER,
    description="Single use, valid 10 minutes. The bot links the account on /start <code>; if that account already was a member, the two merge. 422 name_required without a member; 503 telegram_unavailable when the bot is not configured or has not started yet.",
)
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
@documented(
    "A short one-time code for signing in as this member on another device",
    "createDeviceCode",
    responses={201: ("The code and its link", "OneTimeCode")},
    errors=(413, 422, 429, 503),
    security=VOTER,
    description="Single use, valid 10 minutes; url is the /join/<code> page (its QR code is on the site). 422 name_required without a member.",
)
@limiter.limit(CODE_LIMIT)
def device_code():
    member = require_member()
    code, expires_at = members.issue_code(db.session, "device", member.id)
    db.session.commit()
    return jsonify({"code": code, "url": join_url(code), "expires_at": iso_utc(expires_at)}), 201


@bp.get("/join/<code>")
@documented(
    "What joining with this code would do, spending nothing",
    "previewJoin",
    responses={
        200: ("The preview", "JoinPreview"),
        410: ("The code was used already or expired (error code code_gone)", ERROR),
    },
    errors=(404, 429, 503),
    parameters=(CODE_PARAMETER,),
    security=VOTER,
    description="Whose code it is, the member this device is now (null without a name), and the refusal joining would meet (both_telegram, same_member, or null). Rate limited with the POST.",
)
@join_limit
def join_preview(code: str):
    """What joining would do, spending nothing: whose code it is, who this device is now, and the
    refusal joining would meet (null when it would go through)."""
    preview = members.join_preview(db.session, current_device(create=False), code)
    return jsonify(
        {
            "member": {"id": preview.owner.id, "name": preview.owner.name},
            "current": {"id": preview.current.id, "name": preview.current.name} if preview.current else None,
            "refused": preview.refused,
        }
    )


@bp.post("/join/<code>")
@documented(
    "Make this device the member's who issued the code",
    "joinWithCode",
    responses={
        200: ("The member this device now is", "Me"),
        409: ("Refused (error code both_telegram): two Telegram accounts cannot be one person", ERROR),
        410: ("The code was used already or expired (error code code_gone)", ERROR),
    },
    errors=(404, 413, 429, 503),
    parameters=(CODE_PARAMETER,),
    security=VOTER,
    description="Spends the code. Where this device (or the member it was) and the member both voted in a poll, the most recent vote stands. 409 both_telegram when both have their own Telegram account (nothing is spent). Guessing is rate limited (one budget with GET, shared across instances with REDIS_URL).",
)
@join_limit
def join(code: str):
    member_id = members.redeem_code(db.session, "device", code)
    try:
        member = members.attach_device(db.session, current_device(), member_id)
    except members.MergeRefused as exc:
        db.session.rollback()
        raise ApiError(409, exc.code, str(REFUSALS[exc.code])) from None
    db.session.commit()
    device_named()
    return jsonify(member_json(member))
