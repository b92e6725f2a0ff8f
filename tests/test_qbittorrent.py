"""qBittorrent, the real one (Debian's qbittorrent-nox on loopback), and its failure modes.

Seed 002: every page and the health check called an unreachable qBittorrent, gunicorn
killed the worker, forever. Here qBittorrent is called only by the admin's actions and the
status endpoint, behind timeouts, a breaker and a single-flight cache."""

import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from movie_lottery.clients.qbittorrent import QbitAuthError, QbitClient, QbitUnavailable
from movie_lottery.extensions import db
from movie_lottery.models import Film, Notification

from .fakes.qbittorrent_nox import QbitProcess, make_completed_torrent
from .fakes.tcp_proxy import TcpProxy, blackhole
from .helpers import ADMIN_PASSWORD, ADMIN_TOKEN, BASE_SETTINGS, build_app, csrf_token_from
from .servers import Gunicorn

pytestmark = pytest.mark.slow
HASH = "c9e15763f722f23e98a29decdfae341b98d53056"
MAGNET = f"magnet:?xt=urn:btih:{HASH}&dn=Test+Film"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def qbit(tmp_path_factory):
    with QbitProcess(tmp_path_factory.mktemp("qbittorrent")) as process:
        yield process


def client_for(qbit, password=None, **kwargs):
    """Timeouts far above what a loopback qBittorrent needs, even on a loaded machine (a login
    checks a PBKDF2 hash: at 1 s a wrong password once read as "unavailable"); the timing tests
    use blackholes with timeouts of their own."""
    options = {
        "connect_timeout": 5.0,
        "read_timeout": 10.0,
        "reset_timeout": 1.0,
        "status_ttl": 0.2,
        "category": "ml_test",
    }
    return QbitClient(qbit.host, qbit.port, qbit.username, password or qbit.password, **{**options, **kwargs})


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_add_is_idempotent_and_listed_with_our_category(qbit):
    client = client_for(qbit)
    # A double click: qBittorrent adds magnets asynchronously and calls the second a failure.
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: client.add(info_hash=HASH, magnet_uri=MAGNET), range(3)))
    client.add(info_hash=HASH, magnet_uri=MAGNET)
    assert wait_until(lambda: HASH in client.statuses().torrents, 10)
    listed = client._api.torrents_info(category="ml_test")
    assert [t.hash for t in listed] == [HASH]
    assert "movie_lottery" in listed[0].tags
    assert client.remove(HASH) is True
    assert wait_until(lambda: HASH not in client.statuses().torrents, 10)
    assert client.remove(HASH) is False


def test_a_torrent_whose_data_is_present_completes(qbit):
    data, info_hash = make_completed_torrent(qbit.save_path)
    client = client_for(qbit, save_path=str(qbit.save_path))
    client.add(info_hash=info_hash, torrent_file=data)
    assert wait_until(lambda: (s := client.statuses().torrents.get(info_hash)) is not None and s.progress >= 1.0, 30)
    client.remove(info_hash)


def test_wrong_password_is_an_auth_error(qbit):
    with pytest.raises(QbitAuthError):
        client_for(qbit, password="wrong").add(info_hash=HASH, magnet_uri=MAGNET)


def test_refused_fails_fast_then_the_breaker_opens():
    with TcpProxy("127.0.0.1", 9) as resetting:  # accepts, then closes at once: a counted refusal
        resetting.set_mode("reset")
        client = QbitClient(
            "http://127.0.0.1",
            resetting.port,
            "a",
            "b",
            connect_timeout=0.5,
            read_timeout=0.5,
            fail_max=2,
            reset_timeout=60,
        )
        for _ in range(2):
            with pytest.raises(QbitUnavailable):
                client.add(info_hash=HASH, magnet_uri=MAGNET)
        assert client.state == "open"
        reached = resetting.accepted
        assert reached >= 2  # the failures really were qBittorrent's
        with pytest.raises(QbitUnavailable):
            client.add(info_hash=HASH, magnet_uri=MAGNET)
        assert resetting.accepted == reached  # open: failed without a connection, so at once


def assert_costs_one_timeout(call, reached, connect_timeout, read_timeout):
    """The call reached the hung server exactly once (``reached()`` counts requests there; no
    retry, no HTTP/HTTPS probe: either would be a second), and waited out the read timeout there:
    about one timeout — not an instant failure that never connected, which an upper bound alone
    would accept (the loose upper bound only catches a missing timeout)."""
    reached_before = reached()
    started = time.monotonic()
    with pytest.raises(QbitUnavailable):
        call()
    elapsed = time.monotonic() - started
    assert reached() - reached_before == 1
    assert read_timeout * 0.95 <= elapsed < 3 * (connect_timeout + read_timeout), f"{elapsed:.2f}s for one call"


def test_one_call_against_a_blackhole_costs_one_connect_and_read_timeout():
    connect_timeout, read_timeout = 0.5, 1.0
    with blackhole() as hole:
        # A host without a scheme: qbittorrent-api would probe HTTP and HTTPS first.
        client = QbitClient(
            "127.0.0.1", hole.port, "a", "b", connect_timeout=connect_timeout, read_timeout=read_timeout, fail_max=100
        )
        for _ in range(2):
            assert_costs_one_timeout(
                lambda: client.add(info_hash=HASH, magnet_uri=MAGNET),
                lambda: hole.accepted,
                connect_timeout,
                read_timeout,
            )


def test_a_logged_in_client_costs_one_timeout_once_qbittorrent_hangs(qbit):
    connect_timeout, read_timeout = 0.5, 1.0
    proxy = TcpProxy("127.0.0.1", qbit.port)
    try:
        client = QbitClient(
            "http://127.0.0.1",
            proxy.port,
            qbit.username,
            qbit.password,
            category="ml_test",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            fail_max=100,
        )
        # Logged in, connection kept alive. Short timeouts keep the measurement quick; on a busy
        # machine qBittorrent itself may answer the very first call late, so that set-up may retry.
        for attempt in range(3):
            try:
                assert client.remove(HASH) is False
                break
            except QbitUnavailable:
                if attempt == 2:
                    raise
        proxy.set_mode("stall")  # hangs with the kept-alive connection still open
        assert_costs_one_timeout(
            lambda: client.remove(HASH), lambda: proxy.stalled_senders, connect_timeout, read_timeout
        )
    finally:
        proxy.close()


def test_status_fetches_do_not_queue_behind_one_held_in_a_blackhole():
    with blackhole() as hole:
        # A read timeout far longer than the test: the fetch ends only when the test drops it.
        client = QbitClient(
            "http://127.0.0.1", hole.port, "a", "b", connect_timeout=0.5, read_timeout=60, status_ttl=0.1, fail_max=100
        )
        fetcher = threading.Thread(target=client.statuses)
        fetcher.start()
        assert wait_until(lambda: hole.accepted == 1, 10)  # the fetch is now held in the blackhole
        answers = []
        callers = [threading.Thread(target=lambda: answers.append(client.statuses().ok)) for _ in range(20)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(10)
        # Everyone was answered (no status yet) while the one fetch was still held: nobody queued.
        assert answers == [False] * 20 and fetcher.is_alive()
        assert hole.accepted == 1  # 21 callers, one request
        hole.set_mode("blackhole")  # drops the held connection: the fetch fails now
        fetcher.join(10)
        assert not fetcher.is_alive()


def test_qbittorrent_stopped_mid_run_and_started_again(qbit):
    client = client_for(qbit, fail_max=2, reset_timeout=1.0)
    client.add(info_hash=HASH, magnet_uri=MAGNET)
    qbit.stop()
    try:
        for _ in range(2):
            with pytest.raises(QbitUnavailable):
                client.add(info_hash=HASH, magnet_uri=MAGNET)
        assert client.state == "open"
    finally:
        qbit.start()
    time.sleep(1.1)  # reset timeout: the next call is the half-open trial
    client.add(info_hash=HASH, magnet_uri=MAGNET)
    assert client.state == "closed"
    client.remove(HASH)


# -- through the app ----------------------------------------------------------------------


@pytest.fixture
def qbit_app(qbit, app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return build_app(
        url,
        QBIT_HOST=qbit.host,
        QBIT_PORT=str(qbit.port),
        QBIT_USERNAME=qbit.username,
        QBIT_PASSWORD=qbit.password,
        QBIT_CATEGORY="ml_app",
        QBIT_SAVE_PATH=str(qbit.save_path),
    )


def add_film(client, title="Тестовый фильм"):
    return client.post("/api/library", json={"title": title}, headers=AUTH).get_json()["film"]["id"]


def test_magnet_api_validates_and_keeps_hashes_unique(qbit_app):
    client = qbit_app.test_client()
    first, second = add_film(client, "Первый"), add_film(client, "Второй")
    bad = client.put(f"/api/library/{first}/magnet", json={"magnet": "javascript:alert(1)"}, headers=AUTH)
    assert bad.status_code == 422 and "magnet:?" in bad.get_json()["error"]["message"]
    assert client.put(f"/api/library/{first}/magnet", json={"url": "x"}, headers=AUTH).status_code == 400
    assert client.put(f"/api/library/{first}/magnet", json={"magnet": MAGNET}).status_code == 401
    ok = client.put(
        f"/api/library/{first}/magnet",
        json={"magnet": MAGNET.upper().replace("MAGNET:?XT=URN:BTIH:", "magnet:?xt=urn:btih:")},
        headers=AUTH,
    )
    assert ok.status_code == 200 and ok.get_json()["info_hash"] == HASH
    clash = client.put(f"/api/library/{second}/magnet", json={"magnet": MAGNET}, headers=AUTH)
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "magnet_in_use"
    assert client.put("/api/library/999999/magnet", json={"magnet": MAGNET}, headers=AUTH).status_code == 404
    public = client.get("/api/library").get_json()["items"]
    assert all("magnet" not in item and "info_hash" not in item for item in public)


def test_send_status_finish_and_remove(qbit_app, qbit):
    client = qbit_app.test_client()
    data, info_hash = make_completed_torrent(qbit.save_path, name="app-film.mkv")
    film_id = add_film(client)
    assert client.post(f"/api/library/{film_id}/download", headers=AUTH).status_code == 409  # nothing to send yet
    uploaded = client.put(
        f"/api/library/{film_id}/torrent", data={"torrent": (io.BytesIO(data), "f.torrent")}, headers=AUTH
    )
    assert uploaded.status_code == 200 and uploaded.get_json()["info_hash"] == info_hash
    sent = client.post(f"/api/library/{film_id}/download", headers=AUTH)
    assert sent.status_code == 202 and sent.get_json()["info_hash"] == info_hash
    assert client.post(f"/api/library/{film_id}/download", headers=AUTH).status_code == 202  # idempotent

    def finished():
        body = client.get("/api/torrents", headers=AUTH).get_json()
        status = body["torrents"].get(info_hash) or {}
        return body["qbittorrent"] == "ok" and status.get("on_client") and status.get("progress", 0) >= 1.0

    assert wait_until(finished, 30)
    with qbit_app.app_context():
        film = db.session.get(Film, film_id)
        assert film.downloaded_at is not None and film.torrent_progress == 1.0
        kinds = [n.kind for n in db.session.query(Notification)]
        assert kinds == ["download_finished"]  # announced once, in the same transaction
    client.get("/api/torrents", headers=AUTH)
    with qbit_app.app_context():
        assert db.session.query(Notification).count() == 1
    removed = client.delete(f"/api/library/{film_id}/download", headers=AUTH)
    assert removed.status_code == 200 and removed.get_json()["removed"] is True
    assert client.get("/ready").get_json()["checks"]["qbittorrent"] == "ok"


def test_disabled_integration_makes_no_calls_and_says_so(client):
    film_id = add_film(client)
    client.put(f"/api/library/{film_id}/magnet", json={"magnet": MAGNET}, headers=AUTH)
    sent = client.post(f"/api/library/{film_id}/download", headers=AUTH)
    assert sent.status_code == 503 and sent.get_json()["error"]["code"] == "qbittorrent_disabled"
    status = client.get("/api/torrents", headers=AUTH).get_json()
    assert status["qbittorrent"] == "disabled" and HASH in status["torrents"]
    assert client.get("/ready").get_json()["checks"]["qbittorrent"] == "disabled"


STATUS_CALLS = {"api.torrent_statuses"}  # the only GET that may ask qBittorrent (the admin's torrent list)


def every_get_url(app, ids: dict) -> list[str]:
    """Every GET route of the app but the status call, built with the ids of records made for
    the test: a route added later is visited without anyone remembering to add it here, and one
    whose ids the test cannot fill fails, naming itself."""
    adapter = app.url_map.bind("127.0.0.1")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in STATUS_CALLS:
            continue
        kind = next((part for part in rule.rule.strip("/").split("/") if part not in ("api", "admin")), "")
        values = {}
        for arg in rule.arguments:
            value = ids.get((kind, arg), ids.get(arg))
            if value is None:
                pytest.fail(f"{rule.rule}: the test has no <{arg}> for it; give it one in ids")
            values[arg] = value
        urls.append(adapter.build(rule.endpoint, values))
    return sorted(set(urls))


def test_nothing_but_the_status_call_touches_qbittorrent_and_pages_never_queue_behind_it(
    postgres_url, pg_app, tmp_path
):
    """Seed 002's lesson, under real gunicorn with qBittorrent a listening blackhole: start-up,
    /health, /ready and every page and GET of the app, for the admin and for a plain visitor (a
    member), make no connection to it at all; and while a status fetch is held there, pages are
    answered before it ends (no shared lock, no starved threads)."""
    with blackhole() as hole:
        env = {
            **BASE_SETTINGS,
            "DATABASE_URL": postgres_url,
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "QBIT_HOST": "http://127.0.0.1",
            "QBIT_PORT": str(hole.port),
            "QBIT_USERNAME": "a",
            "QBIT_PASSWORD": "b",
        }
        server = Gunicorn(env, tmp_path / "gunicorn.log")
        try:
            server.wait_healthy()
            url = server.url
            film = requests.post(url + "/api/library", json={"title": "X"}, headers=AUTH, timeout=5).json()["film"]
            requests.put(f"{url}/api/library/{film['id']}/magnet", json={"magnet": MAGNET}, headers=AUTH, timeout=5)
            drawn = requests.post(
                url + "/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}, timeout=5
            ).json()["id"]
            requests.post(f"{url}/api/lotteries/{drawn}/draw", timeout=5)
            poll = requests.post(
                url + "/api/polls", json={"entries": [{"title": "a"}, {"title": "b"}]}, timeout=5
            ).json()
            night = requests.post(
                url + "/api/nights",
                json={"title": "Пятница", "starts_at": "2030-01-04T20:00:00+03:00", "film_id": film["id"]},
                timeout=5,
            ).json()
            with requests.Session() as visitor, requests.Session() as admin:
                member = visitor.put(url + "/api/me", json={"name": "Гость"}, timeout=5).json()["member"]
                visitor.put(f"{url}/api/films/{film['id']}/rating", json={"score": 8}, timeout=5)
                code = visitor.post(url + "/api/me/device-code", timeout=5).json()["code"]
                me_token = csrf_token_from(visitor.get(url + "/me", timeout=10).text)
                visitor.post(url + "/me/calendar", data={"csrf_token": me_token}, timeout=10, allow_redirects=False)
                feed = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", visitor.get(url + "/me", timeout=10).text)[1]
                ratings_csv = "Const,Your Rating,Date Rated,Title,Year\r\ntt0079944,9,2024-02-10,Stalker,1979\r\n"
                upload = visitor.post(
                    url + "/api/me/imports", files={"file": ("ratings.csv", ratings_csv.encode())}, timeout=10
                )
                assert upload.status_code == 202, upload.text
                history_import = upload.json()["id"]
                token = csrf_token_from(admin.get(url + "/admin/login", timeout=10).text)
                assert (
                    admin.post(
                        url + "/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}, timeout=10
                    ).status_code
                    == 200
                )
                admin.headers.update(AUTH)  # and the API's admin token
                ids = {
                    "film_id": film["id"],
                    "member_id": member["id"],
                    "filename": "style.css",
                    ("join", "code"): code,
                    ("lang", "code"): "en",
                    ("calendar", "token"): feed,
                    **{(kind, "public_id"): history_import for kind in ("imports", "me")},
                    **{(kind, "public_id"): drawn for kind in ("l", "lotteries")},
                    **{(kind, "public_id"): poll["id"] for kind in ("p", "polls")},
                    **{(kind, "public_id"): night["id"] for kind in ("n", "nights")},
                }
                urls = every_get_url(pg_app, ids)
                named = {
                    "/",
                    "/nights",
                    f"/n/{night['id']}",
                    f"/films/{film['id']}",
                    f"/m/{member['id']}",
                    "/me",
                    "/notifications",
                    f"/p/{poll['id']}",
                    f"/admin/films/{film['id']}/edit",
                    "/health",
                    "/ready",
                    f"/calendar/{feed}.ics",
                }
                assert named <= set(urls), named - set(urls)
                for who, session in (("admin", admin), ("visitor", visitor)):
                    for path in urls:
                        response = session.get(url + path, timeout=10, allow_redirects=False)
                        assert response.status_code < 500, (who, path, response.status_code)
                    assert hole.accepted == 0, f"{who}: a page asked qBittorrent"
                assert "Test+Film" in admin.get(f"{url}/admin/films/{film['id']}/edit", timeout=10).text
                assert admin.get(url + "/me", timeout=10).status_code == 200
            assert hole.accepted == 0  # start-up, /health, /ready and pages never connected

            with ThreadPoolExecutor(max_workers=4) as pool:
                status = pool.submit(requests.get, server.url + "/api/torrents", headers=AUTH, timeout=30)
                assert wait_until(lambda: hole.accepted == 1, 10)
                # That fetch is now held in the blackhole until its read timeout.
                answered = list(
                    pool.map(
                        lambda p: requests.get(server.url + p, timeout=10).status_code, ("/health", "/", "/library")
                    )
                )
                assert answered == [200, 200, 200] and not status.done(), "a page waited for qBittorrent"
                assert status.result().json()["qbittorrent"] != "ok"
            assert requests.get(server.url + "/ready", timeout=5).json()["checks"]["qbittorrent"] == "degraded"
            assert "WORKER TIMEOUT" not in server.log()
        finally:
            server.stop()


def test_the_worker_announces_a_finished_download(qbit, postgres_url, pg_app, tmp_path):
    from .fakes.telegram_api import FakeTelegram
    from .workers import FIXED_CHAT, TOKEN, WorkerProcess, worker_env

    data, info_hash = make_completed_torrent(qbit.save_path, name="worker-film.mkv")
    qbit_env = {
        "QBIT_HOST": qbit.host,
        "QBIT_PORT": str(qbit.port),
        "QBIT_USERNAME": qbit.username,
        "QBIT_PASSWORD": qbit.password,
        "QBIT_CATEGORY": "ml_worker",
        "NOTIFIER_DOWNLOAD_CHECK_SECONDS": "0.5",
    }
    client = build_app(postgres_url, **qbit_env).test_client()
    film_id = add_film(client, "Фильм для воркера")
    client.put(f"/api/library/{film_id}/torrent", data={"torrent": (io.BytesIO(data), "f.torrent")}, headers=AUTH)
    assert client.post(f"/api/library/{film_id}/download", headers=AUTH).status_code == 202
    with FakeTelegram(token=TOKEN) as fake:
        worker = WorkerProcess(worker_env(postgres_url, fake.url, **qbit_env), tmp_path / "worker.log")
        try:
            assert wait_until(lambda: fake.messages_for(FIXED_CHAT), 40), worker.log()
            assert "Фильм для воркера" in fake.messages_for(FIXED_CHAT)[0]["text"]
        finally:
            worker.close()
