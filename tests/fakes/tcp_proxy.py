"""A loopback TCP proxy that can forward, reset or blackhole, to simulate a database
(or any server) going down, hanging, and coming back."""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    """Modes: "forward" (to upstream), "reset" (accept then close at once), "blackhole"
    (accept and never answer) and "stall" (a hung server: connections, live ones included,
    stay open, and what clients send is read and never answered). Leaving "forward" for
    "reset" or "blackhole" drops live connections, as a server restart would.

    ``accepted`` counts connections; ``stalled_senders`` counts the connections that sent
    something while stalled — each is one request that reached the hung server."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.mode = "forward"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self.accepted = 0
        self.stalled_senders = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def set_mode(self, mode: str) -> None:
        assert mode in ("forward", "reset", "blackhole", "stall")
        self.mode = mode
        if mode in ("reset", "blackhole"):
            self._drop_all()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
            except OSError:
                pass

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            if self.mode == "reset":
                client.close()
            elif self.mode == "blackhole":
                self._track(client)  # held open, never read
            elif self.mode == "stall":
                self._track(client)
                threading.Thread(target=self._pump, args=(client, None), daemon=True).start()
            else:
                self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=2)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        self._track(client)
        self._track(upstream)
        threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket | None, from_client: bool = True) -> None:
        counted = False
        try:
            while data := src.recv(65536):
                if self.mode == "stall" or dst is None:
                    if from_client and not counted:
                        counted = True
                        with self._lock:
                            self.stalled_senders += 1
                    continue  # swallowed: a hung server reads and never answers
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    if sock is not None:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._drop_all()
        self._thread.join(timeout=2)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def blackhole() -> TcpProxy:
    """A loopback port that accepts connections and never answers."""
    proxy = TcpProxy("127.0.0.1", 9)
    proxy.set_mode("blackhole")
    return proxy


class Unreachable:
    """A loopback port where connecting never completes, as with a host that drops packets: a
    listener whose accept queue (backlog 0) is held full by one connection, so the kernel drops
    every further SYN and a client waits out its connect timeout.
    The listener and the filler are closed on exit."""

    def __init__(self):
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self._filler = socket.create_connection(("127.0.0.1", self.port), timeout=2)

    def close(self) -> None:
        self._filler.close()
        self._listener.close()

    def __enter__(self) -> Unreachable:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
