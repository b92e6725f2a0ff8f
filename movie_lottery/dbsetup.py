"""Bringing the schema up to date: migrations are the only way tables are made."""
from __future__ import annotations

import logging

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from .extensions import db

log = logging.getLogger(__name__)

# Any constant works; it only has to differ from the notifier's lock key.
MIGRATION_LOCK_KEY = 0x6D6C_6D69_6772  # "mlmigr"


def upgrade_database(app: Flask) -> None:
    """`flask db upgrade`, serialised across instances by a Postgres advisory lock."""
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
