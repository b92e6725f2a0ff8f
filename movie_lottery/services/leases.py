"""Claiming outbox rows by lease, for every channel of the worker (Telegram messages and the
backup copy in `notifications`, Web Push in `push_deliveries`).

No transaction stays open while a row is sent: Postgres ends a transaction idle for a minute
(`idle_in_transaction_session_timeout`), so an upload longer than that could never be marked
done, and an open transaction holds back the cluster's xmin. Instead:

1. claim: the oldest due row (pending, its next attempt due, no live lease) is marked as being
   sent until `lease_until`, with a token of this claim, and committed. A conditional UPDATE
   decides between two claimers on Postgres and SQLite alike: one changes the row, the other
   changes nothing and tries the next candidate;
2. the sender talks to the network outside any transaction;
3. it records the outcome in a new short transaction, only while the lease is still its own
   (`held`), and ends the lease.

A worker killed mid-send leaves the lease to run out; the row is then due again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from ..models import utcnow
from .sql import affected_rows

BATCH = 10  # candidates read per claim; the next is tried when another claimer took one


@dataclass(frozen=True)
class Lease:
    model: Any  # the model class (Notification, PushDelivery)
    id: int
    token: str
    until: datetime
    row: Row  # the candidate's columns, as the caller selected them


def _due(model, now: datetime):
    return and_(
        model.status == "pending",
        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
        or_(model.lease_until.is_(None), model.lease_until <= now),
    )


def claim(
    session: Session, model, lease_for: Callable[[Row], timedelta | None], candidates: Select | None = None
) -> Lease | None:
    """Lease the oldest due row of ``model`` and commit; None when nothing is due.

    ``candidates`` selects the id (first) and whatever ``lease_for`` needs to decide how long
    the lease runs, or None to pass a row over for now."""
    now = utcnow()
    query = (candidates if candidates is not None else select(model.id)).where(_due(model, now))
    for row in session.execute(query.order_by(model.id).limit(BATCH)).all():
        length = lease_for(row)
        if length is None:
            continue
        token, until = secrets.token_hex(16), now + length
        taken = affected_rows(
            session.execute(
                update(model)
                .where(model.id == row[0], _due(model, now))
                .values(lease_until=until, lease_token=token)
                .execution_options(synchronize_session=False)
            )
        )
        if taken == 1:
            session.commit()
            return Lease(model, row[0], token, until, row)
    session.rollback()
    return None


def held(session: Session, lease: Lease):
    """The leased row, locked while the outcome is written; None when the lease is no longer
    this claim's (it ran out and another claim took the row) or the row is gone."""
    row = session.get(lease.model, lease.id, with_for_update=True, populate_existing=True)
    return row if row is not None and row.lease_token == lease.token else None


def end(row) -> None:
    row.lease_until = row.lease_token = None
