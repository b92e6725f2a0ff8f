"""Request validation shared by the JSON API and the HTML forms (one rule set per input): the
base every input model extends and the field types they share. Each domain's own models are in
its package (lotteries/schemas.py, library/schemas.py, polls/schemas.py, …)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ..services import members
from ..services.library import FilmData


SITE_STATIC_PREFIX = "/static/"


def _poster_url(value: str | None) -> str | None:
    """An absolute http(s) URL, or a path to the site's own static files (the demo posters)."""
    if value is not None and not (
        value.lower().startswith(("http://", "https://")) or value.startswith(SITE_STATIC_PREFIX)
    ):
        raise PydanticCustomError("url_scheme", "must be an http:// or https:// URL or a /static/ path")
    return value


PosterUrl = Annotated[str, Field(max_length=1000), AfterValidator(_poster_url)]
Genres = Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=20)]


def _not_a_bool(value):
    """JSON true/false is not a number, though pydantic's lax mode would take it as 1/0."""
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    return value


Number = BeforeValidator(_not_a_bool)


def _member_name(value):
    try:
        return members.clean_name(value)
    except members.InvalidName as exc:
        raise PydanticCustomError("name", str(exc)) from None


MemberName = Annotated[str, BeforeValidator(_member_name)]
Year = Annotated[int, Field(ge=1888, le=2100), Number]
RowId = Annotated[int, Number, Field(ge=1, le=2**31 - 1)]


class _Strict(BaseModel):
    # Schemas are built on first use, not at import: a page or /health never needs them.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class _FilmFields(_Strict):
    """What describes a film, wherever it is entered (library or lottery)."""

    title: str = Field(min_length=1, max_length=300)
    year: Year | None = None
    poster_url: PosterUrl | None = None
    kinopoisk_id: Annotated[int, Field(ge=1, le=2**31 - 1), Number] | None = None
    original_title: str | None = Field(default=None, max_length=300)
    genres: Genres = Field(default_factory=list)
    description: str | None = Field(default=None, max_length=5000)
    rating: Annotated[float, Field(ge=0, le=10), Number] | None = None

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
