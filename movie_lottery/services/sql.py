"""SQL the two supported databases spell differently."""

from __future__ import annotations

import importlib
from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.orm import Session


def upsert_insert(session: Session):
    """The dialect's INSERT construct, which has on_conflict_do_update / do_nothing. Only the
    dialect in use is imported (its module is loaded already): importing both cost every start ~10 ms."""
    return importlib.import_module(f"sqlalchemy.dialects.{session.get_bind().dialect.name}").insert


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed: Session.execute hands back the statement's
    CursorResult, typed as the plain Result."""
    return cast("CursorResult[Any]", result).rowcount
