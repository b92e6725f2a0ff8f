"""JSON API of the visitor's own watchlist: /api/me/watchlist."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext

from ...clients.errors import KinopoiskError
from ...extensions import csrf, db, limiter
from ...models import Film
from ...services import members, watchlists
from ..api import parse_body, validate
from ..errors import ApiError, answer_errors
from ..library.api import KINOPOISK_ERRORS
from ..members.common import INVALID_NAME, NAME_REQUIRED, NAME_TAKEN, NameRequired, answering_member
from ..openapi import NAME_TAKEN_ANSWER, VOTER, documented
from ..polls.voter import current_member, set_cookie_if_new
from .common import WISH_LIMIT, wish_json
from .schemas import WatchlistKinopoiskIn, WatchlistAddIn

bp = Blueprint("watchlists_api", __name__, url_prefix="/api")
# JSON only (a cross-site form cannot send it) and the device cookie is SameSite=Lax.
csrf.exempt(bp)
bp.after_request(set_cookie_if_new)

answer_errors(
    bp,
    {
        watchlists.FilmNotFound: (404, "not_found", lazy_gettext("Такого фильма нет.")),
        watchlists.NotFound: (404, "not_found", lazy_gettext("Кинопоиск не знает фильма с таким id.")),
        NameRequired: NAME_REQUIRED,
        members.NameTaken: NAME_TAKEN,
        members.InvalidName: INVALID_NAME,
    },
)


def optional_body() -> WatchlistAddIn:
    payload = request.get_json(silent=True)
    return validate(WatchlistAddIn, payload) if isinstance(payload, dict) else WatchlistAddIn()


@bp.get("/me/watchlist")
@documented(
    "This device's member's watchlist, newest first",
    "getMyWatchlist",
    responses={200: ("The list (empty for a device without a member)", "Watchlist")},
    errors=(503,),
    security=VOTER,
)
def my_watchlist():
    member = current_member()
    items = [] if member is None else watchlists.of_member(db.session, member.id)
    return jsonify({"items": [wish_json(wish) for wish in items]})


@bp.put("/me/watchlist/<int:film_id>")
@documented(
    "Put a library film on this device's member's watchlist (again: unchanged)",
    "addToWatchlist",
    responses={
        200: ("The film on the list", "Wish"),
        409: NAME_TAKEN_ANSWER,
    },
    errors=(400, 404, 422, 429, 503),
    body=WatchlistAddIn,
    body_required=False,
    security=VOTER,
    description="A device without a member sends its name: the member is created in the same step; without one the answer is 422 name_required.",
)
@limiter.limit(WISH_LIMIT)
def add(film_id: int):
    name = optional_body().name
    added_at = watchlists.add(db.session, answering_member(name), film_id)
    db.session.commit()
    film = db.session.get(Film, film_id)
    assert film is not None
    return jsonify(wish_json(watchlists.Wish(film, added_at)))


@bp.delete("/me/watchlist/<int:film_id>")
@documented(
    "Take a film off this device's member's watchlist (not there: fine)",
    "removeFromWatchlist",
    responses={204: ("Removed", None)},
    errors=(404, 429, 503),
    security=VOTER,
)
@limiter.limit(WISH_LIMIT)
def remove(film_id: int):
    if current_member() is not None:
        watchlists.remove(db.session, answering_member(None), film_id)
        db.session.commit()
    return "", 204


@bp.post("/me/watchlist")
@documented(
    "Put a Kinopoisk film on this device's member's watchlist, adding it to the library first if needed",
    "addKinopoiskToWatchlist",
    responses={
        200: ("The film on the list", "Wish"),
        409: NAME_TAKEN_ANSWER,
    },
    errors=(400, 404, 422, 429, 503),
    body=WatchlistKinopoiskIn,
    security=VOTER,
    description="For search results: the film is found by its Kinopoisk id in the library, or in Kinopoisk (a search's cached answer first) and added.",
)
@limiter.limit(WISH_LIMIT)
def add_kinopoisk():
    data = parse_body(WatchlistKinopoiskIn)
    if current_member() is None and not data.name:
        raise NameRequired()
    try:
        film, _added = watchlists.film_for_kinopoisk(
            db.session, current_app.extensions.get("kinopoisk"), data.kinopoisk_id
        )
    except KinopoiskError as exc:
        db.session.rollback()
        raise ApiError(503, f"kinopoisk_{exc.code}", KINOPOISK_ERRORS[exc.code]()) from None
    db.session.flush()
    # The device's row is locked (answering_member) only after the Kinopoisk call.
    added_at = watchlists.add(db.session, answering_member(data.name), film.id)
    db.session.commit()
    return jsonify(wish_json(watchlists.Wish(film, added_at)))
