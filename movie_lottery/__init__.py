"""movie_lottery: friends' movie nights — build a lottery, draw a film, keep a library.

create_app() does no I/O: it reads settings and wires extensions. The database,
qBittorrent, Kinopoisk and Telegram are contacted only when a request needs them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import flask_config, load_settings
from .extensions import babel, db, select_locale
from .url_rules import LazyBuilderRule


def create_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """Build the web app from the environment; ``overrides`` (env var names) win over os.environ."""
    from .extensions import csrf, limiter

    app = create_worker_app(overrides)
    app.url_rule_class = LazyBuilderRule
    csrf.init_app(app)
    limiter.init_app(app)
    if not (limiter.limit_manager.default_limits or limiter.limit_manager.application_limits):
        # Every limit is a decorator on its route and checked there; with no app-wide limits the
        # limiter's before_request pass over every request (exempt ones too) finds nothing to do.
        app.before_request_funcs[None].remove(limiter._check_request_limit)

    from . import cli
    from .page_cache.fast import answer_hits_first
    from .web import health, register_web

    register_web(app)
    cli.register(app)
    app.wsgi_app = answer_hits_first(app, app.wsgi_app)  # type: ignore[method-assign]  # cache hits before Flask (after the proxy fix-up)
    settings = app.config["SETTINGS"]
    if settings.trusted_proxy_hops:
        # X-Forwarded-For/-Proto from that many proxies (Render: one); never -Host: links
        # leaving the site are built on SITE_URL.
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]  # Flask's documented way to wrap it
    app.wsgi_app = health.answer_health_first(app.wsgi_app)  # type: ignore[method-assign]  # outermost: /health skips all else
    return app


def create_worker_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """What the notifier needs, and the base of the web app: settings, the database, Babel, the
    integrations' clients, the outbox wired to domain events, and every committed write announced
    to the web processes' page caches. No blueprint, template, CSRF, rate limit or page cache."""
    app = Flask(__name__, instance_relative_config=True)
    environ = {**os.environ, **(overrides or {})}
    settings = load_settings(environ)
    configure_logging(settings.log_level)
    app.config.from_mapping(flask_config(settings, app.instance_path))
    if settings.database_url is None:
        os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from .page_cache import writes
    from .services.bot import messages  # noqa: F401  (connects the outbox to lotteries' and downloads' events)
    from .services.polls import telegram as poll_telegram  # noqa: F401  (connects the outbox to polls' events)
    from .services.ratings import telegram as rating_requests  # noqa: F401  (nights arm the rating request)
    from .services.push import deliveries  # noqa: F401  (connects Web Push to the outbox)

    writes.install()
    register_clients(app, settings)
    return app


def warm_up(app: Flask) -> None:
    """Compile every template and configure the ORM mappers now (local work, no I/O beyond
    reading templates). gunicorn's master calls this before forking, so the workers share
    the result instead of each building its own on its first requests."""
    from jinja2 import FileSystemBytecodeCache
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    # Compiled templates kept in the temp directory: a restart loads them instead of compiling.
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    for name in app.jinja_env.list_templates(extensions=("html",)):
        app.jinja_env.get_template(name)


def register_clients(app: Flask, settings) -> None:
    """One client per process for each configured integration. Constructors do no I/O."""
    shared = None
    if settings.redis_url is not None:
        from .clients.shared_state import SharedState

        shared = app.extensions["shared_state"] = SharedState(settings.redis_url)
    if settings.kinopoisk_enabled:
        from .clients.kinopoisk import KinopoiskClient

        app.extensions["kinopoisk"] = KinopoiskClient(
            settings.kinopoisk_api_key.get_secret_value(), settings.kinopoisk_api_url, shared=shared
        )
    if settings.qbittorrent_enabled:
        from .clients.qbittorrent import QbitClient

        app.extensions["qbittorrent"] = QbitClient(
            settings.qbit_host,
            settings.qbit_port,
            settings.qbit_username,
            settings.qbit_password.get_secret_value() if settings.qbit_password else None,
            category=settings.qbit_category,
            save_path=settings.qbit_save_path,
            shared=shared,
        )


def configure_logging(level: str) -> None:
    """One format for web and worker; gunicorn's own handlers are left alone. Alembic's INFO
    lines (its plugins, each migration run) only with LOG_LEVEL=DEBUG or a command's --verbose:
    `flask upgrade-db` and `flask import` say in one line what they did."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    show_migrations(level == "DEBUG")


def show_migrations(shown: bool) -> None:
    logging.getLogger("alembic").setLevel(logging.NOTSET if shown else logging.WARNING)
