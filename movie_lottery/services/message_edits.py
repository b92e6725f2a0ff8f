"""Telegram messages kept in step with what they show (poll counts, night answers, rating
averages): each is re-rendered when its subject moved on, at most once per EDIT_INTERVAL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import utcnow

EDIT_INTERVAL = timedelta(seconds=5)


def due_edits(
    session: Session,
    message_cls: Any,
    subject_cls: Any,
    subject_key: Any,
    state_of: Callable[[Any], str],
    limit: int = 20,
) -> list[tuple]:
    """(message, subject) pairs whose message shows an older state than ``state_of(subject)`` and
    was not edited within EDIT_INTERVAL, the never-edited first. ``subject_key`` is the message's
    column naming its subject's id."""
    cutoff = utcnow() - EDIT_INTERVAL
    rows = session.execute(
        select(message_cls, subject_cls)
        .join(subject_cls, subject_cls.id == subject_key)
        .where(or_(message_cls.edited_at.is_(None), message_cls.edited_at <= cutoff))
        .order_by(message_cls.edited_at.is_not(None), message_cls.edited_at, message_cls.id)
    ).all()
    return [(message, subject) for message, subject in rows if message.shown != state_of(subject)][:limit]
