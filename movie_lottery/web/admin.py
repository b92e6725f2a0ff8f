"""Admin pages: password login and library editing. Every form carries a CSRF token."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import db, limiter
from ..models import Film
from ..services import downloads, library, magnets
from . import auth, errors, torrents
from .errors import ApiError
from .messages import film_form_errors, magnet_message
from .schemas import FilmIn

bp = Blueprint("admin", __name__, url_prefix="/admin")

FILM_FIELDS = ("title", "original_title", "year", "poster_url", "kinopoisk_id", "rating", "description")


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a fresh admin to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.library_page")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    enabled = current_app.config["SETTINGS"].admin_password is not None
    if request.method == "POST" and enabled:
        if auth.check_password(request.form.get("password", "")):
            auth.log_in()
            flash(_("Вы вошли как администратор."), "success")
            return redirect(safe_next(request.args.get("next")))
        flash(_("Неверный пароль."), "error")
        return render_template("admin/login.html", enabled=enabled), 401
    return render_template("admin/login.html", enabled=enabled)


@bp.post("/logout")
def logout():
    auth.log_out()
    response = redirect(url_for("pages.home"))
    # The browser's HTTP cache forgets the admin's pages; the service worker, which sees this
    # request go by, forgets the pages it kept.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


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


MAGNET_DRAFT = "magnet_draft"
MAGNET_DRAFT_MAX = 2000  # the session is a cookie: a longer draft is not kept


def download_action(film_id: int, action, success: str):
    """Run a magnet/qBittorrent action for a film, then back to the film's page (Post/Redirect/Get)
    with the outcome on top; a refused magnet comes back in its box."""
    film = db.session.get(Film, film_id) or abort(404)
    try:
        action(film)
        db.session.commit()
    except (*torrents.DOWNLOAD_ERRORS, ApiError) as exc:  # ApiError: qBittorrent not configured
        db.session.rollback()
        error = exc if isinstance(exc, ApiError) else torrents.as_api_error(exc)
        return back_to_film(film_id, error.message, magnet_draft=request.form.get("magnet"))
    flash(success, "success")
    return redirect(url_for("admin.edit_film", film_id=film_id), 303)


def back_to_film(film_id: int, message: str, magnet_draft: str | None = None):
    flash(message, "error")
    if magnet_draft and len(magnet_draft) <= MAGNET_DRAFT_MAX:
        session[MAGNET_DRAFT] = [film_id, magnet_draft]
    return redirect(url_for("admin.edit_film", film_id=film_id), 303)


def magnet_draft(film_id: int) -> str:
    """The magnet text a refused save left behind for this film (once)."""
    draft_film, text = session.pop(MAGNET_DRAFT, None) or (None, "")
    return text if draft_film == film_id else ""


@bp.post("/films/<int:film_id>/magnet")
@auth.admin_page
def set_magnet(film_id: int):
    magnet_text = request.form.get("magnet", "")
    return download_action(
        film_id, lambda film: downloads.attach(db.session, film, magnets.parse_magnet(magnet_text)), _("Magnet-ссылка сохранена.")
    )


@bp.post("/films/<int:film_id>/torrent")
@auth.admin_page
def upload_torrent(film_id: int):
    upload = request.files.get("torrent")
    data = upload.read(magnets.MAX_TORRENT_BYTES + 1) if upload else b""

    def attach(film):
        magnet, raw = magnets.parse_torrent_file(data)
        downloads.attach(db.session, film, magnet, raw)

    return download_action(film_id, attach, _("Файл .torrent сохранён."))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(exc: RequestEntityTooLarge):
    """A .torrent over the request limit: the film's form again, saying the file limit."""
    film_id = (request.view_args or {}).get("film_id")
    film = db.session.get(Film, film_id) if request.endpoint == "admin.upload_torrent" and auth.is_admin() else None
    if film is None:
        return errors.http_error(exc)
    return back_to_film(film.id, magnet_message(magnets.TorrentTooLarge()))


@bp.post("/films/<int:film_id>/magnet/clear")
@auth.admin_page
def clear_magnet(film_id: int):
    return download_action(film_id, downloads.detach, _("Magnet-ссылка удалена."))


@bp.post("/films/<int:film_id>/download")
@auth.admin_page
def send_download(film_id: int):
    return download_action(film_id, lambda film: downloads.send(torrents.qbittorrent(), film), _("Отправлено в qBittorrent."))


@bp.post("/films/<int:film_id>/download/remove")
@auth.admin_page
def remove_download(film_id: int):
    return download_action(film_id, lambda film: downloads.remove(torrents.qbittorrent(), film), _("Убрано из qBittorrent."))
