"""Bringing the schema up to date: migrations are the only way tables are made."""
from __future__ import annotations

import logging
import os

from flask import Flask
from sqlalchemy import text

from .extensions import db

log = logging.getLogger(__name__)

# Any constant works; it only has to differ from the notifier's lock key.
MIGRATION_LOCK_KEY = 0x6D6C_6D69_6772  # "mlmigr"
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def init_migrations(app: Flask) -> None:
    """Attach Flask-Migrate. Only processes that migrate call this, so the web workers
    never import alembic."""
    from flask_migrate import Migrate

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


def upgrade_database(app: Flask) -> None:
    """`flask db upgrade`, serialised across instances by a Postgres advisory lock."""
    from flask_migrate import upgrade

    init_migrations(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            upgrade()
            return
        with db.engine.connect() as conn:
            conn.execute(text("SET statement_timeout = 0"))  # waiting for another instance's migration is fine
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                upgrade()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
        log.info("database schema is up to date")
