"""What a restore rebuilds: the state derived from the data that backups leave out, in the
restore's own transaction, so nothing of the data it replaced is left to block or misfire.

* Due jobs: all go — done ones too, since their keys name rows by id and a restored id may be
  another row's (a new night reusing an id found its reminder "already scheduled") — and each
  kind's re-armer (``due_jobs.rearmed_by``) arms its jobs from the restored rows as scheduling
  does, times already past skipped.
* The outbox: an unsent notification names rows by id and is composed when sent, so it goes;
  push deliveries name subscriptions by id, so they all go (on Postgres, deleting the
  subscriptions cascades to them anyway).

Kinds in KEPT_KINDS do not depend on the data: their jobs and unsent notifications stay.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from ...models import DueJob, Notification, PushDelivery
from .. import due_jobs
from . import telegram_copy

# kind -> why a restore leaves its jobs and notifications alone
KEPT_KINDS: dict[str, str] = {
    telegram_copy.KIND: "the weekly copy is keyed by the calendar week and exports whatever the database holds when it is sent",
}


def rebuild(conn: Connection) -> dict[str, int]:
    """Drop the derived state and arm the due jobs again; returns the armed jobs per kind."""
    due_jobs.load_handlers()
    kept = list(KEPT_KINDS)
    with Session(bind=conn) as session:
        session.execute(delete(PushDelivery))
        session.execute(delete(Notification).where(Notification.status != "sent", Notification.kind.not_in(kept)))
        session.execute(delete(DueJob).where(DueJob.kind.not_in(kept)))
        for rearm in dict.fromkeys(due_jobs.REARMS.values()):
            rearm(session)
        session.flush()
        armed = (
            select(DueJob.kind, func.count())
            .where(DueJob.kind.not_in(kept))
            .group_by(DueJob.kind)
            .order_by(DueJob.kind)
        )
        return {kind: count for kind, count in session.execute(armed)}
