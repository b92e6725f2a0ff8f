"""One error format for the JSON API, friendly pages for people, 503 when the database is not usable."""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Blueprint, Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..extensions import db

log = logging.getLogger(__name__)

NOT_MIGRATED = "database not migrated: run flask db upgrade"


class ApiError(Exception):
    """An error the API reports as {"error": {"code", "message", "fields"?}}."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def invalid_fields(fields: dict[str, str]) -> ApiError:
    """The API's 422 for input refused field by field (texts in the request's language)."""
    return ApiError(422, "validation_failed", _("Некоторые поля заполнены неверно."), fields)


def is_missing_table(exc: SQLAlchemyError) -> bool:
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate == "42P01" or "no such table" in str(orig)


def respond(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    """The API's error JSON, or the error page in the visitor's language (always a Response)."""
    if wants_json():
        return make_response(jsonify(error_body(code, message, fields)), status)
    return make_response(render_template("error.html", status=status, message=message), status)


Refusal = tuple  # (status, code, message[, fields]); message and fields may be functions of the exception


def answer_errors(bp: Blueprint, refusals: dict[type[Exception], Refusal], *, rollback: bool = True) -> None:
    """Answer each service exception raised in bp's views with respond(status, code, message, fields),
    rolling the session back first (unless rollback=False, for lookups that wrote nothing)."""
    for exc_class, refusal in refusals.items():
        bp.register_error_handler(exc_class, refusal_handler(*refusal, rollback=rollback))


def refusal_handler(
    status: int, code: str, message: Any, fields: Any = None, *, rollback: bool
) -> Callable[[Exception], Response]:
    def handler(exc: Exception) -> Response:
        if rollback:
            db.session.rollback()
        text = message(exc) if callable(message) else str(message)
        return respond(status, code, text, fields(exc) if callable(fields) else fields)

    return handler


MIB = 1024 * 1024

# What people read for an HTTP error, instead of Werkzeug's stock English text.
HTTP_MESSAGES = {
    400: lambda: _("Неверный запрос."),
    403: lambda: _("Доступ запрещён."),
    404: lambda: _("Такой страницы нет."),
    405: lambda: _("Эту страницу нельзя открыть по ссылке: вернитесь на главную и попробуйте ещё раз."),
    413: lambda: _(
        "Слишком большой запрос: можно не больше %(mib)d МиБ.", mib=current_app.config["MAX_CONTENT_LENGTH"] // MIB
    ),
    429: lambda: _("Слишком много запросов, попробуйте через минуту."),
    500: lambda: _("Что-то пошло не так на сервере, попробуйте ещё раз позже."),
}
# Errors whose description is never for people (e.g. Flask-Limiter's "30 per 1 minute").
ALWAYS_OURS = {404, 405, 413, 429}
HTTP_CODES: dict[int | None, str] = {429: "rate_limited"}


def http_message(exc: HTTPException) -> str:
    """Our own sentence for stock texts; a description given to abort() is kept."""
    status = exc.code or 500
    if exc.description != type(exc).description and status not in ALWAYS_OURS:
        return exc.description or ""
    fallback = 500 if status >= 500 else 400
    return HTTP_MESSAGES.get(status, HTTP_MESSAGES[fallback])()


STALE_FORM = lazy_gettext(
    "Форма устарела (например, вы вошли или вышли в другой вкладке). Вернитесь назад, обновите страницу и отправьте её ещё раз."
)


def stale_form(_exc: CSRFError | None = None) -> Response:
    return respond(400, "csrf_failed", str(STALE_FORM))


def http_error(exc: HTTPException) -> Response:
    code = HTTP_CODES.get(exc.code, (exc.name or "error").lower().replace(" ", "_"))
    response = respond(exc.code or 500, code, http_message(exc))
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(item) for item in value)
    return False


def refuse_nul_characters() -> Response | None:
    """Postgres cannot store U+0000 in text: refuse it in the request, before it reaches the
    database and reads as an outage (503). No id contains it: in the path it is a 404."""
    if "\x00" in request.path:
        return http_error(NotFound())
    fields = [*request.args.lists(), *request.form.lists()]
    if has_nul(fields) or (request.is_json and has_nul(request.get_json(silent=True))):
        return respond(
            400, "bad_request", _("В запросе есть нулевой символ (U+0000): уберите его и отправьте ещё раз.")
        )
    return None


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return respond(exc.status, exc.code, exc.message, exc.fields)

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(CSRFError, stale_form)

    @app.errorhandler(IntegrityError)
    def conflict(exc: IntegrityError):
        db.session.rollback()
        return respond(409, "conflict", _("Такая запись уже есть."))

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError):
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass  # the connection is already gone; the pool will replace it
        if is_missing_table(exc):
            log.error("%s (%s)", NOT_MIGRATED, exc.__class__.__name__)
            return respond(503, "database_not_migrated", NOT_MIGRATED)
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return respond(503, "database_unavailable", _("База данных недоступна, попробуйте через минуту."))
