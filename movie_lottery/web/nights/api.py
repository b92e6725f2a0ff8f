"""JSON API for movie nights (/api/nights…): create, list, read with ETag, RSVP, the date poll,
schedule and cancel."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...extensions import csrf, db, limiter
from ...services import library, members, nights
from ..api import INVALID_CURSOR, int_arg, live_json, parse_body, paged
from ..errors import ApiError, answer_errors, invalid_fields, respond
from ..members.common import NAME_TAKEN
from ..messages import problem
from ..openapi import NIGHT_MANAGER, VOTER, documented
from ..polls.voter import current_member, set_cookie_if_new, voter_tag
from .common import (
    ANSWER_LIMIT,
    CREATE_LIMIT,
    NameRequired,
    UnknownReference,
    answering_member,
    api_may_manage,
    plan_from,
    sees_places,
)
from .schemas import AvailabilityIn, NightIn, RsvpIn, ScheduleIn
from .view import manage_url, night_json, summary_json

bp = Blueprint("nights_api", __name__, url_prefix="/api/nights")
csrf.exempt(bp)  # JSON only; the device cookie is SameSite=Lax
bp.after_request(set_cookie_if_new)

CLOSED_MESSAGES = {
    "cancelled": lazy_gettext("Вечер отменён."),
    "started": lazy_gettext("Вечер уже начался: ответы закрыты."),
    "not_planning": lazy_gettext("Голосование по дате закончилось: у вечера уже есть время."),
}


answer_errors(
    bp,
    {
        library.InvalidCursor: INVALID_CURSOR,
        nights.NightNotFound: (404, "not_found", lazy_gettext("Такого вечера нет.")),
    },
    rollback=False,
)
answer_errors(
    bp,
    {
        NameRequired: (
            422,
            "name_required",
            lazy_gettext('Назовитесь: пришлите имя ("name") вместе с ответом или задайте его через PUT /api/me.'),
            lambda _exc: {"name": problem({"type": "missing", "loc": ("name",)})},
        ),
        members.NameTaken: NAME_TAKEN,
        members.InvalidName: (
            422,
            "validation_failed",
            lazy_gettext("Некоторые поля заполнены неверно."),
            lambda _exc: {"name": problem({"type": "name", "loc": ("name",)})},
        ),
        nights.UnknownOption: (
            422,
            "unknown_option",
            lazy_gettext("Такого варианта нет."),
            lambda _exc: {"option_ids": _("Такого варианта нет.")},
        ),
    },
)


@bp.errorhandler(nights.NightClosed)
def closed(exc: nights.NightClosed):
    db.session.rollback()
    return respond(409, f"night_{exc.code}", str(CLOSED_MESSAGES[exc.code]))


def api_sees_place(night) -> bool:
    """Members see the place, and so does whoever holds the night's management token."""
    return sees_places() or api_may_manage(night)


def current_json(night, with_place: bool | None = None) -> dict:
    member = current_member()
    return night_json(
        night,
        nights.answers(db.session, night, member.id if member else None),
        nights.night_film(db.session, night),
        api_sees_place(night) if with_place is None else with_place,
    )


def managed_night(public_id: str):
    night = nights.get_night(db.session, public_id)
    if not api_may_manage(night):
        raise ApiError(
            403, "forbidden", _("Нужен ключ управления вечером или ключ администратора (Authorization: Bearer …).")
        )
    return night


@bp.post("")
@documented(
    "Plan a movie night",
    "createNight",
    responses={201: ("The night, with its management token", "NightCreated")},
    errors=(400, 413, 422, 429, 503),
    body=NightIn,
    description="Exactly one of starts_at (a fixed time) or date_options (2–7 candidate times: a date poll); times in the future, with offsets. At most one of lottery_id, poll_id (public ids) or film_id (library). The answer carries manage_token once; only its hash is stored. Rate limited per address.",
)
@limiter.limit(CREATE_LIMIT)
def create():
    data = parse_body(NightIn)
    try:
        created = nights.create_night(db.session, plan_from(data))
    except UnknownReference as exc:
        raise invalid_fields({exc.field: _("такого нет")}) from None
    db.session.commit()
    body = current_json(created.night, with_place=True)  # what its creator just typed
    body.update(manage_token=created.manage_token, manage_url=manage_url(created.night, created.manage_token))
    return jsonify(body), 201


@bp.get("")
@documented(
    "List nights: upcoming (soonest first) or past (latest first)",
    "listNights",
    responses={200: ("A page", "ListNightsAnswer")},
    errors=(400, 503),
    parameters=(
        {
            "name": "when",
            "in": "query",
            "schema": {"type": "string", "enum": ["upcoming", "past"], "default": "upcoming"},
        },
        "cursor",
        "limit",
    ),
)
def list_nights():
    when = request.args.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        raise ApiError(400, "bad_request", _("Параметр «when» — upcoming или past."))
    limit = int_arg("limit", 20, 1, 100)
    with_place = sees_places()
    return paged(
        nights.list_nights(db.session, when, request.args.get("cursor") or None, limit),
        lambda night: summary_json(night, with_place),
    )


@bp.get("/<public_id>")
@documented(
    "A night with its answers",
    "getNight",
    responses={200: ("The night", "Night"), 304: ("Not modified", None)},
    errors=(404, 503),
    security=VOTER,
    description="Weak ETag: an unchanged night answers If-None-Match with 304 after one indexed row read.",
)
def get_night(public_id: str):
    """Cheap to poll: an unchanged night is one indexed row read (and the visitor's key) and a 304."""
    head = nights.night_head(db.session, public_id)
    member = current_member()
    bearer = "-a" if request.headers.get("Authorization") else ""  # a management token shows the place
    etag = f"{head.version}-{head.status}-{voter_tag(str(member.id) if member else None)}{bearer}"
    return live_json(etag, lambda: current_json(nights.get_night(db.session, public_id)))


def record_answer(public_id: str, schema, record):
    """Parse the answer, record(night, member_id, data) it as the answering member, commit; the night."""
    data = parse_body(schema)
    night = nights.get_night(db.session, public_id)
    record(night, answering_member(data.name), data)
    db.session.commit()
    return jsonify(current_json(night))


@bp.post("/<public_id>/rsvp")
@documented(
    "Answer going / maybe / no (one answer per member, changeable until the start)",
    "rsvpNight",
    responses={200: ("The night after the answer", "Night")},
    errors=(400, 404, 409, 413, 422, 429, 503),
    body=RsvpIn,
    security=VOTER,
    description="A device without a member gives its name in the same step; without one: 422 name_required. After the start: 409 night_started; cancelled: 409 night_cancelled.",
)
@limiter.limit(ANSWER_LIMIT)
def rsvp(public_id: str):
    return record_answer(
        public_id, RsvpIn, lambda night, member_id, data: nights.answer_rsvp(db.session, night, member_id, data.answer)
    )


@bp.post("/<public_id>/availability")
@documented(
    "Mark every candidate time that works for you (replaces your earlier marks)",
    "setNightAvailability",
    responses={200: ("The night after the marks", "Night")},
    errors=(400, 404, 409, 413, 422, 429, 503),
    body=AvailabilityIn,
    security=VOTER,
    description="Only while the date poll is open (409 night_not_planning after the creator picked a time). 422 unknown_option for a time not on this night; name_required as for rsvpNight.",
)
@limiter.limit(ANSWER_LIMIT)
def availability(public_id: str):
    return record_answer(
        public_id,
        AvailabilityIn,
        lambda night, member_id, data: nights.set_availability(db.session, night, member_id, data.option_ids),
    )


@bp.post("/<public_id>/schedule")
@documented(
    "Pick a candidate time, or (re)schedule to any future time",
    "scheduleNight",
    responses={200: ("The scheduled night", "Night")},
    errors=(400, 403, 404, 409, 413, 422, 503),
    body=ScheduleIn,
    security=NIGHT_MANAGER,
    description="The creator (the night's manage_token) or the admin (ADMIN_API_TOKEN); otherwise 403. Every change of the start grows the calendar SEQUENCE; a reschedule re-arms the reminders. Once the night has started: 409 night_started; cancelled: 409 night_cancelled.",
)
def schedule(public_id: str):
    night = managed_night(public_id)
    data = parse_body(ScheduleIn)
    try:
        nights.schedule(db.session, night, option_id=data.option_id, starts_at=data.starts_at)
    except nights.NightClosed as exc:
        if exc.code != "started":
            raise
        db.session.rollback()
        raise ApiError(409, "night_started", "the night has started: it can no longer be rescheduled") from None
    except ValueError as exc:
        if isinstance(exc, nights.UnknownOption):
            raise
        raise invalid_fields({"starts_at": problem({"type": "in_past", "loc": ("starts_at",)})}) from None
    db.session.commit()
    return jsonify(current_json(night))


@bp.post("/<public_id>/cancel")
@documented(
    "Cancel the night",
    "cancelNight",
    responses={200: ("The cancelled night", "Night")},
    errors=(403, 404, 503),
    security=NIGHT_MANAGER,
    description="The creator or the admin; idempotent.",
)
def cancel(public_id: str):
    night = managed_night(public_id)
    nights.cancel(db.session, night)
    db.session.commit()
    return jsonify(current_json(night))
