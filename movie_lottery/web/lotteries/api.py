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
from .schemas import LotteryIn


answer_errors(bp, {
    lottery.LotteryNotFound: (404, "not_found", lazy_gettext("Лотереи с таким id нет.")),
}, rollback=False)


answer_errors(bp, {
    badges.FilmRefused: (422, "film_banned", lambda exc: exc.refusal.message, lambda exc: {"entries": exc.refusal.message}),
})


@bp.post("/lotteries")
@limiter.limit("30/minute")
def create_lottery():
    data = parse_body(LotteryIn)
    created = lottery.create_lottery(db.session, data.title, [e.to_entry_data() for e in data.entries], data.mode)
    db.session.commit()
    return jsonify(lottery_json(created)), 201


@bp.get("/lotteries")
def list_lotteries():
    limit = int_arg("limit", 20, 1, 100)
    page = lottery.history(db.session, request.args.get("cursor") or None, limit)
    return paged(page, lottery_json)


@bp.get("/lotteries/<public_id>")
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
@admin_api
def delete_lottery(public_id: str):
    lottery.delete_lottery(db.session, public_id)
    db.session.commit()
    return "", 204


@bp.post("/lotteries/<public_id>/draw")
@limiter.limit("300/minute")
def draw_lottery(public_id: str):
    result = lottery.draw(db.session, public_id)
    return jsonify(draw_json(result.lottery))
