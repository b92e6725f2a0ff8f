"""The visitor's own page (/me): the name, linking Telegram, joining from another device."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...extensions import db, limiter
from ...services import members
from ...services.nights import calendar as nights_calendar
from ..admin import safe_next
from ..presenters import external_url
from ..sharing import qr_svg
from ..voter import current_device, current_member, set_cookie_if_new
from .common import CODE_LIMIT, JOIN_LIMIT, NAME_LIMIT, bot_username, join_url, telegram_link

bp = Blueprint("members", __name__)
bp.after_request(set_cookie_if_new)

SESSION_CODE = "device_code"  # the code just shown, kept in the visitor's own signed session


def name_error(exc: members.InvalidName) -> str:
    return _("Имя — от 1 до %(max)d символов, без управляющих символов.", max=members.identity.NAME_MAX)


def local_next(target: str | None) -> str | None:
    return safe_next(target) if target else None


@bp.get("/me")
def me():
    member = current_member()
    return render_template("members/me.html", member=member, next=local_next(request.args.get("next")),
                           telegram_on=bot_username() is not None, calendar_url=calendar_url(member))


def calendar_url(member) -> str | None:
    """The member's own calendar feed (with the nights' places), once they asked for one."""
    if member is None or not member.calendar_token:
        return None
    return external_url("nights_calendar.member_calendar_ics", token=member.calendar_token)


@bp.post("/me/calendar")
@limiter.limit(CODE_LIMIT)
def new_calendar_feed():
    """Make the member's feed address, or replace it (the old one stops working)."""
    member = current_member()
    if member is None:
        flash(_("Сначала назовитесь."), "error")
        return redirect(url_for("members.me"), 303)
    had_one = member.calendar_token is not None
    nights_calendar.new_feed_token(db.session, member)
    db.session.commit()
    if had_one:
        flash(_("Готово: старая ссылка на календарь больше не работает."), "success")
    return redirect(url_for("members.me") + "#calendar", 303)


@bp.post("/me")
@limiter.limit(NAME_LIMIT)
def set_name():
    target = local_next(request.form.get("next")) or url_for("members.me")
    try:
        members.set_device_name(db.session, current_device(), request.form.get("name", ""))
        db.session.commit()
        flash(_("Готово, теперь вас зовут %(name)s.", name=members.clean_name(request.form.get("name", ""))), "success")
    except members.InvalidName as exc:
        db.session.rollback()
        flash(name_error(exc), "error")
    return redirect(target, 303)


@bp.post("/me/telegram")
@limiter.limit(CODE_LIMIT)
def link_telegram():
    member, username = current_member(), bot_username()
    if member is None or username is None:
        flash(_("Сначала назовитесь.") if member is None else _("Telegram-бот ещё не настроен."), "error")
        return redirect(url_for("members.me"), 303)
    code, _expires = members.issue_code(db.session, "telegram", member.id)
    db.session.commit()
    return redirect(telegram_link(username, code), 303)


@bp.post("/me/device-code")
@limiter.limit(CODE_LIMIT)
def new_device_code():
    member = current_member()
    if member is None:
        flash(_("Сначала назовитесь."), "error")
        return redirect(url_for("members.me"), 303)
    code, _expires = members.issue_code(db.session, "device", member.id)
    db.session.commit()
    session[SESSION_CODE] = code
    return redirect(url_for("members.device_code"), 303)


@bp.get("/me/device-code")
def device_code():
    code = session.get(SESSION_CODE)
    if not code or current_member() is None:
        return redirect(url_for("members.me"), 303)
    return render_template("members/device_code.html", code=code, url=join_url(code))


@bp.get("/me/device-code/qr.svg")
def device_code_qr():
    code = session.get(SESSION_CODE)
    if not code:
        abort(404)
    return qr_svg(join_url(code), _("Войти на другом устройстве"), cache="private, no-store")


@bp.get("/join/<code>")
def join(code: str):
    return render_template("members/join.html", code=code, member=current_member())


@bp.post("/join/<code>")
@limiter.limit(JOIN_LIMIT)
def join_confirm(code: str):
    return redeem(code)


def redeem(code: str):
    try:
        member_id = members.redeem_code(db.session, "device", code)
        member = members.attach_device(db.session, current_device(), member_id)
        db.session.commit()
    except members.CodeNotFound:
        db.session.rollback()
        flash(_("Такого кода нет. Проверьте его или попросите новый."), "error")
        return redirect(url_for("members.join", code=code), 303)
    except members.CodeGone:
        db.session.rollback()
        flash(_("Этот код уже использован или устарел (коды живут 10 минут). Попросите новый."), "error")
        return redirect(url_for("members.join", code=code), 303)
    flash(_("Готово: на этом устройстве вы — %(name)s.", name=member.name), "success")
    return redirect(url_for("members.me"), 303)


@bp.post("/join")
@limiter.limit(JOIN_LIMIT)
def join_typed():
    """The code typed into the form on /me."""
    code = members.codes.normalise(request.form.get("code", ""))
    if not code.isalnum():
        flash(_("Такого кода нет. Проверьте его или попросите новый."), "error")
        return redirect(url_for("members.me"), 303)
    return redeem(code)
