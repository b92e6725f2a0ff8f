"""JSON API of ratings: score a film, a film with its ratings, a member, the group's stats."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...extensions import csrf, db, limiter
from ...services import members, ratings
from ...services.library import stats
from ...services.ratings import pages, taste
from ..api import parse_body
from ..errors import ApiError, answer_errors
from ..members.common import NAME_TAKEN, NameRequired, answering_member
from ..messages import problem
from ..openapi import NAME_TAKEN_ANSWER, VOTER, documented
from ..polls.voter import current_member, set_cookie_if_new
from .common import RATE_LIMIT
from .schemas import ScoreIn, SeenIn
from .views import film_json, member_json, taste_json

bp = Blueprint("ratings_api", __name__, url_prefix="/api")
# JSON only (a cross-site form cannot send it) and the device cookie is SameSite=Lax.
csrf.exempt(bp)
bp.after_request(set_cookie_if_new)


answer_errors(
    bp,
    {
        ratings.FilmNotFound: (404, "not_found", lazy_gettext("Такого фильма нет.")),
        NameRequired: (
            422,
            "name_required",
            lazy_gettext('Назовитесь: пришлите имя ("name") вместе с оценкой.'),
            lambda _exc: {"name": problem({"type": "missing", "loc": ("name",)})},
        ),
        members.NameTaken: NAME_TAKEN,
    },
)


@bp.put("/films/<int:film_id>/rating")
@documented(
    "Rate a film 1–10 as this device's member (a second score replaces the first)",
    "rateFilm",
    responses={
        200: ("The film's ratings now", "RatingSummary"),
        409: NAME_TAKEN_ANSWER,
    },
    errors=(400, 404, 413, 422, 429, 503),
    body=ScoreIn,
    security=VOTER,
    description="A device without a member sends its name: the member is created in the same step; without one the answer is 422 name_required.",
)
@limiter.limit(RATE_LIMIT)
def rate(film_id: int):
    data = parse_body(ScoreIn)
    result = ratings.rate(db.session, film_id, answering_member(data.name), data.score)
    db.session.commit()
    return jsonify(result.to_dict())


@bp.delete("/films/<int:film_id>/rating")
@documented(
    "Remove this device's member's score of a film",
    "unrateFilm",
    responses={200: ("The film's ratings now", "RatingSummary")},
    errors=(404, 429, 503),
    security=VOTER,
)
@limiter.limit(RATE_LIMIT)
def unrate(film_id: int):
    member = current_member()
    if member is None:
        return jsonify(ratings.summary(db.session, film_id, None).to_dict())
    result = ratings.unrate(db.session, film_id, answering_member(None))
    db.session.commit()
    return jsonify(result.to_dict())


@bp.put("/me/seen/<int:film_id>")
@documented(
    "Mark a film as seen by this device's member (idempotent)",
    "markSeen",
    responses={
        200: ("Marked; who has seen the film now", "SeenMark"),
        409: NAME_TAKEN_ANSWER,
    },
    errors=(400, 404, 413, 422, 429, 503),
    body=SeenIn,
    body_required=False,
    security=VOTER,
    description='A device without a member sends its name (JSON {"name": …}); without one the answer is 422 name_required.',
)
@limiter.limit(RATE_LIMIT)
def mark_seen(film_id: int):
    data = parse_body(SeenIn) if request.get_data() else SeenIn()
    ratings.seen.mark(db.session, film_id, answering_member(data.name))
    db.session.commit()
    return jsonify({"film_id": film_id, "seen": True, "seen_by": ratings.seen.seen_by(db.session, [film_id])[film_id]})


@bp.delete("/me/seen/<int:film_id>")
@documented(
    "Take back this device's member's seen mark of a film (scores and nights gone to still count)",
    "unmarkSeen",
    responses={204: ("Taken back (or there was none)", None)},
    errors=(404, 429, 503),
    security=VOTER,
)
@limiter.limit(RATE_LIMIT)
def unmark_seen(film_id: int):
    if current_member() is not None:
        ratings.seen.unmark(db.session, film_id, answering_member(None))
        db.session.commit()
    return "", 204


@bp.get("/films/<int:film_id>")
@documented(
    "A library film with everyone's ratings, its lotteries, polls, nights, trailer and similar films",
    "getFilm",
    responses={200: ("The film", "FilmDetails")},
    errors=(404, 503),
)
def get_film(film_id: int):
    return jsonify(film_json(pages.film_page(db.session, film_id)))


@bp.get("/members/<int:member_id>")
@documented(
    "A member's ratings, attended nights, suggested films and taste twin",
    "getMember",
    responses={200: ("The member", "MemberDetails")},
    errors=(404, 503),
)
def get_member(member_id: int):
    page = pages.member_page(db.session, member_id)
    if page is None:
        raise ApiError(404, "not_found", _("Такого участника нет."))
    return jsonify(member_json(page))


@bp.get("/stats")
@documented(
    "The /stats page's figures: draws and the group's taste",
    "getStats",
    responses={200: ("The figures", "Stats")},
    errors=(503,),
)
def get_stats():
    collected = stats.collect(db.session)
    return jsonify(
        {
            "draws_last_year": collected.draws_last_year,
            "winners_by_genre": [{"genre": bar.label, "wins": bar.value} for bar in collected.winners_by_genre],
            "winners_by_decade": [{"decade": bar.label, "wins": bar.value} for bar in collected.winners_by_decade],
            "draws_per_month": [{"month": month.isoformat()[:7], "draws": n} for month, n in collected.draws_per_month],
            "never_won": [{"title": f.title, "year": f.year, "entries": f.entries} for f in collected.never_won],
            "waiting": [{"id": f.id, "title": f.title, "year": f.year} for f in collected.waiting],
            **taste_json(taste.collect(db.session)),
        }
    )
