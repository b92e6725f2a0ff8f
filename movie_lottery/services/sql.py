"""SQL the two supported databases spell differently."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(session: Session):
    """The dialect's INSERT construct, which has on_conflict_do_update / do_nothing."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
