"""The group's calendar day, in its own time zone (SITE_TIMEZONE): the day a ban lasts until,
the day a film is marked watched, the day the stats count from. A day of the machine's clock
or of UTC would start hours early or late for the group (UTC+3: at 01:00 in Moscow it is
still yesterday in UTC)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from ... import models


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SETTINGS"].site_timezone)


def today() -> date:
    return models.utcnow().astimezone(zone()).date()


def next_midnight() -> datetime:
    """The moment today() changes: the group's next midnight."""
    return datetime.combine(today() + timedelta(days=1), time.min, tzinfo=zone())
