"""Movie night pages: the list with the planner (/nights), the phone-friendly night (/n/<id>),
the creator's controls (/n/<id>/manage). Every form answers with a redirect (PRG), but a refused
planner comes back (422) with what was typed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ...extensions import db, limiter
from ...models import Film
from ...page_cache import cached_page, expires_at
from ...services import members, nights
from ..members.common import name_error
from ..polls.voter import current_member, device_variant, set_cookie_if_new
from .common import (
    ANSWER_LIMIT,
    CREATE_LIMIT,
    SESSION_TOKENS,
    NameRequired,
    UnknownReference,
    answering_member,
    page_may_manage,
    plan_from,
    remember_token,
    sees_places,
)
from .forms import creation_errors, form_time, night_payload, visitor_zone
from .schemas import NightIn, ScheduleIn
from ..presenters import absolute_poster
from ...services.nights.telegram import when_in_zone
from ...services.nights.zones import spoken as spoken_zone
from .view import ics_url, manage_url, night_url
from ..ratings.common import night_rating

bp = Blueprint("nights", __name__)
bp.after_request(set_cookie_if_new)

REMINDER_CHOICES = (10080, 1440, 180, 60, 15)
WATCHLIST_CHOICES = 50  # library films offered in the planner: the watchlist


def night_or_404(public_id: str):
    try:
        return nights.get_night(db.session, public_id)
    except nights.NightNotFound:
        abort(404)


def list_page(form=None, status: int = 200):
    """The planner above the upcoming and past nights; a refused form comes back with what was typed."""
    upcoming = nights.list_nights(db.session, "upcoming", None, 50).items
    past = nights.list_nights(db.session, "past", None, 20).items
    if upcoming:  # the soonest night moves to the past (and may start) then: nothing else changes by itself
        expires_at(upcoming[0].sort_at)
    watchlist = db.session.scalars(
        select(Film).where(Film.watchlist_at.is_not(None)).order_by(Film.watchlist_at.desc()).limit(WATCHLIST_CHOICES)
    ).all()
    return render_template(
        "nights/list.html",
        upcoming=upcoming,
        past=past,
        reminder_choices=REMINDER_CHOICES,
        watchlist=watchlist,
        form=form or MultiDict(),
        defaults=nights.DEFAULT_REMINDERS,
        zone=spoken_zone(),
        max_options=nights.MAX_OPTIONS,
    ), status


@bp.get("/nights")
@cached_page()
def index():
    return list_page()


@bp.post("/nights")
@limiter.limit(CREATE_LIMIT)
def create():
    try:
        created = nights.create_night(db.session, plan_from(NightIn.model_validate(night_payload(request.form))))
    except ValidationError as exc:
        for message in creation_errors(exc):
            flash(message, "error")
        return list_page(request.form, 422)
    except UnknownReference:
        db.session.rollback()
        flash(_("Не нашли такую лотерею или голосование."), "error")
        return list_page(request.form, 422)
    db.session.commit()
    remember_token(created.night, created.manage_token)
    flash(_("Вечер создан! Ссылку для друзей и ссылку для управления вы найдёте ниже."), "success")
    return redirect(url_for("nights.manage", public_id=created.night.public_id), 303)


def night_preview(night, film) -> dict:
    """What a messenger shows for the link: the date in the group's time zone, the film's poster."""
    if night.starts_at is not None:
        description = when_in_zone(night.starts_at)
    else:
        description = ngettext("Выбираем дату: %(num)d вариант", "Выбираем дату: %(num)d вариантов", len(night.options))
    if night.status == "cancelled":
        description = _("Отменён") + " · " + description
    if film is not None:
        description += " · " + _("Смотрим: %(film)s", film=film.title)
    # Never the place: a preview is shown to whoever sees the link (and fetched by a crawler).
    return {
        "title": "🎬 " + night.title + " — " + _("Кинолотерея"),
        "description": description,
        "image": absolute_poster(film.poster_url) if film else None,
        "url": night_url(night),
    }


def render_night(night, manage: bool = False):
    status = nights.status_of(night)
    if status == "scheduled":
        expires_at(night.starts_at)  # answers close and the night is past from then on
    member = current_member()
    answers = nights.answers(db.session, night, member.id if member else None)
    token = (session.get(SESSION_TOKENS) or {}).get(night.public_id) if manage else None
    film = nights.night_film(db.session, night)
    return render_template(
        "nights/night.html",
        night=night,
        preview=night_preview(night, film),
        status=status,
        answers=answers,
        member=member,
        film=film,
        share_url=night_url(night),
        ics=ics_url(night),
        manage=manage,
        can_manage=manage and page_may_manage(night),
        show_place=sees_places() or (manage and page_may_manage(night)),
        manage_link=manage_url(night, token) if manage and token else None,
        answer_names={"going": _("Иду"), "maybe": _("Может быть"), "no": _("Не смогу")},
        rating=night_rating(night, film, member),
    )


@bp.get("/n/<public_id>", endpoint="night")
@cached_page(vary=(device_variant,))  # the visitor's own answers and whether they are asked their name
def night_page(public_id: str):
    return render_night(night_or_404(public_id))


@bp.get("/n/<public_id>/manage")
def manage(public_id: str):
    return render_night(night_or_404(public_id), manage=True)


@bp.post("/n/<public_id>/claim")
def claim(public_id: str):
    """The manage link opened on another device: its fragment's token, posted by nights.js."""
    night = night_or_404(public_id)
    token = request.form.get("token", "")
    if nights.may_manage(night, token):
        remember_token(night, token)
    else:
        flash(_("Эта ссылка для управления не подходит."), "error")
    return redirect(url_for("nights.manage", public_id=public_id), 303)


def answer(public_id: str, act):
    night = night_or_404(public_id)
    try:
        act(night, answering_member(request.form.get("name")))
        db.session.commit()
    except NameRequired:
        db.session.rollback()
        flash(_("Как вас зовут? Назовитесь, чтобы ответить."), "error")
    except members.InvalidName as exc:
        db.session.rollback()
        flash(name_error(exc), "error")
    except nights.NightClosed as exc:
        db.session.rollback()
        flash(closed_message(exc.code), "error")
    except (nights.UnknownOption, ValueError):
        db.session.rollback()
        flash(_("Такого варианта нет."), "error")
    return redirect(url_for("nights.night", public_id=public_id) + "#answers", 303)


def closed_message(code: str) -> str:
    return {
        "cancelled": _("Вечер отменён."),
        "started": _("Вечер уже начался: ответы закрыты."),
        "not_planning": _("Дата уже выбрана."),
    }[code]


@bp.post("/n/<public_id>/rsvp")
@limiter.limit(ANSWER_LIMIT)
def rsvp(public_id: str):
    choice = request.form.get("answer", "")
    return answer(public_id, lambda night, member_id: nights.answer_rsvp(db.session, night, member_id, choice))


@bp.post("/n/<public_id>/availability")
@limiter.limit(ANSWER_LIMIT)
def availability(public_id: str):
    chosen = [int(v) for v in request.form.getlist("option_ids") if v.isdigit() and int(v) < 2**31]
    return answer(public_id, lambda night, member_id: nights.set_availability(db.session, night, member_id, chosen))


def managed_or_403(public_id: str):
    night = night_or_404(public_id)
    if not page_may_manage(night):
        abort(403)
    return night


@bp.post("/n/<public_id>/schedule")
def schedule(public_id: str):
    night = managed_or_403(public_id)
    option = request.form.get("option_id", "")
    try:
        data = ScheduleIn.model_validate(
            {"option_id": option}
            if option
            else {"starts_at": form_time(request.form.get("starts_at", ""), visitor_zone(request.form.get("tz")))}
        )
        nights.schedule(db.session, night, option_id=data.option_id, starts_at=data.starts_at)
        db.session.commit()
        flash(_("Время вечера назначено."), "success")
    except (ValidationError, ValueError):
        db.session.rollback()
        flash(_("Выберите время в будущем."), "error")
    except nights.NightClosed as exc:
        db.session.rollback()
        flash(
            _("Вечер уже начался: перенести его нельзя.") if exc.code == "started" else closed_message(exc.code),
            "error",
        )
    return redirect(url_for("nights.manage", public_id=public_id), 303)


@bp.post("/n/<public_id>/cancel")
def cancel(public_id: str):
    night = managed_or_403(public_id)
    if nights.cancel(db.session, night):
        db.session.commit()
        flash(_("Вечер отменён."), "success")
    return redirect(url_for("nights.manage", public_id=public_id), 303)
