"""Running real notifier worker processes for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .servers import ROOT

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwx"
FIXED_CHAT = "-1001234567890"


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path, root: Path = ROOT):
        """``root``: the checkout it runs from (bench/worker_memory.py --before: an older commit)."""
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "movie_lottery.worker"],
            cwd=root,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not in worker log after {timeout}s:\n{self.log()}")

    @property
    def leading(self) -> bool:
        return "holds the singleton lock" in self.log()

    def terminate(self, timeout: float = 15) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds to exit)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._log.close()


def worker_env(database_url: str, telegram_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "worker-test",
        "LOG_LEVEL": "INFO",
        "SITE_URL": "https://kino.example.org",
        "TELEGRAM_CHAT_ID": FIXED_CHAT,
        **extra,
    }
    if telegram_url:
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram_url)
    return env
