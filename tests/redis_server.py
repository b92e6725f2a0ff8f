"""A throwaway redis-server (Debian's package) on a free loopback port — never the machine's
own Redis on 6379 — keeping nothing on disk; it can be stopped and started again on the
same port to simulate an outage."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from .servers import free_port, stop_process


class RedisServer:
    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        assert self.binary, "redis-server is required (scripts/test.sh installs it with apt)"
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        stop_process(self.process, grace=5)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
