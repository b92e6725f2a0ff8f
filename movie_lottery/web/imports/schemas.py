"""Validation of a hand pick of an import row's film."""

from __future__ import annotations

from pydantic import Field, StrictInt, model_validator

from ..schemas import _Strict


class PickIn(_Strict):
    film_id: StrictInt | None = Field(default=None, ge=1)
    kinopoisk_id: StrictInt | None = Field(default=None, ge=1, le=999_999_999)

    @model_validator(mode="after")
    def _one(self):
        if (self.film_id is None) == (self.kinopoisk_id is None):
            raise ValueError("give film_id or kinopoisk_id")
        return self
