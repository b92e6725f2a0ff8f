"""A library film (the admin's form and the API) and its badges."""

from __future__ import annotations

from datetime import date

from pydantic import StrictBool

from ..schemas import _FilmFields, _Strict


class FilmIn(_FilmFields):
    """A library film (admin form and API)."""


class BadgesIn(_Strict):
    """Only the badges present in the body change; null clears a dated badge."""

    watched_on: date | None = None
    favourite: StrictBool | None = None  # JSON true/false only: lax mode would take 0/1 and "yes"
    watchlist: StrictBool | None = None
    banned_until: date | None = None

    def changes(self) -> dict:
        given = self.model_dump(include=self.model_fields_set)
        for flag in ("favourite", "watchlist"):
            if flag in given and given[flag] is None:
                given[flag] = False
        return given
