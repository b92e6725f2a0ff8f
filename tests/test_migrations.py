"""Migrations are the only way the schema is made; they must match the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import inspect

from movie_lottery.dbsetup import upgrade_database
from movie_lottery.extensions import db

from .helpers import build_app


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_upgrade_from_empty_and_back(make_postgres_database, tmp_path):
    for url in (make_postgres_database(), f"sqlite:///{tmp_path}/m.db"):
        app = build_app(url)
        upgrade_database(app)
        upgrade_database(app)  # idempotent
        with app.app_context():
            tables = set(inspect(db.engine).get_table_names())
            assert {"films", "lotteries", "lottery_entries", "alembic_version"} <= tables
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
