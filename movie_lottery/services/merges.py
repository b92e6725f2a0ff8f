"""Merging two identities' rows where each may hold one row per thing (a vote per poll, an
answer per night, a score per film): the later row stands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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
