"""The library's JSON API: browse, add and delete films, set their badges, search Kinopoisk."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from ...clients.errors import KinopoiskError
from ...extensions import db, limiter
from ...models import Film
from ...services import library
from ...services.library import badges, search
from ..api import bp, int_arg, paged, parse_body
from ..auth import admin_api
from ..errors import ApiError
from ..openapi import ADMIN, documented
from .schemas import BadgesIn, FilmIn


@bp.get("/library")
@documented(
    "Browse the film library",
    "listLibrary",
    responses={200: ("A page", "ListLibraryAnswer")},
    errors=(400, 503),
    parameters=(
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
        {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 1888, "maximum": 2100}},
        {"name": "genre", "in": "query", "schema": {"type": "string"}},
        {
            "name": "badge",
            "in": "query",
            "schema": {"type": "string", "enum": ["watched", "favourite", "watchlist", "banned"]},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": ["added", "title", "year", "rating", "group"], "default": "added"},
            "description": "group: the group's average score, unrated films last",
        },
        "cursor",
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
    ),
)
def list_library():
    sort = request.args.get("sort", "added")
    if sort not in library.SORTS:
        raise ApiError(
            400,
            "bad_request",
            _("Параметр «%(name)s» должен быть одним из: %(values)s.", name="sort", values=", ".join(library.SORTS)),
        )
    query = request.args.get("q", "").strip()
    if len(query) > 200:
        raise ApiError(400, "bad_request", _("Слишком длинный запрос (не больше 200 символов)."))
    badge = request.args.get("badge")
    if badge is not None and badge not in library.BADGES:
        raise ApiError(
            400,
            "bad_request",
            _("Параметр «%(name)s» должен быть одним из: %(values)s.", name="badge", values=", ".join(library.BADGES)),
        )
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
@documented(
    "Add a film (admin)",
    "addFilm",
    responses={201: ("Added", "FilmResult"), 200: ("Already in the library", "FilmResult")},
    errors=(400, 401, 403, 422, 503),
    body=FilmIn,
    security=ADMIN,
)
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
@documented(
    "Remove a film (admin)",
    "deleteFilm",
    responses={204: ("Removed", None)},
    errors=(401, 403, 404, 503),
    security=ADMIN,
)
@admin_api
def delete_film(film_id: int):
    library.delete_film(db.session, film_or_404(film_id))
    db.session.commit()
    return "", 204


@bp.patch("/library/<int:film_id>/badges")
@documented(
    "Set a film's badges (admin)",
    "setBadges",
    responses={200: ("The film with its badges", "Film")},
    errors=(400, 401, 403, 404, 422, 503),
    body=BadgesIn,
    security=ADMIN,
)
@admin_api
def set_badges(film_id: int):
    film = film_or_404(film_id)
    badges.set_badges(film, **parse_body(BadgesIn).changes())
    db.session.commit()
    return jsonify(film.to_dict())


KINOPOISK_ERRORS = {
    "unauthorized": lambda: _("Кинопоиск отклонил ключ API: проверьте KINOPOISK_API_KEY."),
    "quota": lambda: _("Дневной лимит запросов к Кинопоиску исчерпан: попробуйте завтра или добавьте фильм вручную."),
    "rate_limited": lambda: _("Слишком много поисков подряд, попробуйте через минуту."),
    "unavailable": lambda: _("Кинопоиск не отвечает: попробуйте ещё раз или добавьте фильм вручную."),
    "bad_response": lambda: _("Кинопоиск ответил что-то непонятное: попробуйте ещё раз или добавьте фильм вручную."),
}


@bp.get("/search")
@documented(
    "Search films on Kinopoisk (cached for a day; a Kinopoisk link or id finds that film)",
    "searchFilms",
    responses={200: ("Results", "SearchFilmsAnswer")},
    errors=(400, 429, 503),
    parameters=(
        {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 200}},
    ),
)
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
