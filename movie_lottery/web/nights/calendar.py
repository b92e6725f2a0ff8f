"""Calendar files: one night (/n/<id>.ics) and the subscription feed (/calendar.ics)."""
from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_babel import gettext as _

from ...extensions import db
from ...services import nights
from ...services.nights import calendar
from .view import group_zone, night_url

bp = Blueprint("nights_calendar", __name__)


def texts() -> dict[str, str]:
    return {"film": _("Смотрим: %(film)s", film="%s"), "planning": _("Дата ещё выбирается голосованием.")}


def ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/n/<public_id>.ics", endpoint="night_ics")
def night_ics(public_id: str):
    try:
        night = nights.get_night(db.session, public_id)
    except nights.NightNotFound:
        abort(404)
    return ics_response(calendar.to_ics(db.session, [night], group_zone(), night_url, texts()), f"{night.public_id}.ics")


@bp.get("/calendar.ics", endpoint="calendar_ics")
def calendar_ics():
    body = calendar.to_ics(db.session, calendar.feed_nights(db.session), group_zone(), night_url, texts(),
                           name=_("Киновечера"))
    return ics_response(body, "movie-nights.ics")
