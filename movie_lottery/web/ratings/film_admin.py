"""The admin's actions on a film page: fetch the trailer and similar films from Kinopoisk, and
add a similar film to the library in one click."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from ...clients.errors import KinopoiskError
from ...extensions import db
from ...models import Film
from ...services.library import film_details
from ..auth import admin_page

bp = Blueprint("film_admin", __name__, url_prefix="/admin")


def kinopoisk_client():
    return current_app.extensions.get("kinopoisk")


@bp.post("/films/<int:film_id>/kinopoisk")
@admin_page
def refresh(film_id: int):
    film = db.session.get(Film, film_id) or abort(404)
    try:
        found = film_details.refresh(kinopoisk_client(), film)
    except KinopoiskError as exc:
        db.session.rollback()
        flash(_("Кинопоиск не ответил: %(error)s", error=str(exc)), "error")
    else:
        db.session.commit()
        flash(
            _("Трейлер и похожие фильмы обновлены.") if found else _("Кинопоиск ничего не знает об этом фильме."),
            "success" if found else "info",
        )
    return redirect(url_for("films.film", film_id=film_id), 303)


@bp.post("/films/<int:film_id>/similar")
@admin_page
def add_similar(film_id: int):
    film = db.session.get(Film, film_id) or abort(404)
    raw = request.form.get("kinopoisk_id", "")
    try:
        added, created = film_details.add_similar(
            db.session, kinopoisk_client(), film, int(raw) if raw.isdigit() else -1
        )
    except film_details.NotSimilar:
        abort(400, _("Этого фильма нет среди похожих."))
    except KinopoiskError as exc:
        db.session.rollback()
        flash(_("Кинопоиск не ответил: %(error)s", error=str(exc)), "error")
        return redirect(url_for("films.film", film_id=film_id), 303)
    db.session.commit()
    flash(
        _("«%(title)s» добавлен в библиотеку.", title=added.title)
        if created
        else _("Этот фильм уже есть в библиотеке."),
        "success" if created else "info",
    )
    return redirect(url_for("films.film", film_id=added.id), 303)
