"""The imports' pages: the upload form's target, the import page (progress, preview, the score
mapping, unmatched rows with a search to pick their film), picking and confirming (PRG)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...clients.errors import KinopoiskError
from ...extensions import db, limiter
from ...services import imports, members
from ...services.library import search
from ..members.common import NameRequired, answering_member
from ..members.pages import name_error
from ..polls.voter import current_member, set_cookie_if_new
from .common import LIMIT, import_json, pick, refusal

bp = Blueprint("imports", __name__)
bp.after_request(set_cookie_if_new)


def my_import(public_id: str):
    member = current_member()
    try:
        return imports.get(db.session, public_id, member.id if member else None)
    except imports.ImportNotFound:
        abort(404)


def done(public_id: str, message: str):
    """Commit, say what was done, back to the import page (Post/Redirect/Get)."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("imports.page", public_id=public_id), 303)


@bp.post("/imports")
@limiter.limit(LIMIT)
def upload():
    member = current_member()
    back = url_for("member_pages.member", member_id=member.id) if member else url_for("pages.home")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Выберите файл выгрузки."), "error")
        return redirect(back, 303)
    try:
        job = imports.start(db.session, answering_member(request.form.get("name")), upload.stream, upload.filename)
    except imports.ExportRefused as exc:
        db.session.rollback()
        flash(refusal(exc), "error")
        return redirect(back, 303)
    except members.InvalidName as exc:
        db.session.rollback()
        flash(name_error(exc), "error")
        return redirect(back, 303)
    except NameRequired:
        db.session.rollback()
        flash(_("Чтобы загрузить историю, назовитесь."), "error")
        return redirect(back, 303)
    db.session.commit()
    return redirect(url_for("imports.page", public_id=job.public_id), 303)


@bp.get("/imports/<public_id>", endpoint="page")
def import_page(public_id: str):
    job = my_import(public_id)
    return render_template(
        "imports/page.html", job=job, data=import_json(job), progress=imports.progress(db.session, job)
    )


@bp.post("/imports/<public_id>/rows/<int:row>/search")
@limiter.limit(LIMIT)
def search_row(public_id: str, row: int):
    """The site's Kinopoisk search (the day's cache first) for an unmatched row; the results to pick from."""
    job = my_import(public_id)
    query = (request.form.get("q") or "").strip()[: search.MAX_QUERY_LENGTH]
    results: list[dict] = []
    if query:
        try:
            results = search.search(db.session, current_app.extensions.get("kinopoisk"), query).results
            db.session.commit()
        except KinopoiskError:
            db.session.rollback()
            flash(_("Кинопоиск сейчас не отвечает. Попробуйте позже."), "error")
    return render_template("imports/pick.html", job=job, row=row, query=query, results=results)


@bp.errorhandler(imports.NotReady)
@bp.errorhandler(imports.ImportNotFound)
def _refused(exc: Exception):
    """A step the import is past (another tab confirmed it), or a pick of a row or film that is not there."""
    db.session.rollback()
    if isinstance(exc, imports.NotReady):
        flash(_("Этот импорт ещё не готов или уже подтверждён."), "error")
    else:
        flash(_("Не получилось выбрать этот фильм."), "error")
    return redirect(url_for("imports.page", public_id=(request.view_args or {}).get("public_id", "")), 303)


@bp.post("/imports/<public_id>/rows/<int:row>/pick")
@limiter.limit(LIMIT)
def pick_row(public_id: str, row: int):
    job = my_import(public_id)
    kinopoisk_id = request.form.get("kinopoisk_id", "")
    if not kinopoisk_id.isdigit():
        raise imports.ImportNotFound(kinopoisk_id)
    pick(job, row, kinopoisk_id=int(kinopoisk_id))
    return done(public_id, _("Фильм выбран."))


@bp.post("/imports/<public_id>/confirm")
@limiter.limit(LIMIT)
def confirm(public_id: str):
    preview = imports.confirm(db.session, my_import(public_id))
    return done(
        public_id, _("Добавлено: %(seen)d просмотренных, %(scores)d оценок.", seen=preview.seen, scores=preview.scores)
    )
