import pytest

from movie_lottery.config import ConfigError, load_settings

from .helpers import build_app


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"QBIT_PORT": "abc"}, "QBIT_PORT"),
        ({"QBIT_PORT": "70000"}, "QBIT_PORT"),
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL: unsupported scheme 'mysql'"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SITE_URL": "example.org"}, "SITE_URL"),
        ({"TELEGRAM_CHAT_ID": "my chat"}, "TELEGRAM_CHAT_ID"),
        ({"BACKUP_TELEGRAM_CHAT_ID": "@admin"}, "BACKUP_TELEGRAM_CHAT_ID"),
        ({"TELEGRAM_UPLOAD_LIMIT_MB": "0"}, "TELEGRAM_UPLOAD_LIMIT_MB"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL: must start with redis://"),
        ({"REDIS_URL": "redis://"}, "REDIS_URL: has no host"),
        ({"REDIS_URL": "redis://cache:port"}, "REDIS_URL: has a malformed port"),
        ({"TRUSTED_PROXY_HOPS": "-1"}, "TRUSTED_PROXY_HOPS"),
        ({"TRUSTED_PROXY_HOPS": "one"}, "TRUSTED_PROXY_HOPS"),
        ({"APP_ENV": "production"}, "SECRET_KEY: required"),
        ({"FLASK_ENV": "production"}, "SECRET_KEY: required"),
    ],
)
def test_malformed_settings_fail_with_one_line_naming_the_variable(env, needle):
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example/app", "postgresql+psycopg://u:p@db.example/app"),
        ("postgresql://u:p@db.example/app", "postgresql+psycopg://u:p@db.example/app"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_are_normalised_to_the_installed_driver(given, expected):
    assert load_settings({"DATABASE_URL": given}).database_url == expected


def test_secrets_never_appear_in_repr_or_errors():
    env = {
        "SECRET_KEY": "s3cret-key-value",
        "ADMIN_PASSWORD": "adm1n-pass",
        "QBIT_PASSWORD": "qb1t-pass",
        "TELEGRAM_BOT_TOKEN": "123:tg-token",
        "KINOPOISK_API_KEY": "kp-key-xyz",
    }
    settings = load_settings(env)
    text = repr(settings) + str(settings)
    for secret in env.values():
        assert secret not in text
    assert settings.telegram_bot_token.get_secret_value() == "123:tg-token"


def test_optional_integrations_are_off_when_their_variables_are_empty():
    settings = load_settings({"QBIT_HOST": "  ", "TELEGRAM_BOT_TOKEN": "", "KINOPOISK_API_KEY": ""})
    assert not settings.qbittorrent_enabled
    assert not settings.telegram_enabled
    assert not settings.kinopoisk_enabled


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from movie_lottery import create_app

    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/movie_lottery.db")


def test_postgres_engine_has_timeouts(postgres_url):
    app = build_app(postgres_url)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["connect_timeout"] <= 10
    assert "statement_timeout=" in options["connect_args"]["options"]
    with app.app_context():
        from movie_lottery.extensions import db
        from sqlalchemy import text

        assert db.session.scalar(text("SHOW statement_timeout")) == "5s"


def test_redis_url_and_its_old_name():
    assert load_settings({}).redis_url is None
    assert load_settings({"REDIS_URL": "redis://red-abc:6379"}).redis_url == "redis://red-abc:6379"
    # RATELIMIT_STORAGE_URI (rate limits only) is still read; its old default means no Redis.
    assert load_settings({"RATELIMIT_STORAGE_URI": "redis://old:6379/1"}).redis_url == "redis://old:6379/1"
    assert load_settings({"RATELIMIT_STORAGE_URI": "memory://"}).redis_url is None
    assert load_settings({}).trusted_proxy_hops == 0
