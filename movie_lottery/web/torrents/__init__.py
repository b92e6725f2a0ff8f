"""Magnets, .torrent uploads and qBittorrent, shared by the admin API (api) and the admin pages (admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from ...clients.errors import QbitAuthError, QbitError
from ...services.torrents import downloads
from ...services.torrents.magnets import MagnetError, TorrentTooLarge
from ..errors import ApiError
from ..messages import magnet_message

if TYPE_CHECKING:
    from ...clients.qbittorrent import QbitClient


def qbittorrent() -> QbitClient:
    client = current_app.extensions.get("qbittorrent")
    if client is None:
        raise ApiError(503, "qbittorrent_disabled", _("qBittorrent не настроен (задайте QBIT_HOST)."))
    return client


def as_api_error(exc: Exception) -> ApiError:
    """The one mapping from download failures to API errors (and to the pages' messages)."""
    if isinstance(exc, TorrentTooLarge):
        return ApiError(413, "too_large", magnet_message(exc), {"torrent": magnet_message(exc)})
    if isinstance(exc, MagnetError):
        return ApiError(422, "invalid_magnet", magnet_message(exc), {"magnet": magnet_message(exc)})
    if isinstance(exc, downloads.HashTaken):
        return ApiError(
            409, "magnet_in_use", _("Этот торрент уже привязан к фильму «%(title)s».", title=exc.film.title)
        )
    if isinstance(exc, downloads.NoMagnet):
        return ApiError(409, "no_magnet", _("У фильма нет magnet-ссылки или .torrent."))
    if isinstance(exc, QbitAuthError):
        return ApiError(
            503, "qbittorrent_auth", _("qBittorrent отклонил логин или пароль (QBIT_USERNAME/QBIT_PASSWORD).")
        )
    if isinstance(exc, QbitError):
        return ApiError(503, "qbittorrent_unavailable", _("qBittorrent недоступен, попробуйте позже."))
    raise exc


DOWNLOAD_ERRORS = (MagnetError, downloads.HashTaken, downloads.NoMagnet, QbitError)
