"""The group's time zone, named as people say it: «по Москве», «по Берлину», "Moscow time" —
Babel's exemplar city in the current language (the group's, in Telegram), not "Europe/Moscow".

Russian wants the city in the dative after «по»; the few regular endings are declined, and a
name they do not cover (a feminine or masculine -ь, several words, a Latin name) is given as it
stands: «(время: Анадырь)».
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from babel.dates import get_timezone, get_timezone_location
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

CONSONANTS = "бвгджзклмнпрстфхцчшщ"
INDECLINABLE = "оиеуюэ"  # Токио, Хельсинки, Баку…: «по Токио»
CYRILLIC_NAME = re.compile(r"^[А-ЯЁ][а-яё]*(?:-[А-ЯЁа-яё][а-яё]*)*$")
ABBREVIATION = re.compile(r"^(?:UTC|GMT(?:[+-]\d{1,2})?)$")  # «по UTC»


def group_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SETTINGS"].site_timezone)


def dative_ru(city: str) -> str | None:
    """«Москва» → «Москве», «Берлин» → «Берлину», «Нью-Йорк» → «Нью-Йорку», «Токио» as is;
    None where the ending does not tell the case (the caller names the city as it stands)."""
    if ABBREVIATION.match(city):
        return city
    if not CYRILLIC_NAME.match(city):
        return None
    last = city[-1]
    if last in CONSONANTS:
        return city + "у"
    if last in INDECLINABLE:
        return city
    if city.endswith("ия"):
        return city[:-1] + "и"
    if last in "ая" and len(city) > 1 and city[-2] in CONSONANTS + "ь":
        return city[:-1] + "е"
    if last == "й" and city[-2] in "аеоуэ" and not city.endswith(("ский", "цкий", "ой")):
        return city[:-1] + "ю"
    return None


def spoken(zone: ZoneInfo | None = None) -> str:
    """«по Москве» / "Moscow time" (the group's zone unless another is given), in the current language."""
    key = (zone or group_zone()).key
    locale = str(get_locale() or "ru")
    try:
        city = get_timezone_location(get_timezone(key), locale=locale, return_city=True)
    except LookupError:
        city = key
    if locale.startswith("ru"):
        declined = dative_ru(city)
        if declined is None:
            return _("(время: %(city)s)", city=city)
        city = declined
    return _("по %(city)s", city=city)
