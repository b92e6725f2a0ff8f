"""The JSON API's shared machinery: the /api blueprint the domains' API modules add their routes
to (lotteries/, library/, torrents/; the newer domains have their own), parsing and validating
bodies and query parameters, pages of results, live JSON with ETags. Spec: /api/openapi.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import BaseModel, ValidationError

from ..extensions import csrf, db
from ..services import library
from .errors import ApiError, answer_errors, invalid_fields
from .messages import field_problems
from .openapi import documented

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


@overload
def int_arg(name: str, default: int, low: int, high: int) -> int: ...
@overload
def int_arg(name: str, default: None, low: int, high: int) -> int | None: ...
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
        raise ApiError(
            400,
            "bad_request",
            _("Параметр «%(name)s» должен быть от %(low)d до %(high)d.", name=name, low=low, high=high),
        )
    return value


def paged(page: library.Page, render) -> Response:
    return jsonify({"items": [render(item) for item in page.items], "next_cursor": page.next_cursor})


def live_json(etag: str, body: Callable[[], dict]) -> Response:
    """304 when the client's copy carries ``etag``; otherwise ``body()`` as JSON. Private, revalidated."""
    if request.if_none_match.contains_weak(etag):
        db.session.rollback()
        response = Response(status=304)
    else:
        response = jsonify(body())
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


INVALID_CURSOR = (400, "bad_request", lazy_gettext("Неверная ссылка на страницу."))
answer_errors(
    bp,
    {
        library.InvalidCursor: INVALID_CURSOR,
    },
    rollback=False,
)


@bp.get("/openapi.json")
@documented("This document", "openapi", responses={200: ("OpenAPI 3.1 document", None)})
def openapi():
    from .openapi.build import document  # built on the first request, not at start-up

    return jsonify(document(current_app))
