"""A total deadline for one HTTPS exchange (TLS handshake, request, answer), enforced for real,
and a check that the connection goes where the caller approved.

requests and urllib3 time out each socket operation on its own: a server that answers one
byte every 2 s never trips a 3 s read timeout and holds the request for as long as it likes.
Inside ``Deadline(seconds, target)`` every connection a session made by ``session()`` uses
is watched; when the time is up a timer thread shuts its socket down, which ends at once any
send or receive blocked on it (the request fails with a connection error, and
``deadline.expired`` says why). Such a connection also refuses to open to any (host, port)
but ``target``, whatever the URL turned into on its way through requests.
"""

from __future__ import annotations

import os
import socket
import threading

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool

from .http import pooled_session

_current = threading.local()


class TargetRefused(requests.ConnectionError):
    """The connection would have gone somewhere else than the approved host and port."""


class Deadline:
    def __init__(self, seconds: float, target: tuple[str, int] | None = None):
        self.seconds, self.target = seconds, target
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[int] = []  # duplicated descriptors of the sockets in use
        self._done = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        _current.deadline = None
        self._timer.cancel()
        with self._lock:
            self._done = True
            for fd in self._watched:
                os.close(fd)
            self._watched.clear()

    def check(self, host: str, port: int) -> None:
        if self.target is not None and (host.lower(), port) != self.target:
            raise TargetRefused(
                f"refused to connect to {host}:{port}: not the approved {self.target[0]}:{self.target[1]}"
            )

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the time is up (at once, if it already is)."""
        with self._lock:
            if self._done or sock.fileno() < 0:
                return
            fd = os.dup(sock.fileno())  # shutting a duplicate down ends the one socket both name
            if self.expired:
                _shut(fd)
            else:
                self._watched.append(fd)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for fd in self._watched:
                _shut(fd)
            self._watched.clear()


def _shut(fd: int) -> None:
    duplicate = socket.socket(fileno=fd)
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its owner
    finally:
        duplicate.close()


def _active() -> Deadline | None:
    return getattr(_current, "deadline", None)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        deadline = _active()
        if deadline is not None:
            deadline.check(self.host, self.port)
        sock = super()._new_conn()
        if deadline is not None:
            deadline.watch(sock)  # before the TLS handshake: a trickling handshake is cut too
        return sock

    def request(self, *args, **kwargs):
        deadline = _active()
        if deadline is not None and self.sock is not None:  # a kept-alive connection, used again
            deadline.check(self.host, self.port)
            deadline.watch(self.sock)
        return super().request(*args, **kwargs)


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            **self.poolmanager.pool_classes_by_scheme,
            "https": _WatchedHTTPSPool,
        }


def session(pool_maxsize: int) -> requests.Session:
    """A pooled session whose https connections keep to a Deadline. It never goes through an
    HTTP(S)_PROXY from the environment (a proxy's connection could not be checked); a CA bundle
    named by REQUESTS_CA_BUNDLE is still trusted."""
    made = pooled_session(pool_maxsize, adapter_class=_WatchedAdapter)
    made.trust_env = False
    made.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
    return made
