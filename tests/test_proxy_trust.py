"""Client addresses and schemes from X-Forwarded-* are believed only for TRUSTED_PROXY_HOPS
proxies (Render: 1; default 0): without a proxy a forged header must change nothing, least
of all the rate limits that key on the client's address. X-Forwarded-Host is never believed."""

import pytest

from movie_lottery.extensions import db

from .helpers import LOGIN_LIMIT, build_app, empty_all_tables, failed_login


@pytest.fixture(params=["sqlite", "postgres"])
def make_client(request):
    url = request.getfixturevalue(f"{request.param}_url")
    apps = []

    def make(**settings):
        apps.append(build_app(url, **settings))
        return apps[-1].test_client()

    yield make
    for application in apps:
        with application.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_without_a_proxy_a_forged_forwarded_for_does_not_dodge_the_login_limit(make_client):
    client = make_client()  # TRUSTED_PROXY_HOPS unset: 0
    codes = [failed_login(client, f"198.51.100.{i}") for i in range(LOGIN_LIMIT + 1)]
    assert codes == [401] * LOGIN_LIMIT + [429]


def test_without_a_proxy_forwarded_proto_and_host_change_nothing(make_client):
    client = make_client()
    created = client.post(
        "/api/lotteries",
        json={"entries": [{"title": "a"}, {"title": "b"}]},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )
    assert created.get_json()["url"].startswith("http://localhost/l/")
    assert "Strict-Transport-Security" not in created.headers


def test_behind_one_proxy_each_client_has_its_own_limit_and_cannot_forge_another(make_client):
    client = make_client(TRUSTED_PROXY_HOPS="1")
    # The proxy appends the address it saw: a client's own X-Forwarded-For entries stay on the left.
    codes = [failed_login(client, f"198.51.100.{i}, 203.0.113.9") for i in range(LOGIN_LIMIT + 1)]
    assert codes == [401] * LOGIN_LIMIT + [429]
    assert failed_login(client, "203.0.113.10") == 401  # another client, its own count


def test_behind_one_proxy_scheme_is_believed_but_not_host(make_client):
    client = make_client(TRUSTED_PROXY_HOPS="1")
    created = client.post(
        "/api/lotteries",
        json={"entries": [{"title": "a"}, {"title": "b"}]},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"},
    )
    assert created.get_json()["url"].startswith("https://localhost/l/")
    assert created.headers["Strict-Transport-Security"].startswith("max-age=")
