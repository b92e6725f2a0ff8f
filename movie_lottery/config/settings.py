"""Settings from environment variables, validated once at start-up, grouped by integration.

Every optional integration (Kinopoisk, qBittorrent, Telegram, Web Push) is switched off
when its variables are empty: nothing ever tries to connect to a service that
was not configured. Secrets are ``SecretStr`` so they never show up in logs,
error pages or ``repr()``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# The psycopg 3 driver is the one installed (requirements.txt); Render hands
# out postgres:// URLs, which SQLAlchemy no longer accepts by that name.
POSTGRES_DRIVER = "postgresql+psycopg"


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


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


class _Group(BaseModel):
    """Each group is a part of Settings; every value is trimmed and a blank one is unset."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return _blank_to_none(value)


class AppSettings(_Group):
    """The site itself: environment, secrets of the admin, its address, the web server and its time zone."""

    app_env: str = "development"
    secret_key: SecretStr | None = None
    admin_password: SecretStr | None = None
    admin_api_token: SecretStr | None = None
    site_url: str | None = None
    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int | None = Field(default=None, ge=1, le=64)  # gunicorn_config.py: unset = from the CPU quota
    log_level: str = "INFO"
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (Render: 1).
    # 0 where clients reach gunicorn directly, or anyone could forge their address.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    # Closed polls are deleted this many days after they closed (flask purge-polls, the worker).
    poll_retention_days: int = Field(default=30, ge=1, le=3650)
    # The group's time zone (an IANA name): movie nights' dates in Telegram, link previews, .ics,
    # and the times in Telegram messages (pages show every time in the visitor's own zone).
    site_timezone: str = "Europe/Moscow"

    @field_validator("app_env")
    @classmethod
    def _env(cls, value: str | None) -> str:
        value = (value or "development").lower()
        if value not in ("production", "development", "testing"):
            raise ValueError("must be production, development or testing")
        return value

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("site_timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str:
        value = value or "Europe/Moscow"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone name, e.g. Europe/Moscow") from None
        return value

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


class DatabaseSettings(_Group):
    """The database: its URL (SQLite by default) and the bounds on every call."""

    database_url: str | None = None
    # Bounds on every database call: no query may hang a worker.
    db_connect_timeout: int = Field(default=5, ge=1, le=60)
    db_statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return None if value is None else normalise_database_url(value)


class RedisSettings(_Group):
    """Optional Redis: rate limits, breakers and the torrent status shared by every worker."""

    # Optional Redis (Render's Key Value): rate limits, breakers and the torrent status
    # shared by every worker and instance. Without it each process keeps its own.
    redis_url: str | None = None

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


class KinopoiskSettings(_Group):
    """Kinopoisk (film search and details): off without KINOPOISK_API_KEY."""

    kinopoisk_api_key: SecretStr | None = None
    kinopoisk_api_url: str = "https://api.kinopoisk.dev"

    @field_validator("kinopoisk_api_url")
    @classmethod
    def _kinopoisk_api_url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @property
    def kinopoisk_enabled(self) -> bool:
        return self.kinopoisk_api_key is not None


class QbittorrentSettings(_Group):
    """qBittorrent (the admin's downloads): off without QBIT_HOST."""

    qbit_host: str | None = None
    qbit_port: int | None = Field(default=None, ge=1, le=65535)
    qbit_username: str | None = None
    qbit_password: SecretStr | None = None
    qbit_category: str = "movie_lottery"
    qbit_save_path: str | None = None

    @property
    def qbittorrent_enabled(self) -> bool:
        return self.qbit_host is not None


class TelegramSettings(_Group):
    """The Telegram bot: off without TELEGRAM_BOT_TOKEN."""

    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # The Bot API takes uploads up to 50 MB (a self-hosted Bot API server: up to 2000 MB).
    telegram_upload_limit_mb: float = Field(default=50, gt=0, le=2000)

    @field_validator("telegram_api_url")
    @classmethod
    def _telegram_api_url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("telegram_chat_id")
    @classmethod
    def _chat_id(cls, value: str | None) -> str | None:
        if value is None or value.lstrip("-").isdigit() or value.startswith("@"):
            return value
        raise ValueError("must be a numeric chat id (e.g. -1001234567890) or @channelname")

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None


class BackupSettings(_Group):
    """Backups: the weekly copy to the admin's chat with the bot."""

    # The admin's chat with the bot: a gzipped backup every week and on /backup (from there only).
    backup_telegram_chat_id: str | None = None

    @field_validator("backup_telegram_chat_id")
    @classmethod
    def _backup_chat_id(cls, value: str | None) -> str | None:
        if value is None or value.lstrip("-").isdigit():
            return value
        raise ValueError("must be a numeric chat id (the admin's private chat with the bot, e.g. 123456789)")


class PushSettings(_Group):
    """Web Push (services/push/): off without VAPID_PRIVATE_KEY and VAPID_SUBJECT."""

    # Web Push (services/push/): both or neither; `flask vapid-keys` makes a pair.
    vapid_private_key: SecretStr | None = None
    vapid_subject: str | None = None  # mailto: or https: contact for the push services
    # The push services a subscription may name (exact host, or *.domain; port 443 unless an
    # entry says host:port): the worker posts to these only, so a made-up endpoint cannot
    # point it at another host.
    push_endpoint_hosts: str = (
        "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.services.mozilla.com,"
        "web.push.apple.com,*.push.apple.com,*.notify.windows.com"
    )
    # The most one push may take, connection to answer: a push service that trickles its
    # answer is cut off then and retried later (clients/webpush.py).
    push_deadline_seconds: float = Field(default=15.0, ge=1, le=120)

    @field_validator("vapid_private_key")
    @classmethod
    def _vapid_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from ..clients.vapid_keys import private_key

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
        if not hosts or any(not re.fullmatch(r"(\*\.)?[a-z0-9.-]+(:[1-9][0-9]{0,4})?", host) for host in hosts):
            raise ValueError(
                "must be a comma-separated list of host names (a leading *. allows subdomains; "
                "port 443 unless one is given as host:port)"
            )
        return ",".join(hosts)

    @property
    def push_enabled(self) -> bool:
        return self.vapid_private_key is not None


class Settings(
    AppSettings,
    DatabaseSettings,
    RedisSettings,
    KinopoiskSettings,
    QbittorrentSettings,
    TelegramSettings,
    BackupSettings,
    PushSettings,
):
    """Typed view of the environment. Field names are the env var names, lower-cased; the groups
    above only organise them by integration: every value is read as settings.<name>."""
