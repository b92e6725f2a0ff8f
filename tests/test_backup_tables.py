"""Every table the migrations make is either in backups or left out on purpose, with a reason:
a table added later is backed up by itself, and this fails when it cannot be."""

from sqlalchemy import inspect

from movie_lottery.extensions import db
from movie_lottery.services.backup import codec
from movie_lottery.services.backup.tables import EXCLUDED, backed_up


def test_every_table_is_backed_up_or_excluded_with_a_reason(app):
    with app.app_context():
        in_database = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        backed = {table.name for table in backed_up(db.metadata)}
    assert not backed & set(EXCLUDED)
    # A table made by a migration but missing from the models would never be exported.
    assert in_database - backed - set(EXCLUDED) == set(), (
        "add a model for it, or exclude it in services/backup/tables.py"
    )
    assert set(EXCLUDED) <= in_database, "an exclusion names a table that no longer exists"
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_every_backed_up_column_has_a_codec():
    for table in backed_up(db.metadata):
        for column in table.columns:
            codec.encoder(column), codec.decoder(column)  # raises UnsupportedColumn otherwise


def test_an_unsupported_column_type_is_named():
    from sqlalchemy import Column, Interval, MetaData, Table

    column = Column("length", Interval)
    Table("kittens", MetaData(), column)
    try:
        codec.encoder(column)
    except codec.UnsupportedColumn as exc:
        assert "kittens.length" in str(exc)
    else:
        raise AssertionError("an Interval column must be refused until backups can hold it")


def test_no_backed_up_table_refers_to_a_left_out_one():
    """Its rows would point at rows a restored database does not have (e.g. a delivery log of the
    outbox): such a table must be excluded too."""
    for table in backed_up(db.metadata):
        for key in table.foreign_keys:
            assert key.column.table.name not in EXCLUDED, (
                f"{table.name}.{key.parent.name} refers to {key.column.table.name}, which backups leave out: "
                f"exclude {table.name} in services/backup/tables.py as well"
            )


# Migrations whose UPDATE/INSERT/DELETE an imported backup needs no step for, and why.
NO_STEP_NEEDED = {
    # Members who shared a name get «(2)»: a backup from before imports its names as they were (a
    # row step sees one row, not the others); the site refuses only a name given anew.
    "0017": "names told apart",
}


def test_every_migration_that_changes_rows_has_a_backup_step():
    """A migration that rewrites existing rows must do the same to the rows of an older backup
    (services/backup/upgrades.py), or such a backup imports with rows the site never had."""
    import re
    from pathlib import Path

    from movie_lottery.dbsetup import MIGRATIONS_DIR
    from movie_lottery.services.backup.upgrades import STEPS

    for path in sorted(Path(MIGRATIONS_DIR, "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision = ['\"](\w+)['\"]", source, re.M).group(1)
        upgrade = source[source.index("def upgrade") : source.index("def downgrade")]
        helpers = [name for name in re.findall(r"^def (_\w+)", source, re.M) if name in upgrade]
        changes = re.search(
            r"\b(UPDATE|INSERT|DELETE)\b|\.update\(|\.insert\(|\.delete\(|bulk_insert",
            upgrade + "".join(source[source.index(f"def {name}") :] for name in helpers),
        )
        if "def data_step(" in source:  # the import replays it itself (upgrades.data_steps)
            assert "data_step(op.get_bind())" in upgrade, f"migration {revision}'s upgrade() must run its data_step"
        elif changes:
            assert revision in STEPS or revision in NO_STEP_NEEDED, (
                f"migration {revision} changes existing rows: add its step to services/backup/upgrades.py"
            )
