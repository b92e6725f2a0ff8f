"""What the real `flask` commands print, run as an admin runs them (a subprocess, the default
LOG_LEVEL=INFO): their own lines, not alembic's INFO chatter, unless asked with --verbose or
LOG_LEVEL=DEBUG."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from .helpers import BASE_SETTINGS
from .servers import ROOT, free_port, stop_process
from .test_notifier import wait_until

ALEMBIC_MARKS = ("alembic", "Running upgrade", "Context impl", "setup plugin")


def flask(database: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, **BASE_SETTINGS, "LOG_LEVEL": "INFO", "DATABASE_URL": database, **env}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "movie_lottery", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def quiet(result: subprocess.CompletedProcess) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not [mark for mark in ALEMBIC_MARKS if mark in output], output
    return output


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return lambda name: f"sqlite:///{tmp_path}/{name}.db"
    return lambda _name: request.getfixturevalue("make_postgres_database")()


def test_commands_that_migrate_print_their_own_lines_only(database, tmp_path):
    first = database("first")
    output = quiet(flask(first, "upgrade-db"))
    assert "database upgraded from an empty database to schema 00" in output and "database is up to date" in output
    assert quiet(flask(first, "upgrade-db")).strip() == "database is up to date"
    quiet(flask(first, "db", "upgrade"))  # Flask-Migrate's own command, through the app's CLI
    backup = tmp_path / "b.json.gz"
    quiet(flask(first, "export", str(backup)))
    imported = quiet(flask(database("second"), "import", str(backup)))  # migrates the new database first
    assert "imported " in imported

    verbose = flask(database("third"), "upgrade-db", "--verbose")
    assert verbose.returncode == 0 and "Running upgrade  -> 0001" in verbose.stderr, verbose.stderr
    debug = flask(database("fourth"), "import", str(backup), LOG_LEVEL="DEBUG")
    assert debug.returncode == 0 and "Running upgrade  -> 0001" in debug.stderr, debug.stderr


def test_flask_run_starts_quietly(tmp_path):
    port = free_port()
    environ = {**os.environ, **BASE_SETTINGS, "LOG_LEVEL": "INFO", "DATABASE_URL": f"sqlite:///{tmp_path}/run.db"}
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "movie_lottery", "run", "--port", str(port)],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def serving() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(serving, 30, step=0.1), log.read_text()
    finally:
        stop_process(server)
    output = log.read_text()
    assert "Running on http://127.0.0.1" in output
    assert not [mark for mark in ALEMBIC_MARKS if mark in output], output
