"""The torrents' JSON API (admin): a film's magnet link or .torrent, sending it to qBittorrent
and removing it there, and the status of every download."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _

from ...extensions import db
from ...models import Film
from ...services.torrents import downloads, magnets
from .. import torrents
from ..api import bp
from ..auth import admin_api
from ..errors import ApiError, respond
from ..library.api import film_or_404
from ..presenters import torrent_label
from ..openapi import ADMIN, documented


def download_error(exc):
    db.session.rollback()
    error = torrents.as_api_error(exc)
    return respond(error.status, error.code, error.message, error.fields)


for _error_class in torrents.DOWNLOAD_ERRORS:
    bp.register_error_handler(_error_class, download_error)


def attach(film: Film, magnet, raw: bytes | None = None) -> Response:
    downloads.attach(db.session, film, magnet, raw)
    db.session.commit()
    return jsonify({"info_hash": magnet.info_hash, "magnet": magnet.uri})


@bp.put("/library/<int:film_id>/magnet")
@documented(
    "Attach a magnet link to a film (admin)",
    "setMagnet",
    responses={200: ("Attached", "SetMagnetAnswer")},
    errors=(400, 401, 403, 404, 409, 422),
    body={"type": "object", "required": ["magnet"], "properties": {"magnet": {"type": "string", "maxLength": 8192}}},
    security=ADMIN,
)
@admin_api
def set_magnet(film_id: int):
    film = film_or_404(film_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("magnet"), str):
        raise ApiError(400, "bad_request", _('Тело запроса должно быть таким: {"magnet": "magnet:?xt=urn:btih:…"}.'))
    return attach(film, magnets.parse_magnet(body["magnet"]))


@bp.put("/library/<int:film_id>/torrent")
@documented(
    "Upload a .torrent file for a film (admin, at most 2 MiB)",
    "uploadTorrent",
    responses={200: ("Attached", "UploadTorrentAnswer")},
    errors=(400, 401, 403, 404, 409, 413, 422),
    body={
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["torrent"],
                    "properties": {"torrent": {"type": "string", "format": "binary"}},
                }
            }
        }
    },
    security=ADMIN,
)
@admin_api
def upload_torrent(film_id: int):
    film = film_or_404(film_id)
    upload = request.files.get("torrent")
    if upload is None:
        raise ApiError(400, "bad_request", _("Пришлите .torrent в поле формы «torrent» (multipart)."))
    magnet, raw = magnets.parse_torrent_file(upload.read(magnets.MAX_TORRENT_BYTES + 1))
    return attach(film, magnet, raw)


@bp.delete("/library/<int:film_id>/magnet")
@documented(
    "Remove the film's magnet / .torrent (admin)",
    "clearMagnet",
    responses={204: ("Removed", None)},
    errors=(401, 403, 404),
    security=ADMIN,
)
@admin_api
def clear_magnet(film_id: int):
    downloads.detach(film_or_404(film_id))
    db.session.commit()
    return "", 204


@bp.post("/library/<int:film_id>/download")
@documented(
    "Send the film's torrent to qBittorrent (admin; idempotent)",
    "sendDownload",
    responses={202: ("Accepted by qBittorrent", "SendDownloadAnswer")},
    errors=(401, 403, 404, 409, 503),
    security=ADMIN,
)
@admin_api
def send_download(film_id: int):
    film = film_or_404(film_id)
    state = downloads.send(torrents.qbittorrent(), film)
    db.session.commit()
    return jsonify({"info_hash": film.info_hash, "state": state}), 202


@bp.delete("/library/<int:film_id>/download")
@documented(
    "Remove the film's torrent from qBittorrent (admin; files are kept)",
    "removeDownload",
    responses={200: ("Removed (or was not there)", "RemoveDownloadAnswer")},
    errors=(401, 403, 404, 409, 503),
    security=ADMIN,
)
@admin_api
def remove_download(film_id: int):
    film = film_or_404(film_id)
    removed = downloads.remove(torrents.qbittorrent(), film)
    db.session.commit()
    return jsonify({"info_hash": film.info_hash, "removed": removed})


@bp.get("/torrents")
@documented(
    "Download status of the library's torrents (admin; one cached qBittorrent call per few seconds)",
    "torrentStatuses",
    responses={200: ("Statuses by info hash", "TorrentStatusesAnswer")},
    errors=(401, 403),
    security=ADMIN,
)
@admin_api
def torrent_statuses():
    report = downloads.refresh(db.session, current_app.extensions.get("qbittorrent"))
    db.session.commit()
    torrents = {
        info_hash: {**status, "label": torrent_label(status["state"], status["progress"], status["on_client"])}
        for info_hash, status in report.torrents.items()
    }
    return jsonify({"qbittorrent": report.qbittorrent, "torrents": torrents})
