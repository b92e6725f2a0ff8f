"""Validation of wishes sent to the API (a name is checked where the member is made: answering_member)."""

from __future__ import annotations

from pydantic import Field, StrictInt

from ..schemas import _Strict


class WatchlistAddIn(_Strict):
    """A device without a member names itself in the same request."""

    name: str | None = Field(default=None, max_length=40)


class WatchlistKinopoiskIn(WatchlistAddIn):
    kinopoisk_id: StrictInt = Field(ge=1, le=999_999_999)
