"""Request validation shared by the JSON API and the HTML forms (one rule set per input)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..services.library import FilmData
from ..services.lottery import MAX_ENTRIES, MIN_ENTRIES, EntryData


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


HttpUrlStr = Annotated[str, Field(max_length=1000), AfterValidator(_http_url)]
Year = Annotated[int, Field(ge=1888, le=2100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FilmIn(_Strict):
    title: str = Field(min_length=1, max_length=300)
    year: Year | None = None
    poster_url: HttpUrlStr | None = None
    kinopoisk_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    original_title: str | None = Field(default=None, max_length=300)
    genres: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list, max_length=20)
    description: str | None = Field(default=None, max_length=5000)
    rating: float | None = Field(default=None, ge=0, le=10)

    def to_film_data(self) -> FilmData:
        return FilmData(
            title=self.title,
            year=self.year,
            poster_url=self.poster_url or None,
            kinopoisk_id=self.kinopoisk_id,
            original_title=self.original_title or None,
            rating=self.rating,
            genres=tuple(g.strip().lower() for g in self.genres),
            description=self.description or None,
        )


class EntryIn(_Strict):
    title: str = Field(min_length=1, max_length=300)
    year: Year | None = None
    poster_url: HttpUrlStr | None = None
    kinopoisk_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    weight: int = Field(default=1, ge=1, le=100)

    def to_entry_data(self) -> EntryData:
        film = FilmData(title=self.title, year=self.year, poster_url=self.poster_url, kinopoisk_id=self.kinopoisk_id)
        return EntryData(film=film, weight=self.weight)


class LotteryIn(_Strict):
    title: str | None = Field(default=None, max_length=200)
    entries: list[EntryIn] = Field(min_length=MIN_ENTRIES, max_length=MAX_ENTRIES)
    mode: Literal["single", "eliminate"] = "single"


class BadgesIn(_Strict):
    """Only the badges present in the body change; null clears a dated badge."""

    watched_on: date | None = None
    favourite: bool | None = None
    watchlist: bool | None = None
    banned_until: date | None = None

    def changes(self) -> dict:
        given = self.model_dump(include=self.model_fields_set)
        for flag in ("favourite", "watchlist"):
            if flag in given and given[flag] is None:
                given[flag] = False
        return given
