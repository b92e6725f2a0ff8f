"""JSON API: thin handlers that parse, call a service and serialise. Spec: /api/openapi.json."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import BaseModel, ValidationError

from ..extensions import csrf, db, limiter
from ..models import Film
from ..clients.errors import KinopoiskError
from ..services import badges, downloads, library, lottery, magnets, search
from . import torrents
from .auth import admin_api
from .errors import ApiError, answer_errors, invalid_fields, respond
from .messages import field_problems
from .presenters import draw_json, lottery_json, torrent_label
from .schemas import BadgesIn, FilmIn, LotteryIn

bp = Blueprint("api", __name__, url_prefix="/api")
# API clients authenticate with a bearer token or are anonymous; admin writes made
# with the session cookie are CSRF-checked in admin_api() instead.
csrf.exempt(bp)


def parse_body(model: type[BaseModel]) -> Any:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_request", _("Тело запроса должно быть JSON-объектом."))
    return validate(model, payload)


def validate(model: type[BaseModel], payload: dict) -> Any:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise invalid_fields(field_problems(exc)) from None


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    values = request.args.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise ApiError(400, "bad_request", _("Параметр «%(name)s» указан больше одного раза.", name=name))
    try:
        value = int(values[0])
    except ValueError:
        raise ApiError(400, "bad_request", _("Параметр «%(name)s» должен быть целым числом.", name=name)) from None
    if not low <= value <= high:
        raise ApiError(400, "bad_request", _("Параметр «%(name)s» должен быть от %(low)d до %(high)d.", name=name, low=low, high=high))
    return value


def paged(page: library.Page, render) -> Response:
    return jsonify({"items": [render(item) for item in page.items], "next_cursor": page.next_cursor})


INVALID_CURSOR = (400, "bad_request", lazy_gettext("Неверная ссылка на страницу."))
answer_errors(bp, {
    library.InvalidCursor: INVALID_CURSOR,
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


@bp.get("/library")
def list_library():
    sort = request.args.get("sort", "added")
    if sort not in library.SORTS:
        raise ApiError(400, "bad_request", _("Параметр «%(name)s» должен быть одним из: %(values)s.", name="sort", values=", ".join(library.SORTS)))
    query = request.args.get("q", "").strip()
    if len(query) > 200:
        raise ApiError(400, "bad_request", _("Слишком длинный запрос (не больше 200 символов)."))
    badge = request.args.get("badge")
    if badge is not None and badge not in library.BADGES:
        raise ApiError(400, "bad_request", _("Параметр «%(name)s» должен быть одним из: %(values)s.", name="badge", values=", ".join(library.BADGES)))
    page = library.browse(
        db.session,
        query=query or None,
        year=int_arg("year", None, 1888, 2100),
        genre=request.args.get("genre", "").strip().lower() or None,
        badge=badge,
        sort=sort,
        cursor=request.args.get("cursor") or None,
        limit=int_arg("limit", library.PAGE_SIZE, 1, library.MAX_PAGE_SIZE),
    )
    return paged(page, Film.to_dict)


@bp.post("/library")
@admin_api
def add_film():
    data = parse_body(FilmIn)
    film, created = library.add_film(db.session, data.to_film_data())
    db.session.commit()
    return jsonify({"film": film.to_dict(), "created": created}), 201 if created else 200


def film_or_404(film_id: int) -> Film:
    film = db.session.get(Film, film_id)
    if film is None:
        raise ApiError(404, "not_found", _("Фильма с таким id в библиотеке нет."))
    return film


@bp.delete("/library/<int:film_id>")
@admin_api
def delete_film(film_id: int):
    library.delete_film(db.session, film_or_404(film_id))
    db.session.commit()
    return "", 204


@bp.patch("/library/<int:film_id>/badges")
@admin_api
def set_badges(film_id: int):
    film = film_or_404(film_id)
    badges.set_badges(film, **parse_body(BadgesIn).changes())
    db.session.commit()
    return jsonify(film.to_dict())


def download_error(exc):
    db.session.rollback()
    error = torrents.as_api_error(exc)
    return respond(error.status, error.code, error.message, error.fields)


for _error_class in torrents.DOWNLOAD_ERRORS:
    bp.register_error_handler(_error_class, download_error)


def attach(film: Film, magnet, raw: bytes | None = None) -> Response:
    downloads.attach(db.session, film, magnet, raw)
    db.session.commit()
    return jsonify({"info_hash": magnet.info_hash, "magnet": magnet.uri})


@bp.put("/library/<int:film_id>/magnet")
@admin_api
def set_magnet(film_id: int):
    film = film_or_404(film_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("magnet"), str):
        raise ApiError(400, "bad_request", _("Тело запроса должно быть таким: {\"magnet\": \"magnet:?xt=urn:btih:…\"}."))
    return attach(film, magnets.parse_magnet(body["magnet"]))


@bp.put("/library/<int:film_id>/torrent")
@admin_api
def upload_torrent(film_id: int):
    film = film_or_404(film_id)
    upload = request.files.get("torrent")
    if upload is None:
        raise ApiError(400, "bad_request", _("Пришлите .torrent в поле формы «torrent» (multipart)."))
    magnet, raw = magnets.parse_torrent_file(upload.read(magnets.MAX_TORRENT_BYTES + 1))
    return attach(film, magnet, raw)


@bp.delete("/library/<int:film_id>/magnet")
@admin_api
def clear_magnet(film_id: int):
    downloads.detach(film_or_404(film_id))
    db.session.commit()
    return "", 204


@bp.post("/library/<int:film_id>/download")
@admin_api
def send_download(film_id: int):
    film = film_or_404(film_id)
    state = downloads.send(torrents.qbittorrent(), film)
    db.session.commit()
    return jsonify({"info_hash": film.info_hash, "state": state}), 202


@bp.delete("/library/<int:film_id>/download")
@admin_api
def remove_download(film_id: int):
    film = film_or_404(film_id)
    removed = downloads.remove(torrents.qbittorrent(), film)
    db.session.commit()
    return jsonify({"info_hash": film.info_hash, "removed": removed})


@bp.get("/torrents")
@admin_api
def torrent_statuses():
    report = downloads.refresh(db.session, current_app.extensions.get("qbittorrent"))
    db.session.commit()
    torrents = {
        info_hash: {**status, "label": torrent_label(status["state"], status["progress"], status["on_client"])}
        for info_hash, status in report.torrents.items()
    }
    return jsonify({"qbittorrent": report.qbittorrent, "torrents": torrents})


KINOPOISK_ERRORS = {
    "unauthorized": lambda: _("Кинопоиск отклонил ключ API: проверьте KINOPOISK_API_KEY."),
    "quota": lambda: _("Дневной лимит запросов к Кинопоиску исчерпан: попробуйте завтра или добавьте фильм вручную."),
    "rate_limited": lambda: _("Слишком много поисков подряд, попробуйте через минуту."),
    "unavailable": lambda: _("Кинопоиск не отвечает: попробуйте ещё раз или добавьте фильм вручную."),
    "bad_response": lambda: _("Кинопоиск ответил что-то непонятное: попробуйте ещё раз или добавьте фильм вручную."),
}


@bp.get("/search")
@limiter.limit("30/minute;300/hour")
def search_films():
    query = request.args.get("q", "").strip()
    if not query:
        raise ApiError(400, "bad_request", _("Введите название фильма или ссылку на Кинопоиск."))
    if len(query) > search.MAX_QUERY_LENGTH:
        raise ApiError(400, "bad_request", _("Слишком длинный запрос (не больше 200 символов)."))
    try:
        result = search.search(db.session, current_app.extensions.get("kinopoisk"), query)
    except KinopoiskError as exc:
        raise ApiError(503, f"kinopoisk_{exc.code}", KINOPOISK_ERRORS[exc.code]()) from None
    db.session.commit()
    return jsonify({"source": result.source, "results": badges.mark_banned(db.session, result.results)})


@bp.get("/openapi.json")
def openapi():
    spec = json.loads(resources.files("movie_lottery").joinpath("openapi.json").read_text(encoding="utf-8"))
    return jsonify(spec)
