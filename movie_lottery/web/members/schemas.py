"""Validation of members' input."""

from __future__ import annotations

from ..schemas import MemberName, _Strict


class NameIn(_Strict):
    name: MemberName
