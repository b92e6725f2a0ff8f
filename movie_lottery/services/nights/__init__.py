"""Movie nights: planning and scheduling (core), answers (RSVP, the date poll), what is watched
(film), the calendar feed (calendar), Telegram (telegram) and reminders (reminders)."""

from .answers import ANSWERS, Answers, answer_rsvp, answers, set_availability, toggle_availability
from .core import (
    DEFAULT_REMINDERS,
    MAX_OPTIONS,
    MAX_REMINDER,
    MAX_REMINDERS,
    MIN_OPTIONS,
    MIN_REMINDER,
    CreatedNight,
    NightClosed,
    NightNotFound,
    NightPlan,
    UnknownOption,
    cancel,
    create_night,
    get_night,
    list_nights,
    may_manage,
    night_head,
    schedule,
    status_of,
)
from .film import WatchedFilm, night_film

__all__ = [
    "ANSWERS",
    "Answers",
    "CreatedNight",
    "DEFAULT_REMINDERS",
    "MAX_OPTIONS",
    "MAX_REMINDER",
    "MAX_REMINDERS",
    "MIN_OPTIONS",
    "MIN_REMINDER",
    "NightClosed",
    "NightNotFound",
    "NightPlan",
    "UnknownOption",
    "WatchedFilm",
    "answer_rsvp",
    "answers",
    "cancel",
    "create_night",
    "get_night",
    "list_nights",
    "may_manage",
    "night_film",
    "night_head",
    "schedule",
    "set_availability",
    "status_of",
    "toggle_availability",
]

# Their event listeners, outbox composers, button handlers and due-job handlers register on import.
from . import calendar, reminders, telegram  # noqa: E402,F401
