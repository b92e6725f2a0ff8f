"""Backups through the real commands on real databases: export on one engine, import on the
other, export again — the same document; refused files leave the database as it was."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import select

from movie_lottery.dbsetup import upgrade_database
from movie_lottery.extensions import db
from movie_lottery.models import Lottery

from . import backup_data
from .helpers import build_app


@pytest.fixture
def fresh(make_postgres_database, tmp_path):
    """An empty, never-migrated database of either kind: the import migrates it."""
    apps = []

    def make(kind: str):
        url = make_postgres_database() if kind == "postgres" else f"sqlite:///{tmp_path}/fresh{len(apps)}.db"
        apps.append(build_app(url))
        return apps[-1]

    yield make
    for application in apps:
        with application.app_context():
            db.engine.dispose()


def imported(app, path, *extra) -> str:
    result = app.test_cli_runner().invoke(args=["import", str(path), *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("source,target", [("postgres", "sqlite"), ("sqlite", "postgres")])
def test_round_trip_between_engines_gives_the_same_document(source, target, fresh, tmp_path):
    origin = fresh(source)
    upgrade_database(origin)
    ids = backup_data.fill(origin)
    assert backup_data.empty_tables(origin) == [], "add rows for these tables to tests/backup_data.py"
    first = backup_data.export(origin, tmp_path / "first.json.gz")

    copy = fresh(target)
    output = imported(copy, tmp_path / "first.json.gz")
    assert "rows into" in output and "(schema " in output
    second = backup_data.export(copy, tmp_path / "second.json")
    assert backup_data.without_export_time(second) == backup_data.without_export_time(first)

    runner, client = copy.test_cli_runner(), copy.test_client()
    for public_id in ids["drawn"]:
        verified = runner.invoke(args=["verify-draw", public_id])
        assert verified.exit_code == 0 and "verified" in verified.output, verified.output
    for public_id in ids["lotteries"]:
        assert client.get(f"/l/{public_id}").status_code == 200
    assert client.get(f"/p/{ids['poll']}").status_code == 200
    # New rows never collide with imported ones (Postgres sequences moved past them).
    created = client.post("/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]})
    assert created.status_code == 201, created.get_json()
    assert client.post("/api/polls", json={"entries": [{"title": "a"}, {"title": "b"}]}).status_code == 201
    with copy.app_context():
        assert db.session.scalar(select(Lottery.id).where(Lottery.public_id == created.get_json()["id"])) > 3


def test_export_to_stdout_is_plain_json(app):
    backup_data.fill(app)
    result = app.test_cli_runner().invoke(args=["export"])
    assert result.exit_code == 0
    document = json.loads(result.stdout_bytes)
    assert document["format"] == "movie_lottery-backup" and document["version"] == 1
    assert document["schema"].isdigit()
    names = [table["name"] for table in document["tables"]]
    assert names.index("films") < names.index("lotteries") < names.index("lottery_entries")
    assert not {"notifications", "notifier_state", "search_cache"} & set(names)


def test_a_database_with_data_is_refused_unless_replace(app, tmp_path):
    backup_data.fill(app)
    path = tmp_path / "b.json.gz"
    before = backup_data.export(app, path)
    refused = app.test_cli_runner().invoke(args=["import", str(path)])
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--replace" in refused.output
    app.test_client().post("/api/lotteries", json={"entries": [{"title": "later"}, {"title": "one"}]})
    imported(app, path, "--replace")
    after = backup_data.export(app, tmp_path / "after.json")
    assert backup_data.without_export_time(after) == backup_data.without_export_time(before)


def _variants(document: str) -> dict[str, bytes]:
    data = document.encode()
    gz = gzip.compress(data)
    header, rest = document.split("\n", 1)
    return {
        "truncated gzip": gz[: len(gz) * 2 // 3],
        "truncated json": data[: len(data) - 40],
        "cut after the last table": data.rstrip()[:-1],
        "newer format": (header.replace('"version":1', '"version":2') + "\n" + rest).encode(),
        "newer schema": (header.replace(json.loads(data)["schema"], "9999") + "\n" + rest).encode(),
        "foreign json": b'{"films": []}',
        "not json": b"\x89PNG\r\n\x1a\n",
        "wrong value type": document.replace('"Сталкер"', "12345", 1).encode(),
        "row of another width": document.replace(',"Зеркало",', ",", 1).encode(),
        "unknown table": document.replace('"name":"films"', '"name":"kittens"', 1).encode(),
    }


def test_refused_files_leave_the_database_unchanged(app, tmp_path):
    backup_data.fill(app)
    before = backup_data.export(app, tmp_path / "before.json")
    runner = app.test_cli_runner()
    for name, content in _variants(before).items():
        path = tmp_path / "bad.backup"
        path.write_bytes(content)
        result = runner.invoke(args=["import", str(path), "--replace"])
        assert result.exit_code == 1, (name, result.output)
        message = result.stderr.strip()
        assert message.startswith("Error: ") and "\n" not in message, (name, message)
        if name.startswith("newer"):
            assert "newer version" in message, message
        after = backup_data.export(app, tmp_path / "after.json")
        assert backup_data.without_export_time(after) == backup_data.without_export_time(before), name


def _old_database(fresh, revision: str, mode: str, rule: str, weights: list[int]):
    """A SQLite database at an old schema holding one film and one drawn lottery, its winner
    computed by the draw rule of that time."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from movie_lottery.dbsetup import init_migrations
    from movie_lottery.services.lotteries import fairness

    old = fresh("sqlite")
    init_migrations(old)
    seed = bytes(range(32))
    with old.app_context():
        upgrade(revision=revision)
        db.session.execute(
            text(
                "INSERT INTO films (id, title, year, genres, search_text, added_at) "
                "VALUES (7, 'Сталкер', 1979, '[\"драма\"]', 'stale', '2025-01-02 03:04:05.000006')"
            )
        )
        winner = fairness.outcome(mode, rule, seed, "old00001", weights)[1]
        mode_column = ", mode" if mode != "single" else ""
        db.session.execute(
            text(
                f"INSERT INTO lotteries (id, public_id, title, created_at, commitment, seed, drawn_at, winner_position{mode_column}) "
                f"VALUES (3, 'old00001', 'Старая', '2025-01-02 03:04:05', :commitment, :seed, '2025-01-02 04:00:00', :winner"
                f"{', :mode' if mode_column else ''})"
            ),
            {"commitment": fairness.commitment_for(seed), "seed": seed, "winner": winner, "mode": mode},
        )
        for position, weight in enumerate(weights):
            db.session.execute(
                text(
                    "INSERT INTO lottery_entries (lottery_id, position, weight, title, film_id) VALUES (3, :p, :w, :t, :f)"
                ),
                {
                    "p": position,
                    "w": weight,
                    "t": "Сталкер" if position == 0 else f"Фильм {position}",
                    "f": 7 if position == 0 else None,
                },
            )
        db.session.commit()
    return old


def _imports_and_verifies(old, fresh, tmp_path, revision: str) -> list:
    document = backup_data.export(old, tmp_path / "old.json.gz")
    assert f'"schema":"{revision}"' in document
    copies = []
    for kind in ("postgres", "sqlite"):
        copy = fresh(kind)
        assert f"upgraded from schema {revision}" in imported(copy, tmp_path / "old.json.gz")
        verified = copy.test_cli_runner().invoke(args=["verify-draw", "old00001"])
        assert verified.exit_code == 0 and "verified" in verified.output, verified.output
        assert copy.test_client().get("/l/old00001").status_code == 200
        copies.append(copy)
    return copies


def test_an_older_schema_is_upgraded_on_the_way_in(fresh, tmp_path):
    """A backup made before entry details, badges, lottery modes and polls (schema 0004) imports
    into today's schema: new columns take their defaults, 0005's search folding is replayed, and
    the drawn lottery still verifies."""
    old = _old_database(fresh, "0004", "single", "win_weighted", [1, 2])
    document = backup_data.export(old, tmp_path / "peek.json")
    assert '"polls"' not in document and "favourite" not in document
    for copy in _imports_and_verifies(old, fresh, tmp_path, "0004"):
        body = copy.test_client().get("/api/library?q=сталкер").get_json()
        assert [item["title"] for item in body["items"]] == ["Сталкер"]
        assert body["items"][0]["badges"]["favourite"] is False


def test_a_migration_that_changed_rows_is_replayed_on_old_backups(fresh, tmp_path):
    """Migration 0010 marked the eliminate lotteries made before it as drawn by the old rule; a
    backup from before 0010 gets the same (services/backup/upgrades.py), or its draws would not
    verify."""
    old = _old_database(fresh, "0009", "eliminate", "drop_weighted", [1, 2, 3, 4])
    for copy in _imports_and_verifies(old, fresh, tmp_path, "0009"):
        with copy.app_context():
            assert db.session.scalar(select(Lottery.draw_rule)) == "drop_weighted"
