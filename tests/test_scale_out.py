"""Two instances of the site (real gunicorn, two workers each, as Render starts it) on one
Postgres database and one Redis, as Render runs a web service scaled out behind its load
balancer. What must hold across all four processes does; and with Redis gone both
instances keep serving, then share again once it is back."""

import time
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import requests
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Film, Lottery

from .conftest import migrated
from .fakes.tcp_proxy import blackhole
from .helpers import ADMIN_TOKEN, BASE_SETTINGS, LOGIN_LIMIT, build_app, csrf_token_from, empty_all_tables
from .redis_server import RedisServer
from .servers import Gunicorn
from .workers import WorkerProcess, worker_env

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MAGNET = "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=Test+Film"
WORKERS = 2  # per instance


class Cluster:
    def __init__(self, database_url, redis, hole, instances):
        self.database_url, self.redis, self.hole, self.instances = database_url, redis, hole, instances

    @property
    def urls(self) -> list[str]:
        return [instance.url for instance in self.instances]


@pytest.fixture(scope="module")
def cluster(make_postgres_database, tmp_path_factory):
    directory = tmp_path_factory.mktemp("scale_out")
    database_url = migrated(make_postgres_database())
    with RedisServer(directory) as redis, blackhole() as hole:
        env = {
            **BASE_SETTINGS,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "WEB_CONCURRENCY": str(WORKERS),
            "LOG_LEVEL": "INFO",
            "QBIT_HOST": "http://127.0.0.1",
            "QBIT_PORT": str(hole.port),
            "QBIT_USERNAME": "admin",
            "QBIT_PASSWORD": "secret",
        }
        instances = [Gunicorn(env, directory / f"gunicorn-{name}.log") for name in "ab"]
        try:
            for instance in instances:
                instance.wait_healthy(timeout=60)
            yield Cluster(database_url, redis, hole, instances)
        finally:
            for instance in instances:
                instance.stop()
            application = build_app(database_url)
            with application.app_context():
                empty_all_tables()
                db.engine.dispose()


def login_attempt(session: requests.Session, url: str) -> int:
    token = csrf_token_from(session.get(url + "/admin/login", timeout=10).text)
    return session.post(url + "/admin/login", data={"password": "wrong", "csrf_token": token}, timeout=10).status_code


def test_the_login_limit_counts_across_both_instances(cluster):
    cluster.redis.client().flushdb()
    with requests.Session() as session:
        urls = cycle(cluster.urls)
        codes = [login_attempt(session, next(urls)) for _ in range(LOGIN_LIMIT)]
        assert codes == [401] * LOGIN_LIMIT
        # Four processes, one limit: the next attempt is refused whichever instance gets it.
        assert [login_attempt(session, url) for url in cluster.urls] == [429, 429]


def test_a_breaker_opened_through_one_instance_makes_the_other_fail_fast(cluster):
    a, b = cluster.urls
    film = requests.post(a + "/api/library", json={"title": "Фильм для торрента"}, headers=AUTH, timeout=10).json()[
        "film"
    ]
    assert (
        requests.put(
            f"{a}/api/library/{film['id']}/magnet", json={"magnet": MAGNET}, headers=AUTH, timeout=10
        ).status_code
        == 200
    )
    send = f"/api/library/{film['id']}/download"
    slowest = 0.0
    for _ in range(3):  # fail_max: each costs the read timeout against the blackhole
        started = time.monotonic()
        response = requests.post(a + send, headers=AUTH, timeout=30)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 503
    accepted = cluster.hole.accepted
    timings = []
    for _ in range(4):  # both of B's workers, whichever the connections land on
        started = time.monotonic()
        response = requests.post(b + send, headers=AUTH, timeout=30)
        timings.append(time.monotonic() - started)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "qbittorrent_unavailable"
    assert cluster.hole.accepted == accepted  # B never tried qBittorrent
    print(
        f"send through A against the blackhole: {slowest:.2f}s; through B once open: {timings} "
        f"{max(timings) * 1000:.0f} ms (ratio {slowest / max(timings):.0f}x)"
    )  # the count above is the proof
    ready = requests.get(b + "/ready", timeout=10).json()
    assert ready["checks"]["qbittorrent"] == "degraded"


def draw_concurrently(urls: list[str], lottery_id: str, n: int = 100) -> list[requests.Response]:
    with requests.Session() as session, ThreadPoolExecutor(max_workers=n) as pool:
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=n))
        targets = [f"{url}/api/lotteries/{lottery_id}/draw" for url, _ in zip(cycle(urls), range(n))]
        return list(pool.map(lambda target: session.post(target, timeout=30), targets))


def test_one_hundred_concurrent_draws_split_across_instances_make_one_winner(cluster):
    body = {"entries": [{"title": f"Scale film {i}", "kinopoisk_id": 7000 + i} for i in range(10)]}
    created = requests.post(cluster.urls[0] + "/api/lotteries", json=body, timeout=10).json()
    responses = draw_concurrently(cluster.urls, created["id"])
    assert {r.status_code for r in responses} == {200}
    winners = {r.json()["winner"]["position"] for r in responses}
    assert len(winners) == 1
    application = build_app(cluster.database_url)
    with application.app_context():
        lottery = db.session.scalar(select(Lottery).where(Lottery.public_id == created["id"]))
        assert lottery.winner_position == winners.pop()
        assert db.session.scalar(select(func.count()).select_from(Film).where(Film.title.like("Scale film%"))) == 1
        db.engine.dispose()


def test_the_notifier_stays_single(cluster, tmp_path):
    env = worker_env(cluster.database_url, None, REDIS_URL=cluster.redis.url)
    workers = [WorkerProcess(env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(w.leading for w in workers):
            time.sleep(0.1)
        leaders = [w for w in workers if w.leading]
        assert len(leaders) == 1, "".join(w.log() for w in workers)
        standby = next(w for w in workers if w is not leaders[0])
        standby.wait_for_log("standing by")
        assert not standby.leading
    finally:
        for worker in workers:
            worker.close()


def test_redis_stopped_mid_run_both_instances_serve_and_recover(cluster):
    redis = cluster.redis
    redis.stop()
    try:
        for url in cluster.urls:
            assert requests.get(url + "/", timeout=10).status_code == 200
            assert requests.get(url + "/library", timeout=10).status_code == 200
            created = requests.post(
                url + "/api/lotteries", json={"entries": [{"title": "x"}, {"title": "y"}]}, timeout=10
            )
            assert created.status_code == 201
            draw = requests.post(f"{url}/api/lotteries/{created.json()['id']}/draw", timeout=10)
            assert draw.status_code == 200 and draw.json()["winner"] is not None
            # Limits still apply, counted in each process's memory: whichever of the instance's
            # workers answers, the attempts past LOGIN_LIMIT in one of them are refused.
            with requests.Session() as session:
                codes = []
                while 429 not in codes and len(codes) <= WORKERS * LOGIN_LIMIT:
                    codes.append(login_attempt(session, url))
            assert codes[-1] == 429 and set(codes[:-1]) == {401}, codes
    finally:
        redis.start()

    # Redis came back empty: the instances start sharing again (the limiter re-checks it with
    # a growing back-off of at most half a minute, the breakers after two seconds). Every process
    # that fell back must be back on Redis before the next test: its memory counts are not shared.
    def every_process_is_back() -> bool:
        logs = [instance.log() for instance in cluster.instances]
        return all(
            log.count("Rate limit storage recovered") >= log.count("Rate limit storage unreachable") for log in logs
        )

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not every_process_is_back():
        for url in cluster.urls:
            with requests.Session() as session:  # a new connection: any of the instance's workers may take it
                login_attempt(session, url)
        time.sleep(0.5)
    assert every_process_is_back()
    assert redis.client().keys("movie_lottery:limits*")
    for instance in cluster.instances:
        log = instance.log()
        assert "Traceback" not in log
        # Logged once per worker process for the outage, not once per request.
        assert 1 <= log.count("Rate limit storage unreachable") <= WORKERS
        assert log.count("Redis is unavailable") <= WORKERS


def cached_lottery_page(session: requests.Session, url: str) -> requests.Response:
    response = session.get(url, timeout=10)
    assert response.status_code == 200
    return response


def test_a_draw_through_one_instance_shows_on_every_cached_page_of_both(cluster):
    """Both instances serve the lottery page from their caches; a draw taken by instance B is
    on the writer's next view on instance A at once, and on anyone's within the NOTIFY's trip."""
    body = {"entries": [{"title": "Сталкер"}, {"title": "Солярис"}]}
    public_id = requests.post(cluster.urls[0] + "/api/lotteries", json=body, timeout=10).json()["id"]
    pages = [f"{url}/l/{public_id}" for url in cluster.urls]
    bystander, writer = requests.Session(), requests.Session()
    for page in pages:  # until every instance answers from its cache (new connections reach both workers)
        deadline = time.monotonic() + 20
        while cached_lottery_page(requests.Session(), page).headers.get("X-Page-Cache") != "hit":
            assert time.monotonic() < deadline, "the page cache never served " + page
        assert 'id="draw-form"' in cached_lottery_page(bystander, page).text
    token = csrf_token_from(cached_lottery_page(writer, pages[1]).text)
    assert (
        writer.post(pages[1] + "/draw", data={"csrf_token": token}, allow_redirects=False, timeout=10).status_code
        == 302
    )
    assert writer.cookies.get("fresh_after")
    for page in pages * 3:
        assert 'id="draw-form"' not in cached_lottery_page(writer, page).text  # the writer: at once, anywhere
    started = time.monotonic()
    for page in pages:
        while 'id="draw-form"' in cached_lottery_page(requests.Session(), page).text:
            assert time.monotonic() - started < 2, "a stale page outlived the write's announcement"
    for page in pages * 4:  # and never an older page again, on any worker
        assert 'id="draw-form"' not in cached_lottery_page(requests.Session(), page).text
