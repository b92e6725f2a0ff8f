"""Reading Settings from the environment: each field from its variable (or its older alias),
and the first malformed value as one line naming the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from .settings import Settings


class ConfigError(RuntimeError):
    """A malformed setting; the message is one line naming the variable."""


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
