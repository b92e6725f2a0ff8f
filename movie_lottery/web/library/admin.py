"""Admin pages of the library: adding, editing and deleting a film. Every form carries a CSRF token."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Film
from ...services import library
from .. import auth
from ..admin import bp
from ..messages import film_form_errors
from ..torrents.admin import magnet_draft
from .schemas import FilmIn


FILM_FIELDS = ("title", "original_title", "year", "poster_url", "kinopoisk_id", "rating", "description")


def film_form_data(form) -> dict:
    data = {name: form.get(name, "").strip() for name in FILM_FIELDS}
    data = {k: v for k, v in data.items() if v}
    data["genres"] = [g.strip() for g in form.get("genres", "").split(",") if g.strip()]
    return data


def render_film_form(film: Film | None, values: dict, errors: dict[str, str], status: int = 200):
    return render_template("admin/film_form.html", film=film, values=values, errors=errors), status


@bp.route("/films/new", methods=["GET", "POST"])
@auth.admin_page
def new_film():
    if request.method == "GET":
        return render_film_form(None, {}, {})
    values = film_form_data(request.form)
    try:
        data = FilmIn.model_validate(values)
    except ValidationError as exc:
        return render_film_form(None, values, film_form_errors(exc), 422)
    film, created = library.add_film(db.session, data.to_film_data())
    db.session.commit()
    flash(_("Фильм добавлен.") if created else _("Этот фильм уже есть в библиотеке."), "success" if created else "info")
    return redirect(url_for("pages.library_page", q=film.title))


def film_values(film: Film) -> dict:
    values = {name: getattr(film, name) for name in FILM_FIELDS}
    values["genres"] = film.genres or []
    return values


@bp.route("/films/<int:film_id>/edit", methods=["GET", "POST"])
@auth.admin_page
def edit_film(film_id: int):
    film = db.session.get(Film, film_id) or abort(404)
    if request.method == "GET":
        return render_film_form(film, {**film_values(film), "magnet": magnet_draft(film.id)}, {})
    values = film_form_data(request.form)
    try:
        data = FilmIn.model_validate(values).to_film_data()
    except ValidationError as exc:
        return render_film_form(film, values, film_form_errors(exc), 422)
    for name in FILM_FIELDS:
        setattr(film, name, getattr(data, name))
    film.genres = list(data.genres)
    film.refresh_search_text()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        errors = {"kinopoisk_id": _("Другой фильм библиотеки уже связан с этим id Кинопоиска.")}
        return render_film_form(film, values, errors, 409)
    flash(_("Сохранено."), "success")
    return redirect(url_for("pages.library_page", q=film.title))


@bp.route("/films/<int:film_id>/delete", methods=["GET", "POST"])
@auth.admin_page
def delete_film(film_id: int):
    """GET asks for confirmation; the POST of that page deletes."""
    film = db.session.get(Film, film_id) or abort(404)
    if request.method == "GET":
        return render_template(
            "admin/confirm.html",
            heading=_("Удалить фильм «%(title)s»?", title=film.title),
            details=_("Фильм пропадёт из библиотеки. Лотереи, где он участвовал, останутся как были."),
            action=url_for("admin.delete_film", film_id=film.id),
            confirm_label=_("Да, удалить"),
            cancel_url=url_for("admin.edit_film", film_id=film.id),
        )
    library.delete_film(db.session, film)
    db.session.commit()
    flash(_("Фильм удалён из библиотеки."), "info")
    return redirect(url_for("pages.library_page"))
