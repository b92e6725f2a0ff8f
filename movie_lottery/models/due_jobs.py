"""Due jobs: work the singleton worker does once at a given time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DueJob(db.Model):
    """Something the worker must do once at a given time (a reminder, a weekly backup).

    The unique key makes scheduling idempotent; running a job and marking it done share one
    commit, so its effect (usually an outbox row) happens exactly once, also across failover."""

    __tablename__ = "due_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_due_jobs_done_at_due_at", "done_at", "due_at"),)
