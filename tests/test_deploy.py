"""Seed 002: gunicorn silently ran without gunicorn_config.py (30 s timeout, 1 sync worker).
Here the start command in render.yaml and the README passes -c, and these tests prove
gunicorn really applies the file."""

import gc
import os
import re
import runpy
import subprocess
import time
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Film, Lottery

from .helpers import BASE_SETTINGS
from .servers import ROOT, Gunicorn, render_command, running_gunicorn

START = "gunicorn -c gunicorn_config.py wsgi:app"


def test_render_and_readme_start_gunicorn_with_the_config_file():
    assert render_command("web") == START
    assert START in (ROOT / "README.md").read_text()
    render = (ROOT / "render.yaml").read_text()
    assert "healthCheckPath: /health" in render
    pre_deploy = render_command("web", "preDeployCommand")
    assert "&&" not in pre_deploy and ";" not in pre_deploy  # Render runs it without a shell


def gunicorn_settings(**env: str) -> dict[str, str]:
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn_config.py", "--print-config", "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return dict(re.findall(r"^(\w+)\s+= (.*)$", printed, re.M))


def test_gunicorn_believes_forwarded_headers_only_behind_a_proxy():
    assert gunicorn_settings()["forwarded_allow_ips"] == "[]"
    assert gunicorn_settings(TRUSTED_PROXY_HOPS="1")["forwarded_allow_ips"] == "['*']"


def test_gunicorn_applies_gunicorn_config_py():
    settings = gunicorn_settings(PORT="12345", WEB_CONCURRENCY="3")
    assert settings["bind"] == "['0.0.0.0:12345']"
    assert settings["workers"] == "3"
    assert "FairThreadWorker" in settings["worker_class"]  # gthread, accepting only with a free thread
    assert settings["threads"] == "4"
    assert settings["graceful_timeout"] == "20"
    assert settings["max_requests"] == "50000" and settings["max_requests_jitter"] == "5000"
    assert settings["accesslog"] == "-"


def test_gunicorn_max_requests_zero_turns_recycling_off():
    # gunicorn recycles a worker only when max_requests > 0; the jitter must not bring it back.
    settings = gunicorn_settings(GUNICORN_MAX_REQUESTS="0")
    assert settings["max_requests"] == "0" and settings["max_requests_jitter"] == "0"
    assert gunicorn_settings(GUNICORN_MAX_REQUESTS="1000")["max_requests"] == "1000"


@pytest.fixture
def live_server(postgres_url, pg_app, tmp_path):  # pg_app empties the tables afterwards
    env = {**BASE_SETTINGS, "DATABASE_URL": postgres_url, "WEB_CONCURRENCY": "2", "LOG_LEVEL": "INFO"}
    with running_gunicorn(env, tmp_path / "gunicorn.log") as server:
        yield server


@pytest.mark.slow
@pytest.mark.slow
def test_the_app_loads_without_collections_and_workers_collect_outside_its_frozen_objects(tmp_path):
    """gunicorn_config.py switches the collector off while the master loads the app (its cost at
    start, bench/RESULTS.md) and on again in the workers, with the loaded objects frozen."""
    server = Gunicorn({"WEB_CONCURRENCY": "1"}, tmp_path / "gunicorn.log", app="tests.gc_probe_app:app")
    try:
        server.wait_healthy()
        state = requests.get(server.url + "/", timeout=10).json()
    finally:
        server.stop()
    assert state["enabled_while_loading"] is False
    assert state["enabled"] is True
    assert state["frozen"] > 10_000


def test_real_gunicorn_loads_the_config_and_serves(live_server):
    log = live_server.log()
    assert "gunicorn_config.py loaded: workers=2 threads=4" in log
    assert "Using worker: FairThreadWorker" in log
    assert requests.get(live_server.url + "/", timeout=5).status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["single", "eliminate"])
def test_one_hundred_concurrent_draws_make_one_winner(live_server, pg_app, mode):
    body = {"mode": mode, "entries": [{"title": f"Film {i}", "kinopoisk_id": 900 + i} for i in range(10)]}
    created = requests.post(live_server.url + "/api/lotteries", json=body, timeout=10).json()
    url = f"{live_server.url}/api/lotteries/{created['id']}/draw"
    with requests.Session() as session, ThreadPoolExecutor(max_workers=100) as pool:
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=100))
        responses = list(pool.map(lambda _: session.post(url, timeout=30), range(100)))
    assert {r.status_code for r in responses} == {200}
    bodies = [r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["winner"] is not None
    assert len(bodies[0]["eliminated"]) == (9 if mode == "eliminate" else 0)
    with pg_app.app_context():
        lottery = db.session.scalar(select(Lottery))
        assert lottery.winner_position == bodies[0]["winner"]["position"]
        assert db.session.scalar(select(func.count()).select_from(Film)) == 1
    assert "WORKER TIMEOUT" not in live_server.log()


@pytest.mark.slow
def test_free_plan_path_migrates_at_start(make_postgres_database, tmp_path):
    """Render's free plan has no pre-deploy command: MIGRATE_ON_START=1 makes gunicorn's
    master migrate an empty database before the workers start."""
    url = make_postgres_database()
    env = {**BASE_SETTINGS, "DATABASE_URL": url, "WEB_CONCURRENCY": "1", "MIGRATE_ON_START": "1"}
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        server.wait_healthy(timeout=60)
        ready = requests.get(server.url + "/ready", timeout=10).json()
        assert ready["checks"]["database"] == "ok", server.log()
        assert (
            requests.post(
                server.url + "/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}, timeout=10
            ).status_code
            == 201
        )
    finally:
        server.stop()


@pytest.mark.slow
def test_a_worker_with_every_thread_busy_leaves_new_connections_to_a_free_worker(tmp_path):
    """gthread's workers accepted every connection they could, busy or not (benoitc/gunicorn#3433):
    a burst of keep-alive connections (wrk's, a proxy's, thirty friends') could all land on one
    worker while the other idled, and stay there — bench/run.py read the same cached page at
    half the rate of another in the same run. A worker whose threads are all busy must leave a
    new connection to a worker with a free thread."""
    env = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "1", "LOG_LEVEL": "WARNING"}
    server = Gunicorn(env, tmp_path / "gunicorn.log", app="tests.accept_probe_app:app")
    holding = ThreadPoolExecutor(max_workers=1)
    try:
        server.wait_healthy()
        held = holding.submit(requests.get, f"{server.url}/hold", params={"dir": str(tmp_path)}, timeout=30)
        deadline = time.monotonic() + 10
        while not list(tmp_path.glob("held-*")):  # the one thread of one worker is now busy
            assert time.monotonic() < deadline and not held.done(), server.log()
            time.sleep(0.01)
        busy = int(next(tmp_path.glob("held-*")).name.split("-")[1])
        served_by = set()
        for _ in range(20):  # each a new connection; none may wait for the busy worker
            served_by.add(int(requests.get(server.url + "/", headers={"Connection": "close"}, timeout=3).text))
        assert busy not in served_by
    finally:
        (tmp_path / "release").touch()
        holding.shutdown(wait=True)
        server.stop()


@pytest.fixture(scope="module")
def config():
    """gunicorn_config.py's functions (loading it switches the collector off, as gunicorn wants)."""
    enabled = gc.isenabled()
    try:
        return runpy.run_path(str(ROOT / "gunicorn_config.py"))
    finally:
        if enabled:
            gc.enable()


def cgroup_v2(root, quotas: dict[str, str], own: str = "/"):
    """A cgroup v2 tree under ``root``: cpu.max per cgroup path; /proc/self/cgroup names ``own``."""
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    for path, quota in quotas.items():
        (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/") / "cpu.max").write_text(quota + "\n")
    proc = root / "proc-self-cgroup"
    proc.write_text(f"0::{own}\n")
    return proc


def cgroup_v1(root, quota: int, own: str, mounted_as: str = "cpu,cpuacct", at: str | None = None):
    directory = root / mounted_as / (own if at is None else at).lstrip("/")
    directory.mkdir(parents=True)
    (directory / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (directory / "cpu.cfs_period_us").write_text("100000\n")
    proc = root / "proc-self-cgroup"
    proc.write_text(f"5:memory:/x\n4:{mounted_as}:{own}\n0::/\n")
    return proc


CPUS = len(os.sched_getaffinity(0))


def test_the_cpu_limit_is_read_from_cgroup_v2_and_v1_and_bounded_by_the_cpus_it_may_run_on(config, tmp_path):
    cpu_limit = config["cpu_limit"]
    v2 = tmp_path / "v2"
    v2.mkdir()
    assert cpu_limit(v2, cgroup_v2(v2, {"/": "max 100000", "/app": "50000 100000"}, own="/app")) == 0.5
    # a parent's quota limits its children; "max" is no limit
    assert cpu_limit(v2, cgroup_v2(v2, {"/app": "25000 100000", "/app/web": "max 100000"}, own="/app/web")) == 0.25
    assert cpu_limit(v2, cgroup_v2(v2, {"/big": "800000 100000"}, own="/big")) == CPUS
    for name, (quota, own, at) in {
        "host": (150000, "/docker/abc", None),
        "container": (50000, "/docker/abc", "/"),
        "none": (-1, "/", None),
    }.items():
        root = tmp_path / name
        root.mkdir()
        expected = quota / 100000 if quota > 0 else CPUS
        assert cpu_limit(root, cgroup_v1(root, quota, own, at=at)) == expected, name
    plain = tmp_path / "plain"
    plain.mkdir()
    assert cpu_limit(plain, plain / "missing") == CPUS


def test_workers_follow_the_cpu_limit_unless_web_concurrency_is_set(config):
    sized = config["sized_to_cpu"]
    assert sized({}, limit=0.1)[:2] == (1, 8)
    assert sized({}, limit=0.5)[:2] == (1, 8)  # one worker on a 0.5-CPU instance, the threads of two
    assert sized({}, limit=1.5)[:2] == (1, 8)  # at most one per CPU
    assert sized({}, limit=2)[:2] == (2, 4)
    assert sized({}, limit=6)[:2] == (6, 4)
    assert sized({"WEB_CONCURRENCY": "3"}, limit=0.5)[:2] == (3, 4)
    assert sized({"GUNICORN_THREADS": "2"}, limit=0.5)[:2] == (1, 2)
    assert sized({"WEB_CONCURRENCY": " "}, limit=2)[:2] == (2, 4)  # empty means unset


@pytest.mark.slow
def test_real_gunicorn_runs_one_worker_on_half_a_cpu(tmp_path, monkeypatch):
    root = tmp_path / "cgroup"
    root.mkdir()
    cgroup_v2(root, {"/": "50000 100000"})
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)  # (gunicorn itself refuses it empty)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    env = {"CGROUP_ROOT": str(root), "LOG_LEVEL": "INFO"}
    assert gunicorn_settings(**env)["workers"] == "1" and gunicorn_settings(**env)["threads"] == "8"
    server = Gunicorn(env, tmp_path / "gunicorn.log", app="tests.accept_probe_app:app")
    try:
        server.wait_healthy()
        assert "workers=1 threads=8" in server.log() and "(workers from 0.5 CPUs)" in server.log()
        assert len(Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()) == 1
    finally:
        server.stop()
