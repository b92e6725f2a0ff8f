"""What the imports' API and pages share: the import as JSON, the refusal messages, a hand pick."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from ...extensions import db
from ...models import Film, ImportJob, iso_utc
from ...services import imports
from ...services.library import search

LIMIT = "10/minute;60/hour"


def refusal(exc: imports.ExportRefused) -> str:
    return _("Этот файл не подходит: %(detail)s", detail=exc.detail or exc.code)


def import_json(job: ImportJob, preview: imports.Preview | None = None) -> dict[str, Any]:
    preview = preview or imports.plan(db.session, job)
    return {
        "id": job.public_id,
        "status": job.status,
        "filename": job.filename,
        "rows": job.rows,
        "matched": preview.matched,
        "unmatched": preview.unmatched,
        "will_add": {"seen": preview.seen, "scores": preview.scores, "watchlist": preview.watchlist},
        "resume_at": iso_utc(job.resume_at),
        "created_at": iso_utc(job.created_at),
    }


def pick(job: ImportJob, row: int, *, film_id: int | None = None, kinopoisk_id: int | None = None) -> int:
    """Match a row by hand to a library film or a Kinopoisk film (the day's searches first)."""
    if film_id is not None:
        if db.session.get(Film, film_id) is None:
            raise imports.ImportNotFound(film_id)
        return imports.pick_film(db.session, job, row, film_id=film_id)
    found = search.cached_film(db.session, kinopoisk_id) if kinopoisk_id is not None else None
    if found is None and kinopoisk_id is not None:
        client = current_app.extensions.get("kinopoisk")
        result = search.search(db.session, client, str(kinopoisk_id)) if client is not None else None
        found = result.results[0] if result is not None and result.results else None
    if found is None:
        raise imports.ImportNotFound(kinopoisk_id)
    return imports.pick_film(db.session, job, row, film=found)
