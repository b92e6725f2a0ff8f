"""The seed-003 incident: pages hung on a slow or missing database and tables that were
never created. Here every database problem is a prompt 503, and the app recovers alone."""

import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event

from movie_lottery.extensions import db

from .fakes.tcp_proxy import TcpProxy
from .helpers import build_app

CONNECT_TIMEOUT = 2
# Generous ceiling: the point is "bounded by the connect timeout", not a speed target.
HANG_BOUND = CONNECT_TIMEOUT * 3 + 2


def via_proxy(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    return url.replace(parts.netloc, f"postgres@127.0.0.1:{proxy.port}")


@pytest.fixture
def proxy(postgres_url):
    parts = urlsplit(postgres_url)
    with TcpProxy(parts.hostname, parts.port or 5432) as p:
        yield p


@pytest.fixture
def proxied_app(postgres_url, proxy):
    app = build_app(via_proxy(postgres_url, proxy), DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT))
    yield app
    with app.app_context():
        db.engine.dispose()


def timed_get(client, path):
    started = time.monotonic()
    response = client.get(path, headers={"Accept": "application/json"} if path.startswith("/api") else {})
    return response, time.monotonic() - started


@pytest.mark.parametrize("mode", ["blackhole", "reset"])
def test_a_dead_database_gives_a_prompt_503_and_health_stays_up(proxied_app, proxy, mode):
    proxy.set_mode(mode)
    client = proxied_app.test_client()
    for path in ("/", "/library", "/api/lotteries"):
        response, took = timed_get(client, path)
        assert response.status_code == 503, path
        assert took < HANG_BOUND, f"{path} took {took:.1f}s"
    assert client.get("/api/lotteries").get_json()["error"]["code"] == "database_unavailable"
    ready, took = timed_get(client, "/ready")
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"] == "unavailable"
    assert client.get("/health").get_json() == {"status": "ok"}


def test_the_app_recovers_by_itself_when_the_database_returns(proxied_app, proxy):
    client = proxied_app.test_client()
    assert client.get("/").status_code == 200
    proxy.set_mode("blackhole")  # live connections die, new ones hang
    response, took = timed_get(client, "/")
    assert response.status_code == 503 and took < HANG_BOUND
    proxy.set_mode("forward")
    assert client.get("/").status_code == 200
    assert client.get("/ready").get_json()["checks"]["database"] == "ok"


def test_health_does_no_io_at_all(proxied_app, proxy):
    proxy.set_mode("blackhole")
    connects = []
    with proxied_app.app_context():
        event.listen(db.engine, "connect", lambda *a: connects.append(a))
    client = proxied_app.test_client()
    for _ in range(20):
        response = client.get("/health")
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
        assert "Set-Cookie" not in response.headers
    assert connects == []


def test_missing_tables_say_how_to_fix_it(make_postgres_database, tmp_path):
    for url in (make_postgres_database(), f"sqlite:///{tmp_path}/empty.db"):
        client = build_app(url).test_client()
        page = client.get("/")
        assert page.status_code == 503
        assert "database not migrated: run flask db upgrade" in page.get_data(as_text=True)
        api = client.get("/api/lotteries")
        assert api.status_code == 503 and api.get_json()["error"]["code"] == "database_not_migrated"
        assert client.get("/ready").get_json()["checks"]["database"] == "not_migrated"
        assert client.get("/health").status_code == 200
