"""Validation of a score sent to the API."""
from __future__ import annotations

from pydantic import Field, StrictInt, field_validator

from ...services import members
from ..schemas import _Strict


class SeenIn(_Strict):
    """A seen mark (or a score, below): a device without a member names itself in the same step."""
    name: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _clean(cls, value):
        if value is None:
            return None
        try:
            return members.clean_name(value)
        except members.InvalidName as exc:
            raise ValueError(str(exc)) from None


class ScoreIn(SeenIn):
    score: StrictInt = Field(ge=1, le=10)
