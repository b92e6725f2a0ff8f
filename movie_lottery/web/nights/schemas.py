"""Validation of movie nights' input, shared by the JSON API and the page forms."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ...models import utcnow
from ...services import nights
from ..schemas import RowId
from ..schemas import Number, _Strict

PublicId = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
Minutes = Annotated[int, Number, Field(ge=nights.MIN_REMINDER, le=nights.MAX_REMINDER)]


def _future(value):
    if value is not None and value <= utcnow():
        raise PydanticCustomError("in_past", "must be in the future")
    return value


class NightIn(_Strict):
    title: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime | None = None
    date_options: list[AwareDatetime] | None = Field(
        default=None, min_length=nights.MIN_OPTIONS, max_length=nights.MAX_OPTIONS
    )
    place: str | None = Field(default=None, max_length=300)
    lottery_id: PublicId | None = None
    poll_id: PublicId | None = None
    film_id: RowId | None = None
    reminders_minutes: list[Minutes] = Field(default=list(nights.DEFAULT_REMINDERS), max_length=nights.MAX_REMINDERS)

    @field_validator("starts_at")
    @classmethod
    def _start_ahead(cls, value):
        return _future(value)

    @field_validator("date_options")
    @classmethod
    def _options_ahead(cls, value):
        if value is None:
            return value
        for when in value:
            _future(when)
        if len({when.timestamp() for when in value}) != len(value):
            raise PydanticCustomError("same_times", "candidate times must differ")
        return value

    @field_validator("place")
    @classmethod
    def _blank_place(cls, value):
        return value or None

    @model_validator(mode="after")
    def _one_of_each(self):
        if (self.starts_at is None) == (self.date_options is None):
            raise PydanticCustomError("start_or_options", "give either starts_at or date_options")
        if sum(v is not None for v in (self.lottery_id, self.poll_id, self.film_id)) > 1:
            raise PydanticCustomError("one_film_source", "a night watches at most one of lottery_id, poll_id, film_id")
        return self


class RsvpIn(_Strict):
    answer: Literal["going", "maybe", "no"]
    name: str | None = Field(default=None, max_length=40)


class AvailabilityIn(_Strict):
    option_ids: list[RowId] = Field(max_length=nights.MAX_OPTIONS)
    name: str | None = Field(default=None, max_length=40)


class ScheduleIn(_Strict):
    option_id: RowId | None = None
    starts_at: AwareDatetime | None = None

    @field_validator("starts_at")
    @classmethod
    def _start_ahead(cls, value):
        return _future(value)

    @model_validator(mode="after")
    def _one(self):
        if (self.option_id is None) == (self.starts_at is None):
            raise PydanticCustomError("option_or_start", "give either option_id or starts_at")
        return self
