"""Merging two members' rows: each row of the source becomes the target's, and where each may
hold one row per thing (a vote per poll, an answer per night, a score per film) the later row
stands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session


def reassign(session: Session, model: Any, source_id: int, target_id: int) -> None:
    """Every row of ``model`` that was the source member's becomes the target's (the caller has
    dropped the source's rows the target's replace)."""
    session.execute(
        update(model)
        .where(model.member_id == source_id)
        .values(member_id=target_id)
        .execution_options(synchronize_session=False)
    )


def superseded(rows: Iterable[Any], group: str, at: str) -> list[int]:
    """Ids of the rows a later row of the same ``group`` attribute replaces, by their ``at``
    attribute (ties broken by id), in that order."""
    latest: dict[Any, Any] = {}
    losers = []
    for row in sorted(rows, key=lambda r: (getattr(r, at), r.id)):
        key = getattr(row, group)
        if key in latest:
            losers.append(latest[key].id)
        latest[key] = row
    return losers
