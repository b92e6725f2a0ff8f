"""From Settings to Flask's and the extensions' configuration, and the database connection options
(shared by the web app, the page cache's listener and the notifier's lock connection)."""

from __future__ import annotations

import json
import logging
import os
import secrets
from typing import Any

from .settings import Settings

log = logging.getLogger(__name__)


def flask_config(settings: Settings, instance_path: str) -> dict[str, Any]:
    """Translate Settings into Flask / extension configuration keys."""
    if settings.secret_key is None:
        log.warning("SECRET_KEY is not set: using a random per-process key (sessions end on restart)")
        secret_key = secrets.token_hex(32)
    else:
        secret_key = settings.secret_key.get_secret_value()
    database_url = settings.database_url or "sqlite:///" + os.path.join(instance_path, "movie_lottery.db")
    return {
        "SETTINGS": settings,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, settings),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        "PREFERRED_URL_SCHEME": "https" if settings.is_production else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        **ratelimit_config(settings),
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": settings.site_timezone,  # format_datetime in messages sent out
    }


def ratelimit_config(settings: Settings) -> dict[str, Any]:
    """Limits live in Redis when there is one; if it fails, each process counts in memory
    (Flask-Limiter logs the switch once and checks Redis again with a growing back-off)."""
    config: dict[str, Any] = {
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if settings.redis_url is not None:
        from ..clients.shared_state import redis_options

        config.update(
            RATELIMIT_STORAGE_URI=settings.redis_url,
            RATELIMIT_STORAGE_OPTIONS={**redis_options(), "key_prefix": "movie_lottery:limits"},
            RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
            RATELIMIT_SWALLOW_ERRORS=True,
        )
    return config


def _json_dumps(value: Any) -> str:
    # UTF-8 text rather than \u escapes, so JSON columns can be matched with LIKE.
    return json.dumps(value, ensure_ascii=False)


def engine_options(database_url: str, settings: Settings) -> dict[str, Any]:
    """Pool and timeout options: a dead or blackholed database fails fast instead of hanging."""
    if database_url.startswith("sqlite"):
        # busy timeout in seconds: writers wait this long for the file lock, then fail.
        return {"json_serializer": _json_dumps, "connect_args": {"timeout": settings.db_connect_timeout}}
    return {
        "json_serializer": _json_dumps,
        "pool_pre_ping": True,
        "pool_recycle": 300,
        "pool_size": 5,
        "max_overflow": 5,
        "pool_timeout": settings.db_connect_timeout,
        "connect_args": postgres_connect_args(settings),
    }


def libpq_conninfo(engine_url) -> str:
    """A SQLAlchemy URL as a plain libpq URL for psycopg.connect (driver suffix dropped)."""
    return engine_url.set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_connect_args(settings: Settings) -> dict[str, Any]:
    """libpq parameters shared by the web app and the notifier's lock connection."""
    return {
        # psycopg applies connect_timeout to the whole handshake, so a port
        # that accepts and never answers fails after this many seconds.
        "connect_timeout": settings.db_connect_timeout,
        "options": (
            f"-c statement_timeout={settings.db_statement_timeout_ms}"
            f" -c lock_timeout={settings.db_statement_timeout_ms}"
            " -c idle_in_transaction_session_timeout=60000"
        ),
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        # An established connection whose peer vanished errors after this long.
        "tcp_user_timeout": settings.db_connect_timeout * 1000,
        "application_name": "movie_lottery",
    }
