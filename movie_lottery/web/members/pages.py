"""The visitor's own page (/me): the name, linking Telegram, joining from another device, the
member's devices (each can be ended), and the join page that asks before it merges."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...extensions import db, limiter
from ...services import members
from ...services.nights import calendar as nights_calendar
from ..admin import safe_next
from ..polls.voter import current_device, current_member, device_named, set_cookie_if_new
from ..presenters import external_url, qr_svg
from .common import CODE_LIMIT, NAME_LIMIT, bot_username, join_limit, join_url, name_error, telegram_link

bp = Blueprint("members", __name__)
bp.after_request(set_cookie_if_new)

SESSION_CODE = "device_code"  # the code just shown, kept in the visitor's own signed session
__all__ = ["bp", "name_error"]


def local_next(target: str | None) -> str | None:
    return safe_next(target) if target else None


@bp.get("/me")
def me():
    member = current_member()
    return render_template(
        "members/me.html",
        member=member,
        next=local_next(request.args.get("next")),
        telegram_on=bot_username() is not None,
        calendar_url=calendar_url(member),
        devices=members.devices_of(db.session, member.id, current_device()) if member else [],
    )


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
        device_named()
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


@bp.post("/me/telegram/unlink")
@limiter.limit(CODE_LIMIT)
def unlink_telegram():
    member = current_member()
    if member is not None and member.telegram_user_id is not None:
        members.unlink_telegram(db.session, member.id)
        db.session.commit()
        flash(
            _("Telegram отвязан: нажатия в нём больше не ваши. Привязать можно снова, хоть другой аккаунт."), "success"
        )
    return redirect(url_for("members.me"), 303)


@bp.post("/me/devices/<handle>/end")
@limiter.limit(CODE_LIMIT)
def end_device(handle: str):
    """«Выйти на этом устройстве»: that device's cookie stops being this member."""
    member = current_member()
    try:
        if member is None:
            raise members.DeviceNotFound(handle)
        ended = members.end_device(db.session, member.id, handle)
        db.session.commit()
    except members.DeviceNotFound:
        db.session.rollback()
        flash(_("Такого устройства у вас нет (может быть, из него уже вышли)."), "error")
        return redirect(url_for("members.me"), 303)
    flash(
        _(
            "Готово: на устройстве «%(device)s» вы больше не %(name)s.",
            device=ended.label or _("без названия"),
            name=member.name,
        ),
        "success",
    )
    return redirect(url_for("members.me") + "#devices", 303)


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
@join_limit
def join(code: str):
    """Names whose code it is and what becomes of the person now on this device; merges nothing."""
    try:
        preview = members.join_preview(db.session, current_device(create=False), code)
        refused = join_refusal(members.MergeRefused(preview.refused)) if preview.refused else None
    except (members.CodeNotFound, members.CodeGone) as exc:
        preview, refused = None, join_refusal(exc)
    return render_template("members/join.html", code=code, preview=preview, refused=refused)


@bp.post("/join/<code>")
@join_limit
def join_confirm(code: str):
    try:
        member_id = members.redeem_code(db.session, "device", code)
        member = members.attach_device(db.session, current_device(), member_id)
        db.session.commit()
    except (members.CodeNotFound, members.CodeGone, members.MergeRefused):
        db.session.rollback()  # the page says why (it looks again), spending nothing
        return redirect(url_for("members.join", code=code), 303)
    device_named()
    flash(_("Готово: на этом устройстве вы — %(name)s.", name=member.name), "success")
    return redirect(url_for("members.me"), 303)


def join_refusal(exc: Exception) -> str:
    if isinstance(exc, members.CodeNotFound):
        return _("Такого кода нет. Проверьте его или попросите новый.")
    if isinstance(exc, members.CodeGone):
        return _("Этот код уже использован или устарел (коды живут 10 минут). Попросите новый.")
    if getattr(exc, "code", None) == "same_member":
        return _("Это устройство уже ваше.")
    return _(
        "И у вас, и у владельца кода привязан свой Telegram: два аккаунта Telegram не могут быть одним "
        "человеком, поэтому объединить вас нельзя. Отвяжите Telegram на одном из устройств («Кто вы»)."
    )


@bp.post("/join")
@join_limit
def join_typed():
    """The code typed into the form on /me: to the same page that asks before joining."""
    code = members.codes.normalise(request.form.get("code", ""))
    if not code.isalnum():
        flash(_("Такого кода нет. Проверьте его или попросите новый."), "error")
        return redirect(url_for("members.me"), 303)
    return redirect(url_for("members.join", code=code), 303)
