"""The admin's list of members: rename, merge, delete (/admin/members)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ...extensions import db
from ...models import Member, MemberDevice
from ...services import members
from ..auth import admin_page

bp = Blueprint("members_admin", __name__, url_prefix="/admin/members")


@bp.get("")
@admin_page
def index():
    devices = select(MemberDevice.member_id, func.count().label("n")).group_by(MemberDevice.member_id).subquery()
    rows = db.session.execute(
        select(Member, func.coalesce(devices.c.n, 0))
        .outerjoin(devices, devices.c.member_id == Member.id)
        .where(Member.name.is_not(None))  # deleted members keep a nameless row (models.Member)
        .order_by(Member.name, Member.id)
    ).all()
    return render_template("admin/members.html", rows=rows)


def _member_id(field: str) -> int | None:
    raw = request.form.get(field, "")
    return int(raw) if raw.isdigit() and int(raw) < 2**31 else None


@bp.post("/<int:member_id>/rename")
@admin_page
def rename(member_id: int):
    try:
        if members.get_member(db.session, member_id).name is None:
            raise members.MemberNotFound(member_id)
        members.rename(db.session, member_id, request.form.get("name", ""))
        db.session.commit()
        flash(_("Имя изменено."), "success")
    except members.NameTaken as exc:
        db.session.rollback()
        flash(
            _("Участник с именем «%(name)s» уже есть: выберите другое имя или объедините их.", name=exc.name), "error"
        )
    except members.InvalidName:
        db.session.rollback()
        flash(_("Имя — от 1 до %(max)d символов, без управляющих символов.", max=members.identity.NAME_MAX), "error")
    except members.MemberNotFound:
        db.session.rollback()
        flash(_("Такого участника нет."), "error")
    return redirect(url_for("members_admin.index"), 303)


@bp.post("/<int:member_id>/merge")
@admin_page
def merge(member_id: int):
    target = _member_id("into")
    try:
        if target is None:
            raise members.MemberNotFound(None)
        kept = members.merge_members(db.session, member_id, target)
        db.session.commit()
        flash(_("Участники объединены: теперь это %(name)s.", name=kept.name), "success")
    except members.MemberNotFound:
        db.session.rollback()
        flash(_("Такого участника нет."), "error")
    except members.MergeRefused as exc:
        db.session.rollback()
        flash(
            _("Нельзя объединить участника с самим собой.")
            if exc.code == "same_member"
            else _("У обоих участников свой Telegram: объединить их нельзя."),
            "error",
        )
    return redirect(url_for("members_admin.index"), 303)


@bp.post("/<int:member_id>/delete")
@admin_page
def delete(member_id: int):
    try:
        members.delete_member(db.session, member_id)
        db.session.commit()
        flash(
            _(
                "Участник удалён; его голоса, ответы и оценки остались, без имени. Если он снова проголосует с того же "
                "устройства или из того же Telegram, новый голос заменит старый."
            ),
            "success",
        )
    except members.MemberNotFound:
        db.session.rollback()
        flash(_("Такого участника нет."), "error")
    return redirect(url_for("members_admin.index"), 303)
