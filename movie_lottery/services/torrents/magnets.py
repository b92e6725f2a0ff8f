"""Validating and normalising magnet links and .torrent files (torf does the parsing).

torf is imported when something is actually parsed: only admins attach torrents, so
most processes never load it."""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_MAGNET_LENGTH = 8 * 1024
MAX_TORRENT_BYTES = 2 * 1024 * 1024
HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
BASE32_32 = re.compile(r"^[A-Za-z2-7]{32}$")


class MagnetError(ValueError):
    """The input is not a usable magnet link or .torrent. ``code`` says what is wrong (the web
    layer words it for people, in their language); the English text is for logs."""

    def __init__(self, code: str, text: str, **params):
        super().__init__(text)
        self.code, self.params = code, params


class TorrentTooLarge(MagnetError):
    """The .torrent is over MAX_TORRENT_BYTES."""

    def __init__(self):
        mib = MAX_TORRENT_BYTES // (1024 * 1024)
        super().__init__("torrent_too_large", f"the .torrent file is larger than {mib} MiB", mib=mib)


@dataclass(frozen=True)
class Magnet:
    info_hash: str  # 40 lower-case hex characters (BitTorrent v1)
    display_name: str | None
    trackers: tuple[str, ...]
    uri: str


def _v1_hash(value: str) -> str:
    if HEX40.match(value):
        return value.lower()
    if BASE32_32.match(value):
        return base64.b32decode(value.upper()).hex()
    raise MagnetError("bad_hash", "the info hash must be 40 hexadecimal or 32 base32 characters")


def parse_magnet(text: str) -> Magnet:
    text = (text or "").strip()
    if len(text) > MAX_MAGNET_LENGTH:
        raise MagnetError(
            "too_long", f"the magnet link is longer than {MAX_MAGNET_LENGTH} characters", max=MAX_MAGNET_LENGTH
        )
    if not text.lower().startswith("magnet:?"):
        raise MagnetError("not_magnet", "not a magnet link: it must start with magnet:?")
    params = parse_qsl(text[len("magnet:?") :], keep_blank_values=True)
    topics = [value for key, value in params if key == "xt"]
    v1 = [t[len("urn:btih:") :] for t in topics if t.lower().startswith("urn:btih:")]
    if not topics:
        raise MagnetError("no_hash", "the magnet link has no info hash (xt=urn:btih:…)")
    if not v1:
        if any(t.lower().startswith("urn:btmh:") for t in topics):
            raise MagnetError(
                "v2_only", "BitTorrent v2-only magnets (urn:btmh) are not supported; use a v1 or hybrid magnet"
            )
        raise MagnetError("not_btih", "the magnet link's xt is not a BitTorrent info hash (urn:btih:…)")
    info_hash = _v1_hash(v1[0])
    name = next((value for key, value in params if key == "dn" and value.strip()), None)
    trackers = [value for key, value in params if key == "tr" and value.strip()]
    import torf

    try:
        # torf validates the trackers and writes the canonical URI; a hybrid magnet's
        # v2 topic is dropped since qBittorrent finds the swarm from the v1 hash.
        magnet = torf.Magnet(xt=f"urn:btih:{info_hash}", dn=name, tr=trackers)
        uri = str(magnet)
    except torf.TorfError as exc:
        raise MagnetError("bad_trackers", f"invalid magnet link: {exc}") from None
    return Magnet(info_hash, name, tuple(trackers), uri)


def parse_torrent_file(data: bytes) -> tuple[Magnet, bytes]:
    """Read a .torrent; returns its magnet and the file bytes to hand to qBittorrent."""
    if len(data) > MAX_TORRENT_BYTES:
        raise TorrentTooLarge()
    import torf

    try:
        torrent = torf.Torrent.read_stream(io.BytesIO(data), validate=True)
        magnet = torrent.magnet(name=True, size=False, trackers=True, tracker=False)
        info_hash = torrent.infohash
    except (torf.TorfError, binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise MagnetError("bad_torrent", f"not a valid .torrent file ({exc.__class__.__name__})") from None
    trackers = tuple(url for tier in torrent.trackers or [] for url in tier)
    return Magnet(info_hash.lower(), torrent.name, trackers, str(magnet)), data
