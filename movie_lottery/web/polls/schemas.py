"""Validation of poll input, shared by the JSON API and the builder form."""

from __future__ import annotations

from typing import Annotated, Literal

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
    closes_in_minutes: Annotated[int, Number] = Field(
        default=polls.DEFAULT_MINUTES, ge=polls.MIN_MINUTES, le=polls.MAX_MINUTES
    )
    allow_suggestions: StrictBool = False  # JSON true/false only: lax mode would take 0/1 and "yes"
    hide_results: StrictBool = False
    ballot: Literal["single", "approval", "ranked"] = "single"
    max_approvals: Annotated[int, Number, Field(ge=1, le=polls.MAX_ENTRIES)] | None = None
    vetoes_per_member: Annotated[int, Number, Field(ge=0, le=polls.ballots.MAX_VETOES)] = 0
    secret_ballots: StrictBool = False

    @model_validator(mode="after")
    def _approvals_cap_only_for_approval(self):
        if self.max_approvals is not None and self.ballot != "approval":
            raise PydanticCustomError("approval_only", "max_approvals goes with an approval ballot")
        return self


EntryIds = Annotated[list[RowId], Field(max_length=polls.MAX_ENTRIES)]


class VoteIn(_Strict):
    """One of entry_id (single), entry_ids (approval) or ranking (ranked), with any vetoes."""

    entry_id: RowId | None = None
    entry_ids: EntryIds | None = None
    ranking: EntryIds | None = None
    vetoes: Annotated[list[RowId], Field(max_length=polls.ballots.MAX_VETOES + 1)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self):
        given = [name for name in ("entry_id", "entry_ids", "ranking") if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError("one_ballot_kind", "give one of entry_id, entry_ids or ranking")
        return self

    @property
    def ballot_type(self) -> str:
        return "single" if self.entry_id is not None else "approval" if self.entry_ids is not None else "ranked"

    def to_ballot(self) -> polls.counting.Ballot:
        marks = (self.entry_id,) if self.entry_id is not None else tuple(self.entry_ids or self.ranking or ())
        return polls.counting.Ballot(marks=marks, vetoes=tuple(self.vetoes))


class PollLotteryIn(_Strict):
    mode: str = Field(default="weighted", pattern="^(weighted|leaders)$")
    draw_mode: str = Field(default="single", pattern="^(single|eliminate)$")
    without_banned: bool = False
    finalists: Annotated[int, Number, Field(ge=2, le=5)] = 3  # a ranked poll: its last 2–5 films standing
