"""Bringing the schema up to date: migrations are the only way tables are made."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import inspect, text

from .extensions import db

# Any constant works; it only has to differ from the notifier's lock key.
MIGRATION_LOCK_KEY = 0x6D6C_6D69_6772  # "mlmigr"
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def init_migrations(app: Flask) -> None:
    """Attach Flask-Migrate. Only processes that migrate call this, so the web workers
    never import alembic."""
    from flask_migrate import Migrate

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


def schema_revision(conn) -> str | None:
    """The database's alembic revision (None when it was never migrated)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def upgrade_database(app: Flask) -> tuple[str | None, str | None]:
    """`flask db upgrade`, serialised across instances by a Postgres advisory lock. Returns the
    schema revision before and after (the same when there was nothing to do)."""
    from flask_migrate import upgrade

    init_migrations(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return _upgrade(upgrade)
        with db.engine.connect() as conn:
            conn.execute(text("SET statement_timeout = 0"))  # waiting for another instance's migration is fine
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                return _upgrade(upgrade)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()


def _upgrade(upgrade) -> tuple[str | None, str | None]:
    with db.engine.connect() as conn:
        before = schema_revision(conn)
    upgrade()
    with db.engine.connect() as conn:
        return before, schema_revision(conn)
