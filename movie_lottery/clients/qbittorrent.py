"""The admin's qBittorrent, reached through qbittorrent-api — an optional, isolated integration.

Nothing connects at construction; qbittorrent-api logs in lazily on the first real call.
Every call has explicit connect/read timeouts and goes through a circuit breaker, so a dead
or hanging qBittorrent costs a few seconds once and then milliseconds. Status fetches are
single-flight and cached: however many browser tabs poll, one call reaches qBittorrent,
and while it is in flight everyone else gets the last snapshot instead of queueing.
With a SharedState (Redis) the breaker, the snapshot and the single flight span every
process and instance: one status fetch per ``status_ttl`` in all.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import qbittorrentapi
import requests

from .breaker import Breaker, BreakerOpen
from .errors import QbitAuthError, QbitError, QbitUnavailable

if TYPE_CHECKING:
    from redis import Redis
    from .shared_state import SharedState

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long add() looks for a torrent qBittorrent called a duplicate (bounded: 5 x 0.2 s).
DUPLICATE_CHECKS = 5
DUPLICATE_CHECK_INTERVAL = 0.2


@dataclass(frozen=True)
class TorrentStatus:
    state: str
    progress: float
    dlspeed: int
    eta: int
    size: int
    on_client: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "progress": self.progress,
            "dlspeed": self.dlspeed,
            "eta": self.eta,
            "size": self.size,
            "on_client": self.on_client,
        }


@dataclass(frozen=True)
class StatusSnapshot:
    ok: bool  # False: qBittorrent could not be asked (torrents is then empty)
    fetched_at: float
    torrents: dict[str, TorrentStatus] = field(default_factory=dict)


class _OneAttemptApi(qbittorrentapi.Client):
    """qbittorrent-api tries every request at least twice (and, for a host without a scheme,
    probes HTTP then HTTPS before each attempt), so one call against a blackholed WebUI
    cost several read timeouts. Here a request is sent once: the breaker decides when to
    try again. Overrides the pinned version's ``Request._request_manager``."""

    def _request_manager(  # type: ignore[override]  # the library's private method; same parameters
        self,
        http_method,
        api_namespace,
        api_method,
        _retries=1,
        _retry_backoff_factor=0.3,
        version_introduced="",
        version_removed="",
        **kwargs,
    ):
        if not self._is_endpoint_supported_for_version(
            endpoint=f"{api_namespace}/{api_method}",
            version_introduced=version_introduced,
            version_removed=version_removed,
        ):
            return None
        try:
            return self._request(http_method=http_method, api_namespace=api_namespace, api_method=api_method, **kwargs)
        except qbittorrentapi.APIError:
            raise  # its HTTP errors are requests exceptions too: they are answers, not failures to connect
        except requests.RequestException as exc:
            raise qbittorrentapi.APIConnectionError(exc.__class__.__name__) from None


def with_scheme(host: str) -> str:
    """qbittorrent-api probes HTTP and HTTPS when the host has no scheme: name one (http)."""
    return host if host.lower().startswith(("http://", "https://")) else f"http://{host}"


class QbitClient:
    def __init__(
        self,
        host: str,
        port: int | None,
        username: str | None,
        password: str | None,
        *,
        category: str = "movie_lottery",
        save_path: str | None = None,
        tag: str = "movie_lottery",
        connect_timeout: float = 1.5,
        read_timeout: float = 2.0,
        fail_max: int = 3,
        reset_timeout: float = 30.0,
        status_ttl: float = 3.0,
        shared: SharedState | None = None,
    ):
        self.category, self.save_path, self.tag, self.status_ttl = category, save_path, tag, status_ttl
        self._api = _OneAttemptApi(
            host=with_scheme(host),
            port=port,
            FORCE_SCHEME_FROM_HOST=True,
            username=username or "",
            password=password or "",
            REQUESTS_ARGS={"timeout": (connect_timeout, read_timeout)},
            # One attempt per request (see _OneAttemptApi), and no urllib3 retries either.
            HTTPADAPTER_ARGS={"max_retries": 0, "pool_connections": 1, "pool_maxsize": 4},
            DISABLE_LOGGING_DEBUG_OUTPUT=True,
        )
        self.breaker = Breaker(
            "qbittorrent", fail_max=fail_max, reset_timeout=reset_timeout, exclude=[QbitAuthError], shared=shared
        )
        self._shared = shared
        self._fetch_budget = connect_timeout + read_timeout
        self._fetching = threading.Lock()
        # qbittorrent-api logs in lazily on a 403 and rebuilds its HTTP session when it does,
        # so threads that start at once would log each other out: the first login is ours.
        self._login_lock = threading.Lock()
        self._login_wait = connect_timeout + read_timeout
        self._logged_in = False
        self._snapshot: StatusSnapshot | None = None
        self._category_ready = False

    def __repr__(self) -> str:
        return f"QbitClient(category={self.category!r})"

    @property
    def state(self) -> str:
        """closed | open | half-open, without any I/O."""
        return self.breaker.state

    @property
    def healthy(self) -> bool:
        """No I/O: the breaker is closed and the last status fetch (if any) worked."""
        snapshot = self._snapshot
        return self.breaker.state == "closed" and (snapshot is None or snapshot.ok)

    # -- operations ----------------------------------------------------------------------
    def add(self, *, info_hash: str, magnet_uri: str | None = None, torrent_file: bytes | None = None) -> str:
        """Add unless already there (idempotent); returns the torrent's state on the client."""

        def add_once() -> str:
            existing = self._api.torrents_info(torrent_hashes=info_hash)
            if existing:
                return existing[0].state
            self._ensure_category()
            result = self._api.torrents_add(
                urls=magnet_uri if torrent_file is None else None,
                torrent_files=torrent_file,
                category=self.category,
                tags=self.tag,
                save_path=self.save_path,
            )
            self._forget_statuses()  # the next status fetch must see it
            if not str(result).strip().lower().startswith("fail"):
                return "queued"
            # qBittorrent adds magnets asynchronously, so a second send right after the first
            # is answered "Fails." (duplicate) before the torrent is listed: look briefly.
            for _ in range(DUPLICATE_CHECKS):
                time.sleep(DUPLICATE_CHECK_INTERVAL)
                if existing := self._api.torrents_info(torrent_hashes=info_hash):
                    return existing[0].state
            raise QbitError("qBittorrent refused the torrent")

        return self._guarded(add_once)

    def remove(self, info_hash: str, delete_files: bool = False) -> bool:
        def remove_once() -> bool:
            present = bool(self._api.torrents_info(torrent_hashes=info_hash))
            if present:
                self._api.torrents_delete(delete_files=delete_files, torrent_hashes=info_hash)
                self._forget_statuses()
            return present

        return self._guarded(remove_once)

    def statuses(self) -> StatusSnapshot:
        """Our torrents (by category), at most status_ttl old, one fetch in flight at a time."""
        snapshot = self._snapshot
        if snapshot is not None and time.monotonic() - snapshot.fetched_at < self.status_ttl:
            return snapshot
        if (shared := self._shared_snapshot()) is not None:
            self._snapshot = shared
            return shared
        if not self._fetching.acquire(blocking=False):
            # Someone is asking qBittorrent right now: do not queue behind them.
            return snapshot or StatusSnapshot(ok=False, fetched_at=time.monotonic())
        try:
            with self._single_flight() as ours:
                if not ours:  # another process is asking: same answer as above
                    return snapshot or StatusSnapshot(ok=False, fetched_at=time.monotonic())
                try:
                    torrents = self._guarded(lambda: self._api.torrents_info(category=self.category))
                    snapshot = StatusSnapshot(True, time.monotonic(), {t.hash.lower(): _status(t) for t in torrents})
                except QbitError:
                    snapshot = StatusSnapshot(False, time.monotonic())
                self._snapshot = snapshot
                self._share_snapshot(snapshot)
                return snapshot
        finally:
            self._fetching.release()

    # -- internals -------------------------------------------------------------------------
    def _single_flight(self):
        if self._shared is None:
            return nullcontext(True)
        return self._shared.single_flight("qbittorrent:statuses", self._fetch_budget + 1)

    def _share_snapshot(self, snapshot: StatusSnapshot) -> None:
        if self._shared is None:
            return
        data = json.dumps({"ok": snapshot.ok, "torrents": {h: t.to_dict() for h, t in snapshot.torrents.items()}})
        ttl_ms = int(self.status_ttl * 1000)
        key = self._shared.key("qbittorrent", "statuses")
        self._shared.run(lambda r: r.set(key, data, px=ttl_ms), None)

    def _shared_snapshot(self) -> StatusSnapshot | None:
        """The snapshot another process fetched less than status_ttl ago, if any."""
        if self._shared is None:
            return None
        key = self._shared.key("qbittorrent", "statuses")

        def read(r: Redis) -> tuple[bytes | None, int]:
            pipeline = r.pipeline(transaction=False)
            pipeline.get(key)
            pipeline.pttl(key)
            data, ttl_ms = pipeline.execute()
            return data, ttl_ms

        nothing: tuple[bytes | None, int] = (None, -2)
        data, ttl_ms = self._shared.run(read, nothing)
        if data is None or ttl_ms < 0:
            return None
        body = json.loads(data)
        age = self.status_ttl - ttl_ms / 1000
        torrents = {h: TorrentStatus(**t) for h, t in body["torrents"].items()}
        return StatusSnapshot(bool(body["ok"]), time.monotonic() - age, torrents)

    def _forget_statuses(self) -> None:
        self._snapshot = None
        if self._shared is not None:
            key = self._shared.key("qbittorrent", "statuses")
            self._shared.run(lambda r: r.delete(key), None)

    def _ensure_category(self) -> None:
        if self._category_ready:
            return
        if self.category not in self._api.torrents_categories():
            try:
                self._api.torrents_create_category(name=self.category, save_path=self.save_path or "")
            except qbittorrentapi.Conflict409Error:
                pass  # created meanwhile
        self._category_ready = True

    def _guarded(self, operation: Callable[[], T]) -> T:
        try:
            return self.breaker.call(self._translated, operation)
        except BreakerOpen:
            raise QbitUnavailable("qBittorrent is unavailable (circuit open)") from None

    def _log_in_once(self) -> None:
        if self._logged_in:
            return
        if not self._login_lock.acquire(timeout=self._login_wait):
            raise QbitUnavailable("qBittorrent is slow to accept the login")
        try:
            if not self._logged_in:
                self._api.auth_log_in()
                self._logged_in = True
        finally:
            self._login_lock.release()

    def _translated(self, operation: Callable[[], T]) -> T:
        """qbittorrent-api's exceptions → ours; their messages can carry URLs, ours do not."""
        try:
            self._log_in_once()
            return operation()
        except (qbittorrentapi.LoginFailed, qbittorrentapi.Forbidden403Error, qbittorrentapi.Unauthorized401Error):
            raise QbitAuthError("qBittorrent rejected the username or password") from None
        except qbittorrentapi.HTTP5XXError as exc:
            raise QbitUnavailable(f"qBittorrent answered HTTP {exc.http_status_code}") from None
        except qbittorrentapi.APIConnectionError as exc:
            raise QbitUnavailable(f"cannot reach qBittorrent ({exc.__class__.__name__})") from None
        except qbittorrentapi.APIError as exc:
            raise QbitError(f"qBittorrent error ({exc.__class__.__name__})") from None


def _status(torrent: Any) -> TorrentStatus:
    return TorrentStatus(
        state=str(torrent.state),
        progress=round(float(torrent.progress), 4),
        dlspeed=int(torrent.dlspeed),
        eta=int(torrent.eta),
        size=int(torrent.size),
    )
