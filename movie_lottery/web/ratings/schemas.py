"""Validation of a score sent to the API."""
from __future__ import annotations

from pydantic import Field, StrictInt

from ..schemas import MemberName, _Strict


class ScoreIn(_Strict):
    score: StrictInt = Field(ge=1, le=10)
    name: MemberName | None = None
