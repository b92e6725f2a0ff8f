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


def test_upgrade_db_run_by_two_processes_at_once_migrates_once(make_postgres_database):
    """Render may run the pre-deploy command of two deploys at once: `flask upgrade-db` takes a
    Postgres advisory lock, so one process migrates while the other waits, then finds nothing to do.
    The test holds that lock first, so both are provably waiting on it before either starts."""
    import os
    import subprocess
    import sys
    import time

    import psycopg

    from movie_lottery.dbsetup import MIGRATION_LOCK_KEY

    from .helpers import BASE_SETTINGS
    from .servers import ROOT

    url = make_postgres_database()
    env = {**os.environ, **BASE_SETTINGS, "DATABASE_URL": url, "LOG_LEVEL": "INFO"}
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as gate:
        gate.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "movie_lottery", "upgrade-db"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            waiting = 0
            deadline = time.monotonic() + 60
            while waiting < 2 and time.monotonic() < deadline and all(run.poll() is None for run in runs):
                waiting = gate.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ).fetchone()[0]
                time.sleep(0.05)
            assert waiting == 2, [run.poll() for run in runs]
        finally:
            gate.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    migrated = [output for output in outputs if "database upgraded from an empty database" in output]
    assert len(migrated) == 1, outputs  # one migrated; the other waited and found the schema up to date
    assert all("database is up to date" in output for output in outputs)
    app = build_app(url)
    with app.app_context():
        assert {"films", "lotteries", "polls"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
