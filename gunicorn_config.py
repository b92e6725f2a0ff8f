"""gunicorn settings. gunicorn does NOT read this file by itself (it only looks for
gunicorn.conf.py): always start with `gunicorn -c gunicorn_config.py wsgi:app`.
tests/test_deploy.py checks that the settings below are really applied."""

import gc
import math
import os
from pathlib import Path

from gunicorn.workers.gthread import ThreadWorker

CONCURRENT_REQUESTS = 8  # per instance, when the worker count is derived: two workers of four threads


def _cgroup_dirs(mount: Path, path: str) -> list[Path]:
    """The process's cgroup under ``mount`` and its ancestors (each may limit it). In a container
    whose /proc shows the host's path, the mount itself is the container's own cgroup."""
    own = mount / path.lstrip("/")
    if not own.is_dir():
        return [mount]
    return [own, *[d for d in own.parents if d == mount or mount in d.parents]]


def _quota(directory: Path, v2: bool) -> float:
    try:
        if v2:
            quota, period = (directory / "cpu.max").read_text().split()
        else:
            quota, period = ((directory / f"cpu.cfs_{name}_us").read_text().strip() for name in ("quota", "period"))
    except (OSError, ValueError):
        return math.inf
    return math.inf if quota in ("max", "-1") else int(quota) / int(period)


def cpu_limit(root: Path | None = None, proc_cgroup: Path = Path("/proc/self/cgroup")) -> float:
    """The CPUs this process may use: the smallest CPU quota of its cgroup and their parents
    (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``/``cpu.cfs_period_us``), and at most the CPUs it
    may run on. ``root`` (``CGROUP_ROOT``, for tests) is where the cgroup file systems are mounted."""
    root = Path(root or os.environ.get("CGROUP_ROOT") or "/sys/fs/cgroup")
    limit = float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        lines = [line.split(":", 2) for line in proc_cgroup.read_text().splitlines()]
    except OSError:
        lines = []
    for _id, controllers, path in (line for line in lines if len(line) == 3):
        if not controllers and (root / "cgroup.controllers").exists():  # cgroup v2
            dirs, v2 = _cgroup_dirs(root, path), True
        elif "cpu" in controllers.split(","):  # cgroup v1: cpu (or cpu,cpuacct) mounted on its own
            mount = next((m for m in (root / controllers, root / "cpu") if m.is_dir()), None)
            if mount is None:
                continue
            dirs, v2 = _cgroup_dirs(mount, path), False
        else:
            continue
        limit = min([limit, *(_quota(d, v2) for d in dirs)])
    return limit


def sized_to_cpu(environ=os.environ, limit: float | None = None) -> tuple[int, int, str]:
    """(workers, threads, why): WEB_CONCURRENCY and GUNICORN_THREADS when set; else one worker per
    whole CPU the process may use (at least one: a 0.5-CPU instance runs one, with half the memory
    of two) and threads enough to keep CONCURRENT_REQUESTS in flight."""
    if environ.get("WEB_CONCURRENCY", "").strip():
        count, threads, why = int(environ["WEB_CONCURRENCY"]), 4, "WEB_CONCURRENCY"
    else:
        limit = cpu_limit() if limit is None else limit
        count = max(1, int(limit))
        threads, why = max(4, math.ceil(CONCURRENT_REQUESTS / count)), f"{limit:g} CPUs"
    if environ.get("GUNICORN_THREADS", "").strip():
        threads = int(environ["GUNICORN_THREADS"])
    return count, threads, why


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers, threads, _sized_by = sized_to_cpu()


class FairThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, except that it accepts a connection only while one of its
    threads is free. gthread accepts whatever arrives, busy or not (benoitc/gunicorn#3433), so a
    burst of keep-alive connections could all land on one worker, and stay there, while another
    idled: bench/run.py read the same cached page at half the rate of another in one run. Left
    in the listening socket's queue instead, a connection goes to the first worker that can
    serve it."""

    busy = 0  # requests handed to the thread pool and not finished

    def enqueue_req(self, conn):
        self.busy += 1
        if self.busy >= self.cfg.threads:
            self.set_accept_enabled(False)  # the run loop asks again after the next event
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.busy -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)


worker_class = FairThreadWorker
# No request may legitimately take this long: every external call has a timeout of a
# few seconds, so a worker this slow is stuck and is better restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycling a worker every N requests guards against slow leaks (0 switches it off). At 1000
# a loaded worker restarted every second and /health lost a third of its throughput
# (bench/RESULTS.md); 50 000 keeps the guard at a cost the benchmarks cannot see.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# X-Forwarded-Proto is believed only behind a proxy: in step with the app's ProxyFix
# (TRUSTED_PROXY_HOPS; Render: 1, whose proxy addresses are not fixed, hence "*").
forwarded_allow_ips = "*" if os.environ.get("TRUSTED_PROXY_HOPS", "0").strip() not in ("", "0") else ""
# The app factory does no I/O, so loading it once in the master is cheap and lets
# workers share memory; it also surfaces configuration errors before forking.
preload_app = True
# Loading the app creates ~190 000 long-lived objects and almost no garbage, yet the collector
# would walk them all several times on the way: ~15 % of the start's CPU (bench/RESULTS.md).
# It stays off until the first fork, where the loaded objects are frozen and it resumes.
gc.disable()


def is_site(app) -> bool:
    """The site, not one of bench/'s baseline apps served with this same file."""
    return getattr(app, "import_name", None) == "movie_lottery"


def on_starting(server):
    """Free-plan path: with MIGRATE_ON_START=1, migrate once in the master before workers start."""
    server.log.info(
        "gunicorn_config.py loaded: workers=%s threads=%s timeout=%s (workers from %s)",
        workers,
        threads,
        timeout,
        _sized_by,
    )
    if os.environ.get("MIGRATE_ON_START", "").lower() in ("1", "true", "yes"):
        from movie_lottery import create_app
        from movie_lottery.dbsetup import upgrade_database

        upgrade_database(create_app())


def when_ready(server):
    """Do once in the master what every worker would do on its first requests, so they share it."""
    app = server.app.wsgi()
    if is_site(app):
        from movie_lottery import warm_up

        warm_up(app)


def pre_fork(server, worker):
    """Move the preloaded app's objects out of the garbage collector's reach before forking:
    a collection in a worker would otherwise write to every object and un-share its page.
    Then collect again (switched off while loading), in the master and the workers alike."""
    gc.freeze()
    gc.enable()


def post_worker_init(worker):
    """Each worker listens for committed writes (a thread, started after forking): from then on
    it may serve pages from its cache (movie_lottery/page_cache)."""
    app = worker.app.wsgi()
    if is_site(app):
        from movie_lottery import page_cache

        page_cache.start(app)
