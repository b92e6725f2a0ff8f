"""Validation of members' input."""
from __future__ import annotations

from pydantic import field_validator

from ...services import members
from ..schemas import _Strict


class NameIn(_Strict):
    name: str

    @field_validator("name", mode="before")
    @classmethod
    def _clean(cls, value):
        try:
            return members.clean_name(value)
        except members.InvalidName as exc:
            raise ValueError(str(exc)) from None
