"""Which tables a backup holds: every table of the models, in foreign-key order, except
the ones listed here with the reason. A table added later is backed up without anyone
touching this module; tests/test_backup_tables.py fails when one cannot be."""

from __future__ import annotations

from sqlalchemy import MetaData, Table

# table name -> why it is left out
EXCLUDED: dict[str, str] = {
    "notifications": "the outbox: restoring it would repeat messages already sent",
    "notifier_state": "the running worker's heartbeat and Telegram update offset",
    "search_cache": "Kinopoisk answers cached for a day",
    "due_jobs": "the running worker's queue of timed work, like the outbox: a restored old backup would "
    "fire its long-past reminders; features schedule their jobs again from their own rows",
    "import_jobs": "a member's upload being matched or awaiting their confirmation; what a confirmed import made "
    "is in seen_marks and film_ratings",
    "import_rows": "the rows of import_jobs (left out with them)",
    "push_deliveries": "the Web Push side of the outbox (each row is one push of a notification): restoring it "
    "would repeat pushes already sent",
}


def backed_up(metadata: MetaData) -> list[Table]:
    """Parents before children (SQLAlchemy's dependency sort, ties by name): the order rows are
    written and inserted in."""
    return [table for table in metadata.sorted_tables if table.name not in EXCLUDED]
