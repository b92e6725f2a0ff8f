"""gunicorn settings. gunicorn does NOT read this file by itself (it only looks for
gunicorn.conf.py): always start with `gunicorn -c gunicorn_config.py wsgi:app`.
tests/test_deploy.py checks that the settings below are really applied."""
import gc
import os

from gunicorn.workers.gthread import ThreadWorker

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))


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
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
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
    server.log.info("gunicorn_config.py loaded: workers=%s threads=%s timeout=%s", workers, threads, timeout)
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
