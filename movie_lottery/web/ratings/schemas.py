"""Validation of a score sent to the API."""

from __future__ import annotations

from pydantic import Field, StrictInt

from ..schemas import MemberName, _Strict


class SeenIn(_Strict):
    """A seen mark (or a score, below): a device without a member names itself in the same step."""

    name: MemberName | None = None


class ScoreIn(SeenIn):
    score: StrictInt = Field(ge=1, le=10)
