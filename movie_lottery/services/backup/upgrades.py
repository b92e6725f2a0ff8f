"""Row steps for migrations that do more than add tables and columns with defaults.

A backup made before such a migration is imported into today's schema by running the
migration's step on each row of its table (the row as a dict of today's column names, decoded
values), oldest migration first. Migrations that only add — the usual case — need nothing here:
columns added since take their defaults.

A migration whose change spans tables defines ``data_step(conn)`` itself and calls it from its
``upgrade()``; the import runs that same function on the imported data, once every table is in
(``data_steps``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from sqlalchemy import Connection

RowStep = Callable[[dict], None]

# revision -> table -> what that revision's migration did to each existing row
STEPS: dict[str, dict[str, RowStep]] = {}


def step(revision: str, table: str) -> Callable[[RowStep], RowStep]:
    def register(function: RowStep) -> RowStep:
        STEPS.setdefault(revision, {})[table] = function
        return function

    return register


def for_table(table: str, since: list[str]) -> list[RowStep]:
    """The steps of the revisions in `since` (newest first, as alembic walks them) for `table`,
    in the order to run them: oldest first."""
    return [STEPS[revision][table] for revision in reversed(since) if table in STEPS.get(revision, {})]


def data_steps(since: list[str]) -> list[Callable[[Connection], None]]:
    """The ``data_step`` of each migration in ``since`` (newest first, as alembic walks them)
    that has one, in the order to run them: oldest first."""
    from alembic.script import ScriptDirectory

    from ...dbsetup import MIGRATIONS_DIR

    scripts = ScriptDirectory(MIGRATIONS_DIR)
    modules = [scripts.get_revision(revision).module for revision in reversed(since)]
    return [module.data_step for module in modules if hasattr(module, "data_step")]


@step("0005", "films")
def _search_folding(row: dict) -> None:
    """0005: search text folds ё to е (a frozen copy of that revision's rule, as in its migration)."""
    parts = (row.get("title"), row.get("original_title"))
    row["search_text"] = " ".join(p for p in parts if p).casefold().replace("ё", "е")


@step("0010", "lotteries")
def _draw_rule(row: dict) -> None:
    """0010: eliminate-mode lotteries made before it keep the rule they were drawn by."""
    row.setdefault("draw_rule", "drop_weighted" if row.get("mode") == "eliminate" else "win_weighted")


@step("0021", "polls")
def _tiebreak_seed(row: dict) -> None:
    """0021: every poll commits to a tie-break seed; one made before gets a fresh seed, as its
    migration gives it (a frozen copy of that revision's rule)."""
    if row.get("tiebreak_seed") is None:
        seed = os.urandom(32)
        row["tiebreak_seed"] = seed
        row["tiebreak_commitment"] = hashlib.sha256(seed).hexdigest()
