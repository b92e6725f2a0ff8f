"""Settings from environment variables (settings.py: validated once at start-up, grouped by
integration; environ.py reads them) and what Flask, the extensions and the database connections make of them (flask.py)."""

from .environ import ENV_ALIASES, ConfigError, load_settings
from .flask import engine_options, flask_config, libpq_conninfo, postgres_connect_args, ratelimit_config
from .settings import (
    LOG_LEVELS,
    POSTGRES_DRIVER,
    AppSettings,
    BackupSettings,
    DatabaseSettings,
    KinopoiskSettings,
    PushSettings,
    QbittorrentSettings,
    RedisSettings,
    Settings,
    TelegramSettings,
    normalise_database_url,
)

__all__ = [
    "ENV_ALIASES",
    "LOG_LEVELS",
    "POSTGRES_DRIVER",
    "AppSettings",
    "BackupSettings",
    "ConfigError",
    "DatabaseSettings",
    "KinopoiskSettings",
    "PushSettings",
    "QbittorrentSettings",
    "RedisSettings",
    "Settings",
    "TelegramSettings",
    "engine_options",
    "flask_config",
    "libpq_conninfo",
    "load_settings",
    "normalise_database_url",
    "postgres_connect_args",
    "ratelimit_config",
]
