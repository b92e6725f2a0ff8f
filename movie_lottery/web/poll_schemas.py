"""Validation of poll input, shared by the JSON API and the builder form."""
from __future__ import annotations

from pydantic import Field, model_validator

from ..services import polls
from ..services.library import FilmData
from .schemas import HttpUrlStr, Year, _Strict


class SuggestionIn(_Strict):
    """A film typed in or picked from the Kinopoisk search."""

    title: str = Field(min_length=1, max_length=300)
    year: Year | None = None
    poster_url: HttpUrlStr | None = None
    kinopoisk_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    def to_film_data(self) -> FilmData:
        return FilmData(title=self.title, year=self.year, poster_url=self.poster_url, kinopoisk_id=self.kinopoisk_id)


class PollEntryIn(SuggestionIn):
    """As a suggestion, or {"film_id"} for a film of the library."""

    title: str | None = Field(default=None, min_length=1, max_length=300)  # type: ignore[assignment]
    film_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _one_kind(self):
        if self.film_id is None and self.title is None:
            raise ValueError("give a title, or a film_id from the library")
        if self.film_id is not None and any(v is not None for v in (self.title, self.year, self.poster_url, self.kinopoisk_id)):
            raise ValueError("a film_id entry takes no other fields")
        return self


class PollIn(_Strict):
    title: str | None = Field(default=None, max_length=200)
    entries: list[PollEntryIn] = Field(min_length=polls.MIN_ENTRIES, max_length=polls.MAX_ENTRIES)
    closes_in_minutes: int = Field(default=polls.DEFAULT_MINUTES, ge=polls.MIN_MINUTES, le=polls.MAX_MINUTES)
    allow_suggestions: bool = False
    hide_results: bool = False


class VoteIn(_Strict):
    entry_id: int = Field(ge=1, le=2**31 - 1)


class PollLotteryIn(_Strict):
    mode: str = Field(default="weighted", pattern="^(weighted|leaders)$")
