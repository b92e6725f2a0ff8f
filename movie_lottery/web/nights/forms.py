"""The night forms of the pages (no JavaScript needed): typed times read in the visitor's own
time zone, "what we watch", the planner's payload and its refusals in the page's words."""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import datetime

from flask_babel import gettext as _
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from .view import group_zone

LINKED_ID = re.compile(r"(?:/(l|p)/)?([A-Za-z0-9_-]{1,16})/?$")
ZONE_NAME_MAX = 64


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def visitor_zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone the browser put in the form (its IANA name, from Intl.DateTimeFormat), else the
    group's. Each typed time takes that zone's offset on its own date, so a time on the other
    side of a clock change keeps its hour (one offset for every time did not)."""
    if name and len(name) <= ZONE_NAME_MAX and name in known_zones():
        return zoneinfo.ZoneInfo(name)
    return group_zone()


def form_time(value: str, zone: zoneinfo.ZoneInfo) -> datetime | str | None:
    """A datetime-local value in `zone`; returned as given when it does not parse (the schema
    says why)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return value
    return naive if naive.tzinfo is not None else naive.replace(tzinfo=zone)


def linked(form) -> dict:
    """ "What we watch": a lottery's or a poll's link (or id), or a library film."""
    found: dict = {}
    raw = form.get("watch", "").strip()
    if raw:
        match = LINKED_ID.search(raw)
        kind = (match.group(1) if match else None) or form.get("watch_kind", "l")
        found["lottery_id" if kind == "l" else "poll_id"] = match.group(2) if match else raw[:40]
    if form.get("film_id", "").strip():
        found["film_id"] = form["film_id"].strip()
    return found


def night_payload(form: MultiDict) -> dict:
    """The planner's fields as NightIn reads them; the mode radio says which times count."""
    zone = visitor_zone(form.get("tz"))
    payload = {
        "title": form.get("title", "").strip(),
        "place": form.get("place", "").strip() or None,
        "reminders_minutes": [int(m) for m in form.getlist("reminders") if m.isdigit()],
        **linked(form),
    }
    if form.get("mode", "fixed") == "fixed":
        payload["starts_at"] = form_time(form.get("starts_at", ""), zone)
    else:
        payload["date_options"] = [t for t in (form_time(v, zone) for v in form.getlist("date_options")) if t]
    return payload


def creation_errors(exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field == "title":
            message = _("Назовите вечер (до 200 символов).")
        elif field in ("starts_at", "date_options"):
            message = _("Время — в будущем; для голосования по дате — от 2 до 7 разных вариантов.")
        elif field in ("lottery_id", "poll_id", "film_id"):
            message = _("Не нашли такую лотерею или голосование.")
        elif field == "reminders_minutes":
            message = _("Напоминания — не больше пяти.")
        elif field == "place":
            message = _("Место — до 300 символов.")
        else:
            message = _("Выберите время или варианты для голосования по дате и не больше одного фильма.")
        if message not in found:
            found.append(message)
    return found
