"""Validation of poll input, shared by the JSON API and the builder form."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from ...services import polls
from ..schemas import Number, RowId, _FilmFields, _Strict


class SuggestionIn(_FilmFields):
    """A film typed in or picked from a search (the ballot keeps title, year, poster, Kinopoisk id)."""


class PollEntryIn(SuggestionIn):
    """As a suggestion, or {"film_id"} for a film of the library."""

    title: str | None = Field(default=None, min_length=1, max_length=300)  # type: ignore[assignment]
    film_id: RowId | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if self.film_id is None and self.title is None:
            raise PydanticCustomError("title_or_film", "give a title, or a film_id from the library")
        if self.film_id is not None and self.model_fields_set - {"film_id"}:
            raise PydanticCustomError("film_id_alone", "a film_id entry takes no other fields")
        return self


class PollIn(_Strict):
    title: str | None = Field(default=None, max_length=200)
    entries: list[PollEntryIn] = Field(min_length=polls.MIN_ENTRIES, max_length=polls.MAX_ENTRIES)
    closes_in_minutes: Annotated[int, Number] = Field(default=polls.DEFAULT_MINUTES, ge=polls.MIN_MINUTES, le=polls.MAX_MINUTES)
    allow_suggestions: StrictBool = False  # JSON true/false only: lax mode would take 0/1 and "yes"
    hide_results: StrictBool = False


class VoteIn(_Strict):
    entry_id: RowId


class PollLotteryIn(_Strict):
    mode: str = Field(default="weighted", pattern="^(weighted|leaders)$")
    draw_mode: str = Field(default="single", pattern="^(single|eliminate)$")
    without_banned: bool = False
