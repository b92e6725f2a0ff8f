"""Shared fixtures: the app against SQLite and a throwaway Postgres database, and a client.

`app` is parametrised over both databases; each backend is migrated up from empty once
per session (the same migrations production runs) and its tables are emptied after
every test.
"""

from __future__ import annotations

import os
import random
import re
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from movie_lottery.config import Settings
from movie_lottery.dbsetup import upgrade_database
from movie_lottery.extensions import db

# One Playwright per session: a second sync_playwright() in the same thread refuses to start,
# so the fixture lives here and test modules must not import it themselves.
from .browser import browser  # noqa: F401  (fixture)
from .helpers import ADMIN_PASSWORD, QueryCounter, build_app, csrf_token_from, empty_all_tables

# The developer's own settings must not leak into tests.
for _name in Settings.model_fields:
    os.environ.pop(_name.upper(), None)
for _name in ("FLASK_ENV", "MIGRATE_ON_START"):
    os.environ.pop(_name, None)

# CI must be deterministic: the same examples every run. HYPOTHESIS_PROFILE=explore searches afresh.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def pytest_addoption(parser):
    parser.addoption(
        "--shuffle",
        metavar="SEED",
        default=None,
        help="run the modules, and the tests inside each, in an order shuffled from SEED: proves no "
        "test depends on what another left behind (the default order stays the files' order)",
    )


def pytest_collection_modifyitems(config, items):
    seed = config.getoption("--shuffle")
    if seed is None:
        return
    rng = random.Random(seed)
    modules: dict[str, list] = {}
    for item in items:  # a module's tests stay together: module-scoped servers start once
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    groups = list(modules.values())
    rng.shuffle(groups)
    for group in groups:
        rng.shuffle(group)
    items[:] = [item for group in groups for item in group]


def pytest_report_header(config):
    seed = config.getoption("--shuffle")
    return f"test order shuffled with --shuffle={seed}" if seed is not None else None


@pytest.fixture
def sqlite_app(sqlite_url):
    """Factory: the app on the session's SQLite database with extra settings (env var names);
    its tables are emptied afterwards, so nothing is left for the next test."""
    built = []

    def make(**settings: str):
        built.append(build_app(sqlite_url, **settings))
        return built[-1]

    yield make
    for application in built:
        with application.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


PG_SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    try:
        psycopg.connect(_libpq(PG_SERVER_URL), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"Postgres is required for the tests ({PG_SERVER_URL}): {exc}")
    return PG_SERVER_URL


@pytest.fixture(scope="session")
def make_postgres_database(postgres_server_url) -> Iterator:
    """Factory for throwaway databases on the local server; all are dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"ml_test_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(_libpq(postgres_server_url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return re.sub(r"/[^/]*$", f"/{name}", postgres_server_url)

    yield make
    with psycopg.connect(_libpq(postgres_server_url), autocommit=True, connect_timeout=5) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated(url: str) -> str:
    upgrade_database(build_app(url))
    return url


@pytest.fixture(scope="session")
def postgres_url(make_postgres_database) -> str:
    return migrated(make_postgres_database())


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return migrated("sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db"))


@pytest.fixture(params=["sqlite", "postgres"])
def app(request):
    url = request.getfixturevalue(f"{request.param}_url")
    application = build_app(url)
    yield application
    with application.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def pg_app(postgres_url):
    application = build_app(postgres_url)
    yield application
    with application.app_context():
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf(client):
    """A CSRF token bound to the client's session (as a browser gets it from any page)."""
    return csrf_token_from(client.get("/").get_data(as_text=True))


@pytest.fixture
def admin_client(client, csrf):
    response = client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302
    return client


@pytest.fixture
def admin_csrf(admin_client):
    """The token of the admin's pages (logging in keeps the visitor's CSRF secret)."""
    return csrf_token_from(admin_client.get("/").get_data(as_text=True))


@pytest.fixture
def count_queries(app):
    def counter() -> QueryCounter:
        with app.app_context():
            return QueryCounter(db.engine)

    return counter
