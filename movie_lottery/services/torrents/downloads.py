"""Magnets on library films, sending them to the admin's qBittorrent, and their status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Film, utcnow
from .. import events

if TYPE_CHECKING:
    from ...clients.qbittorrent import QbitClient, StatusSnapshot
    from .magnets import Magnet

COMPLETE = 1.0


class HashTaken(ValueError):
    """Another film already holds this info hash."""

    def __init__(self, film: Film):
        super().__init__(f"this torrent is already attached to «{film.title}»")
        self.film = film


class NoMagnet(ValueError):
    """The film has neither a magnet nor a .torrent to send."""


def attach(session: Session, film: Film, magnet: Magnet, torrent_file: bytes | None = None) -> None:
    other = session.scalar(select(Film).where(Film.info_hash == magnet.info_hash, Film.id != film.id))
    if other is not None:
        raise HashTaken(other)
    if film.info_hash != magnet.info_hash:
        film.torrent_state = film.torrent_progress = film.sent_at = film.downloaded_at = None
    film.info_hash, film.magnet_uri, film.torrent_file = magnet.info_hash, magnet.uri, torrent_file


def detach(film: Film) -> None:
    film.info_hash = film.magnet_uri = film.torrent_file = None
    film.torrent_state = film.torrent_progress = film.sent_at = film.downloaded_at = None


def send(client: QbitClient, film: Film) -> str:
    """Add the film's torrent to qBittorrent (idempotent). Raises NoMagnet / QbitError."""
    if not film.info_hash:
        raise NoMagnet()
    state = client.add(info_hash=film.info_hash, magnet_uri=film.magnet_uri, torrent_file=film.torrent_file)
    film.sent_at = film.sent_at or utcnow()
    film.torrent_state = film.torrent_state or state
    return state


def remove(client: QbitClient, film: Film) -> bool:
    if not film.info_hash:
        raise NoMagnet()
    removed = client.remove(film.info_hash)
    film.torrent_state, film.torrent_progress = None, None
    return removed


@dataclass(frozen=True)
class StatusReport:
    qbittorrent: str  # ok | degraded | disabled
    torrents: dict[str, dict[str, Any]]


def refresh(session: Session, client: QbitClient | None) -> StatusReport:
    """The films we know, with what qBittorrent says now (or last said, when it cannot be asked).

    A fresh answer is remembered on the films, and a download seen finishing for the first
    time records download_finished (and so its announcement) in this same transaction."""
    films = [film for film in session.scalars(select(Film).where(Film.info_hash.is_not(None))) if film.info_hash]
    if client is None:
        return StatusReport("disabled", {f.info_hash: _last_known(f) for f in films if f.info_hash})
    snapshot: StatusSnapshot = client.statuses()
    if not snapshot.ok:
        return StatusReport("degraded", {f.info_hash: _last_known(f) for f in films if f.info_hash})
    report: dict[str, dict[str, Any]] = {}
    for film in films:
        if not film.info_hash:
            continue
        status = snapshot.torrents.get(film.info_hash)
        if status is None:
            report[film.info_hash] = {**_last_known(film), "on_client": False}
            continue
        film.torrent_state, film.torrent_progress = status.state, status.progress
        if status.progress >= COMPLETE and film.downloaded_at is None:
            film.downloaded_at = utcnow()
            events.download_finished.send(session, film=film)
        report[film.info_hash] = status.to_dict()
    return StatusReport(integration_state(client), report)


def _last_known(film: Film) -> dict[str, Any]:
    return {
        "state": film.torrent_state,
        "progress": film.torrent_progress,
        "dlspeed": 0,
        "eta": None,
        "size": None,
        "on_client": None,
    }


def integration_state(client: QbitClient | None) -> str:
    """For /ready and the banner: no I/O, only the breaker's state."""
    if client is None:
        return "disabled"
    return "ok" if client.healthy else "degraded"
