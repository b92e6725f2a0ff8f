"""Rows a shared link names by their public id (lotteries, polls, nights): inserted with a fresh
id, read back by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..models import new_public_id

Row = TypeVar("Row")
ATTEMPTS = 5


def insert_with_public_id(session: Session, build: Callable[[str], Row]) -> Row:
    """Add build(public_id) in a savepoint, building it again with another id on a collision
    (astronomically rare). The caller commits."""
    for _attempt in range(ATTEMPTS):
        row = build(new_public_id())
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # public id collision: try another
            continue
        return row
    raise RuntimeError("could not allocate a unique public id")


def get_by_public_id(
    session: Session, model: type[Row], public_id: str, not_found: type[Exception], children: Any
) -> Row:
    """The row with its children (a relationship) loaded in a second query; not_found(public_id) if none."""
    column = cast(Any, model).public_id  # every model given here (Lottery, Poll, Night) has the column
    row: Row | None = session.scalars(select(model).where(column == public_id).options(selectinload(children))).first()
    if row is None:
        raise not_found(public_id)
    return row


def head_row(session: Session, model: Any, public_id: str, not_found: type[Exception], *columns: Any) -> Any:
    """A few columns of the row (one indexed single-row query), for ETags; not_found(public_id) if none."""
    row = session.execute(select(*columns).where(model.public_id == public_id)).one_or_none()
    if row is None:
        raise not_found(public_id)
    return row
