"""JSON API of a member's imports: upload (multipart), progress and preview, pick a row's film, confirm."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...clients.errors import KinopoiskError
from ...extensions import csrf, db, limiter
from ...services import imports, members
from ..api import parse_body
from ..errors import ApiError, answer_errors
from ..members.common import INVALID_NAME, NAME_REQUIRED, NAME_TAKEN, NameRequired, answering_member
from ..openapi import NAME_TAKEN_ANSWER, VOTER, documented
from ..polls.voter import current_member, set_cookie_if_new
from .common import LIMIT, import_json, pick, refusal
from .schemas import PickIn

bp = Blueprint("imports_api", __name__, url_prefix="/api/me/imports")
# The device cookie is SameSite=Lax: a cross-site form's POST arrives without it (no member).
csrf.exempt(bp)
bp.after_request(set_cookie_if_new)

UPLOAD_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "contentMediaType": "application/octet-stream",
                        "description": "Letterboxd's export .zip, or its watched/diary/ratings/watchlist.csv, or IMDb's ratings.csv",
                    },
                    "name": {"type": "string", "description": "a device without a member names itself"},
                },
            }
        }
    }
}

answer_errors(
    bp,
    {
        KinopoiskError: (503, "kinopoisk_unavailable", lazy_gettext("Кинопоиск не ответил: попробуйте позже.")),
        imports.ImportNotFound: (404, "not_found", lazy_gettext("У вас нет такой выгрузки.")),
        imports.NotReady: (
            409,
            "not_ready",
            lazy_gettext("Выгрузка не ждёт подтверждения: она ещё сопоставляется или уже подтверждена."),
        ),
        NameRequired: NAME_REQUIRED,
        members.NameTaken: NAME_TAKEN,
    },
)


def my_import(public_id: str):
    member = current_member()
    return imports.get(db.session, public_id, member.id if member else None)


@bp.post("")
@documented(
    "Upload a Letterboxd or IMDb export: its rows are read now and matched to films by the worker",
    "startImport",
    responses={
        202: ("Accepted: matching", "Import"),
        409: NAME_TAKEN_ANSWER,
    },
    errors=(400, 413, 422, 429, 503),
    body=UPLOAD_BODY,
    security=VOTER,
    description="A file that cannot be read (not a zip or CSV, wrong columns, a zip bomb, broken encodings or "
    "dates) is refused with 422 and its reason, and nothing is written.",
)
@limiter.limit(LIMIT)
def upload():
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "bad_request", _("Пришлите файл выгрузки в поле «file» (multipart/form-data)."))
    try:
        member_id = answering_member(request.form.get("name"))
        job = imports.start(db.session, member_id, upload.stream, upload.filename or "")
    except imports.ExportRefused as exc:
        db.session.rollback()
        raise ApiError(422, exc.code, refusal(exc)) from None
    except members.InvalidName:
        db.session.rollback()
        status, code, message, fields = INVALID_NAME
        raise ApiError(status, code, str(message), fields(None)) from None
    db.session.commit()
    return jsonify({"id": job.public_id, "status": job.status}), 202


@bp.get("/<public_id>")
@documented(
    "An import's progress and preview (this device's member's only)",
    "getImport",
    responses={200: ("The import", "Import")},
    errors=(404, 503),
    security=VOTER,
)
def get_import(public_id: str):
    return jsonify(import_json(my_import(public_id)))


@bp.put("/<public_id>/rows/<int:row>")
@documented(
    "Pick the film of an unmatched row by hand (a library film, or a Kinopoisk id)",
    "pickImportRow",
    responses={200: ("The import", "Import")},
    errors=(400, 404, 409, 422, 429, 503),
    body=PickIn,
    security=VOTER,
)
@limiter.limit(LIMIT)
def pick_row(public_id: str, row: int):
    data = parse_body(PickIn)
    job = my_import(public_id)
    pick(job, row, film_id=data.film_id, kinopoisk_id=data.kinopoisk_id)
    db.session.commit()
    return jsonify(import_json(job))


@bp.post("/<public_id>/confirm")
@documented(
    "Confirm the preview: the seen marks and scores are added",
    "confirmImport",
    responses={200: ("Done: what was added", "Import")},
    errors=(404, 409, 429, 503),
    security=VOTER,
)
@limiter.limit(LIMIT)
def confirm(public_id: str):
    job = my_import(public_id)
    preview = imports.confirm(db.session, job)
    db.session.commit()
    return jsonify(import_json(job, preview))
