"""Downloading a backup: the admin's link (session) and the API (bearer token) stream the
gzipped document (services/backup) under a dated file name."""

from __future__ import annotations

from itertools import chain

from flask import Blueprint, Response

from ...extensions import db
from ...models import utcnow
from .. import auth
from ..openapi import ADMIN, documented

bp = Blueprint("backup", __name__)


def download() -> Response:
    from ...services.backup import export

    pieces = export.document(db.engine, db.metadata)
    # The header is read before answering, so a database that is down or not migrated gets
    # the usual error response instead of a 200 cut short.
    first = next(pieces)
    response = Response(export.gzipped(chain([first], pieces)), mimetype="application/gzip")
    name = f"movie_lottery-backup-{utcnow().date().isoformat()}.json.gz"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/backup")
@auth.admin_page
def admin_download():
    return download()


@bp.get("/api/backup")
@documented(
    "Download a backup of the site's data (admin): the gzipped movie_lottery-backup JSON document that `flask import` reads",
    "downloadBackup",
    responses={
        200: {
            "description": "The gzipped document, streamed; Content-Disposition names it "
            "movie_lottery-backup-<date>.json.gz",
            "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
            "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    errors=(401,),
    security=ADMIN,
)
@auth.admin_api
def api_download():
    return download()
