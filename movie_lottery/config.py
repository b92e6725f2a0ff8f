"""Settings from environment variables, validated once at start-up.

Every optional integration (Kinopoisk, qBittorrent, Telegram) is switched off
when its variables are empty: nothing ever tries to connect to a service that
was not configured. Secrets are ``SecretStr`` so they never show up in logs,
error pages or ``repr()``.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# The psycopg 3 driver is the one installed (requirements.txt); Render hands
# out postgres:// URLs, which SQLAlchemy no longer accepts by that name.
POSTGRES_DRIVER = "postgresql+psycopg"


class ConfigError(RuntimeError):
    """A malformed setting; the message is one line naming the variable."""


def normalise_database_url(url: str) -> str:
    """Map postgres:// and postgresql:// to the psycopg 3 driver; reject unknown schemes."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("expected a URL such as postgresql://user:pass@host/db or sqlite:///path")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        url = f"{POSTGRES_DRIVER}://{rest}"
    elif scheme != "sqlite":
        raise ValueError(f"unsupported scheme '{scheme}' (use postgresql:// or sqlite://)")
    try:
        make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"cannot parse the URL ({exc.__class__.__name__})") from None
    return url


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


class Settings(BaseModel):
    """Typed view of the environment. Field names are the env var names, lower-cased."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    app_env: str = "development"
    database_url: str | None = None
    secret_key: SecretStr | None = None
    admin_password: SecretStr | None = None
    admin_api_token: SecretStr | None = None
    site_url: str | None = None

    kinopoisk_api_key: SecretStr | None = None
    kinopoisk_api_url: str = "https://api.kinopoisk.dev"

    qbit_host: str | None = None
    qbit_port: int | None = Field(default=None, ge=1, le=65535)
    qbit_username: str | None = None
    qbit_password: SecretStr | None = None
    qbit_category: str = "movie_lottery"
    qbit_save_path: str | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # The admin's chat with the bot: a gzipped backup every week and on /backup (from there only).
    backup_telegram_chat_id: str | None = None
    # The Bot API takes uploads up to 50 MB (a self-hosted Bot API server: up to 2000 MB).
    telegram_upload_limit_mb: float = Field(default=50, gt=0, le=2000)

    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int | None = Field(default=None, ge=1, le=64)  # gunicorn_config.py: unset = from the CPU quota
    log_level: str = "INFO"

    # Bounds on every database call: no query may hang a worker.
    db_connect_timeout: int = Field(default=5, ge=1, le=60)
    db_statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)

    # Optional Redis (Render's Key Value): rate limits, breakers and the torrent status
    # shared by every worker and instance. Without it each process keeps its own.
    redis_url: str | None = None
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (Render: 1).
    # 0 where clients reach gunicorn directly, or anyone could forge their address.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    # Closed polls are deleted this many days after they closed (flask purge-polls, the worker).
    poll_retention_days: int = Field(default=30, ge=1, le=3650)
    # The group's time zone (an IANA name): movie nights' dates in Telegram, link previews, .ics,
    # and the times in Telegram messages (pages show every time in the visitor's own zone).
    site_timezone: str = "Europe/Moscow"

    # Web Push (services/push/): both or neither; `flask vapid-keys` makes a pair.
    vapid_private_key: SecretStr | None = None
    vapid_subject: str | None = None  # mailto: or https: contact for the push services
    # The push services a subscription may name (exact host, or *.domain): the worker posts to
    # these only, so a made-up endpoint cannot point it at another host.
    push_endpoint_hosts: str = ("fcm.googleapis.com,updates.push.services.mozilla.com,*.push.services.mozilla.com,"
                                "web.push.apple.com,*.push.apple.com,*.notify.windows.com")

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("app_env")
    @classmethod
    def _env(cls, value: str | None) -> str:
        value = (value or "development").lower()
        if value not in ("production", "development", "testing"):
            raise ValueError("must be production, development or testing")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return None if value is None else normalise_database_url(value)

    @field_validator("site_url", "kinopoisk_api_url", "telegram_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or value.lower() == "memory://":
            return None  # memory:// was RATELIMIT_STORAGE_URI's default (now an alias): no Redis
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// or unix://")
        if parts.scheme.lower() != "unix" and not parts.hostname:
            raise ValueError("has no host (expected redis://host:6379)")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise ValueError("has a malformed port") from None
        return value

    @field_validator("site_timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str:
        value = value or "Europe/Moscow"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone name, e.g. Europe/Moscow") from None
        return value

    @field_validator("telegram_chat_id")
    @classmethod
    def _chat_id(cls, value: str | None) -> str | None:
        if value is None or value.lstrip("-").isdigit() or value.startswith("@"):
            return value
        raise ValueError("must be a numeric chat id (e.g. -1001234567890) or @channelname")

    @field_validator("vapid_private_key")
    @classmethod
    def _vapid_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from .clients.vapid_keys import private_key

            private_key(value.get_secret_value())  # ValueError names what is wrong
        return value

    @field_validator("vapid_subject")
    @classmethod
    def _vapid_subject(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("mailto:") and "@" in value:
            return value
        if value.lower().startswith("https://") and urlsplit(value).hostname:
            return value
        raise ValueError("must be a mailto: address or an https:// URL")

    @field_validator("push_endpoint_hosts")
    @classmethod
    def _push_hosts(cls, value: str | None) -> str:
        hosts = [host.strip().lower() for host in (value or "").split(",") if host.strip()]
        if not hosts or any(not re.fullmatch(r"(\*\.)?[a-z0-9.-]+", host) for host in hosts):
            raise ValueError("must be a comma-separated list of host names (a leading *. allows subdomains)")
        return ",".join(hosts)

    @field_validator("backup_telegram_chat_id")
    @classmethod
    def _backup_chat_id(cls, value: str | None) -> str | None:
        if value is None or value.lstrip("-").isdigit():
            return value
        raise ValueError("must be a numeric chat id (the admin's private chat with the bot, e.g. 123456789)")

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str | None) -> str:
        value = (value or "INFO").upper()
        if value not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def kinopoisk_enabled(self) -> bool:
        return self.kinopoisk_api_key is not None

    @property
    def qbittorrent_enabled(self) -> bool:
        return self.qbit_host is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def push_enabled(self) -> bool:
        return self.vapid_private_key is not None


ENV_ALIASES = {
    "app_env": ("APP_ENV", "FLASK_ENV"),
    # RATELIMIT_STORAGE_URI was the Redis URL for rate limits only; REDIS_URL now shares more.
    "redis_url": ("REDIS_URL", "RATELIMIT_STORAGE_URI"),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from an environment mapping; raise ConfigError on the first bad value."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for name in Settings.model_fields:
        for key in ENV_ALIASES.get(name, (name.upper(),)):
            if key in environ and str(environ[key]).strip():
                raw[name] = environ[key]
                break
    try:
        settings = Settings(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        message = err["msg"].removeprefix("Value error, ")
        field = Settings.model_fields.get(name.lower())
        secret = "secret" in str(err.get("type", "")) or (field is not None and "SecretStr" in str(field.annotation))
        shown = "***" if secret else err.get("input")
        raise ConfigError(f"{name}: {message} (got {shown!r})") from None
    if settings.is_production and settings.secret_key is None:
        raise ConfigError("SECRET_KEY: required when APP_ENV/FLASK_ENV is production")
    if (settings.vapid_private_key is None) != (settings.vapid_subject is None):
        raise ConfigError("VAPID_PRIVATE_KEY, VAPID_SUBJECT: set both (Web Push on) or neither (off)")
    return settings


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
        from .clients.shared_state import redis_options

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
