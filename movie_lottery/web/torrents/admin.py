"""Admin forms of a film's torrent: its magnet link or .torrent, sending it to qBittorrent and
removing it there. Each answers with a redirect to the film's form (Post/Redirect/Get)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from ...extensions import db
from ...models import Film
from ...services.torrents import downloads, magnets
from .. import auth, errors, torrents
from ..admin import bp
from ..errors import ApiError
from ..messages import magnet_message


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
        film_id,
        lambda film: downloads.attach(db.session, film, magnets.parse_magnet(magnet_text)),
        _("Magnet-ссылка сохранена."),
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
    return download_action(
        film_id, lambda film: downloads.send(torrents.qbittorrent(), film), _("Отправлено в qBittorrent.")
    )


@bp.post("/films/<int:film_id>/download/remove")
@auth.admin_page
def remove_download(film_id: int):
    return download_action(
        film_id, lambda film: downloads.remove(torrents.qbittorrent(), film), _("Убрано из qBittorrent.")
    )
