"""What a lottery is made of: its title, its films with their weights and its mode (the builder
form and the API validate the same way)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ...services.lotteries.lottery import MAX_ENTRIES, MIN_ENTRIES, EntryData
from ..schemas import Number, _FilmFields, _Strict


class EntryIn(_FilmFields):
    weight: Annotated[int, Number] = Field(default=1, ge=1, le=100)

    def to_entry_data(self) -> EntryData:
        return EntryData(film=self.to_film_data(), weight=self.weight)


class LotteryIn(_Strict):
    title: str | None = Field(default=None, max_length=200)
    entries: list[EntryIn] = Field(min_length=MIN_ENTRIES, max_length=MAX_ENTRIES)
    mode: Literal["single", "eliminate"] = "single"
