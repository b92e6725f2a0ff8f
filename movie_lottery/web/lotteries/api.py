"""The lotteries' JSON API: create, list, read (with an ETag for the viewers that poll it),
delete and draw."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import lazy_gettext

from ...extensions import db, limiter
from ...services.library import badges
from ...services.lotteries import lottery
from ..api import bp, int_arg, paged, parse_body
from ..auth import admin_api
from ..errors import answer_errors
from ..presenters import draw_json, lottery_json
from ..openapi import ADMIN, documented
from .schemas import LotteryIn


answer_errors(
    bp,
    {
        lottery.LotteryNotFound: (404, "not_found", lazy_gettext("Лотереи с таким id нет.")),
    },
    rollback=False,
)


answer_errors(
    bp,
    {
        badges.FilmRefused: (
            422,
            "film_banned",
            lambda exc: exc.refusal.message,
            lambda exc: {"entries": exc.refusal.message},
        ),
    },
)


@bp.post("/lotteries")
@documented(
    "Create a lottery",
    "createLottery",
    responses={201: ("Created", "Lottery")},
    errors=(400, 413, 422, 429, 503),
    body=LotteryIn,
)
@limiter.limit("30/minute")
def create_lottery():
    data = parse_body(LotteryIn)
    created = lottery.create_lottery(db.session, data.title, [e.to_entry_data() for e in data.entries], data.mode)
    db.session.commit()
    return jsonify(lottery_json(created)), 201


@bp.get("/lotteries")
@documented(
    "List lotteries, newest first",
    "listLotteries",
    responses={200: ("A page", "ListLotteriesAnswer")},
    errors=(400, 503),
    parameters=("cursor", "limit"),
)
def list_lotteries():
    limit = int_arg("limit", 20, 1, 100)
    page = lottery.history(db.session, request.args.get("cursor") or None, limit)
    return paged(page, lottery_json)


@bp.get("/lotteries/<public_id>")
@documented(
    "Get a lottery",
    "getLottery",
    responses={
        200: {
            "description": "The lottery",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lottery"}}},
            "headers": {"ETag": {"description": "Changes when the lottery is drawn", "schema": {"type": "string"}}},
        },
        304: {
            "description": "Unchanged since the ETag sent in If-None-Match",
            "headers": {"ETag": {"schema": {"type": "string"}}},
        },
    },
    errors=(404, 503),
    parameters=(
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "ETag of a previous answer",
        },
    ),
    description="Send the ETag of a previous answer as If-None-Match: while the lottery is unchanged the answer is 304 with no body (what the lottery page's polling does).",
)
def get_lottery(public_id: str):
    """Viewers of a lottery page poll this: an unchanged lottery is a bodiless 304."""
    etag = lottery.state_tag(db.session, public_id)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = jsonify(lottery_json(lottery.get_lottery(db.session, public_id)))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # always revalidate, never serve stale
    return response


@bp.delete("/lotteries/<public_id>")
@documented(
    "Delete a lottery and its entries (admin)",
    "deleteLottery",
    responses={204: ("Deleted", None)},
    errors=(401, 403, 404, 503),
    security=ADMIN,
)
@admin_api
def delete_lottery(public_id: str):
    lottery.delete_lottery(db.session, public_id)
    db.session.commit()
    return "", 204


@bp.post("/lotteries/<public_id>/draw")
@documented(
    "Draw the winner (exactly once; later calls return the same body)",
    "drawLottery",
    responses={200: ("The draw", "Draw")},
    errors=(404, 429, 503),
)
@limiter.limit("300/minute")
def draw_lottery(public_id: str):
    result = lottery.draw(db.session, public_id)
    return jsonify(draw_json(result.lottery))
