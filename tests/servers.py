"""Running the real gunicorn (with the start command render.yaml gives) for tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen | None, grace: float = 15) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def render_command(service_type: str, key: str = "startCommand") -> str:
    """The command render.yaml gives a service, read from the file itself."""
    text = (ROOT / "render.yaml").read_text()
    for block in re.split(r"\n  - type: ", text)[1:]:
        if block.startswith(service_type):
            match = re.search(rf"^\s+{key}: (.+)$", block, re.M)
            assert match, f"render.yaml has no {key} for {service_type}"
            return match.group(1).strip()
    raise AssertionError(f"render.yaml has no {service_type} service")


class Gunicorn:
    """gunicorn started exactly as Render starts it, bound to loopback."""

    def __init__(self, env: dict[str, str], log_path: Path, app: str = "wsgi:app", root: Path = ROOT):
        """``app`` swaps the WSGI target only (the benchmarks' bare baseline app); ``root``, the
        checkout it runs from (bench/run.py --site-root: an older commit of the site)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        command = render_command("web").replace("gunicorn ", f"{sys.executable} -m gunicorn ", 1).split()
        command = [app if part == "wsgi:app" else part for part in command]
        full_env = {**os.environ, "PORT": str(self.port), **env}
        # Loopback only in tests; render.yaml binds 0.0.0.0 through gunicorn_config.py.
        command += ["--bind", f"127.0.0.1:{self.port}"]
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, cwd=root, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 20) -> float:
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log()}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"gunicorn not healthy in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.process, grace=25)
        self._log.close()


@contextmanager
def e2e_site(workdir: Path, kinopoisk_url: str, prepare: Callable | None = None) -> Iterator[Gunicorn]:
    """One gunicorn on a fresh, migrated SQLite database, searching the fake Kinopoisk at
    kinopoisk_url; prepare(app) may fill the database first."""
    from movie_lottery.dbsetup import upgrade_database

    from .fakes.kinopoisk_api import API_KEY
    from .helpers import BASE_SETTINGS, build_app

    db_url = f"sqlite:///{workdir}/e2e.db"
    app = build_app(db_url)
    upgrade_database(app)
    if prepare:
        prepare(app)
    kinopoisk = {"KINOPOISK_API_KEY": API_KEY, "KINOPOISK_API_URL": kinopoisk_url}
    with running_gunicorn(
        {**BASE_SETTINGS, **kinopoisk, "DATABASE_URL": db_url, "WEB_CONCURRENCY": "1"}, workdir / "gunicorn.log"
    ) as server:
        yield server


@contextmanager
def running_gunicorn(env: dict[str, str], log_path: Path, timeout: float = 60) -> Iterator[Gunicorn]:
    """A healthy gunicorn for the duration of the block, stopped afterwards."""
    server = Gunicorn(env, log_path)
    try:
        server.wait_healthy(timeout=timeout)
        yield server
    finally:
        server.stop()


@contextmanager
def migrated_site(db_url: str, log_path: Path, **settings: str) -> Iterator[Gunicorn]:
    """The schema made by the migrations on ``db_url``, then gunicorn (one worker unless
    WEB_CONCURRENCY says otherwise) with the test settings and ``settings`` on it."""
    from movie_lottery.dbsetup import upgrade_database

    from .helpers import BASE_SETTINGS, build_app

    upgrade_database(build_app(db_url))
    with running_gunicorn(
        {**BASE_SETTINGS, "DATABASE_URL": db_url, "WEB_CONCURRENCY": "1", **settings}, log_path
    ) as server:
        yield server
