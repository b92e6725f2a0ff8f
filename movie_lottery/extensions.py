"""Flask extensions, created unbound and attached in create_app() via init_app()."""

from flask import request
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations stay portable between SQLite and Postgres.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SUPPORTED_LOCALES = ("ru", "en")


def select_locale(req=None) -> str:
    """?lang= wins, then the lang cookie, then the browser's Accept-Language, then Russian.
    The API speaks the language of the request alone: its cookie is not asked. ``req``: a
    request other than Flask's current one (the page cache's fast path, which remembers the
    answer by these inputs: the query, the cookies, Accept-Language, the path's /api/ prefix)."""
    req = request if req is None else req
    cookie = None if req.path.startswith("/api/") else req.cookies.get("lang")
    for candidate in (req.args.get("lang"), cookie):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return req.accept_languages.best_match(SUPPORTED_LOCALES, default=SUPPORTED_LOCALES[0])


db = SQLAlchemy(model_class=Base)
babel = Babel()


def __getattr__(name: str):
    """``csrf`` and ``limiter``, the web's own extensions, made on first import: the notifier
    (create_worker_app) never loads Flask-WTF or Flask-Limiter (tests/test_lean_imports.py)."""
    if name == "csrf":
        from flask_wtf.csrf import CSRFProtect

        value = CSRFProtect()
    elif name == "limiter":
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        value = Limiter(key_func=get_remote_address, default_limits=[])
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
