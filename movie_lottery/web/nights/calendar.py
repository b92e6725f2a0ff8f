"""Calendar files: one night (/n/<id>.ics), the public subscription feed (/calendar.ics) and a
member's own feed (/calendar/<token>.ics), the only feed that carries the places."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_babel import gettext as _

from ...extensions import db
from ...services import nights
from ...services.nights import calendar
from .common import sees_places
from .view import group_zone, night_url

bp = Blueprint("nights_calendar", __name__)


def texts() -> dict[str, str]:
    return {"film": _("Смотрим: %(film)s", film="%s"), "planning": _("Дата ещё выбирается голосованием.")}


def ics_response(body: bytes, filename: str, private: bool = False) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache" if private else "no-cache"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/n/<public_id>.ics", endpoint="night_ics")
def night_ics(public_id: str):
    try:
        night = nights.get_night(db.session, public_id)
    except nights.NightNotFound:
        abort(404)
    member = sees_places()
    body = calendar.to_ics(db.session, [night], group_zone(), night_url, texts(), with_place=member)
    return ics_response(body, f"{night.public_id}.ics", private=member)


def feed(with_place: bool) -> Response:
    body = calendar.to_ics(
        db.session,
        calendar.feed_nights(db.session),
        group_zone(),
        night_url,
        texts(),
        name=_("Киновечера"),
        with_place=with_place,
    )
    return ics_response(body, "movie-nights.ics", private=with_place)


@bp.get("/calendar.ics", endpoint="calendar_ics")
def calendar_ics():
    return feed(with_place=False)


@bp.get("/calendar/<token>.ics", endpoint="member_calendar_ics")
def member_calendar_ics(token: str):
    """The member's own feed: the secret in the address is the key (a calendar app sends no cookie)."""
    if calendar.feed_member(db.session, token) is None:
        abort(404)
    return feed(with_place=True)
