"""What people read when their input is refused: a sentence in the page's language that names
the field as the form labels it. One place for the builder, the admin film form and the
magnet/.torrent forms (the API keeps its machine codes and field keys beside these texts)."""
from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from pydantic import BaseModel, ValidationError

from ..services.lotteries.lottery import MAX_ENTRIES, MIN_ENTRIES
from ..services.torrents.magnets import MagnetError
from .library.schemas import FilmIn
from .lotteries.schemas import LotteryIn

FIELD_LABELS = {
    "title": lazy_gettext("Название"),
    "original_title": lazy_gettext("Оригинальное название"),
    "year": lazy_gettext("Год"),
    "poster_url": lazy_gettext("Постер (URL)"),
    "kinopoisk_id": lazy_gettext("Id на Кинопоиске"),
    "rating": lazy_gettext("Рейтинг"),
    "genres": lazy_gettext("Жанры через запятую"),
    "description": lazy_gettext("Описание"),
    "weight": lazy_gettext("Вес"),
}
LOTTERY_TITLE = lazy_gettext("Название лотереи")

NUMBER_ERRORS = {
    "int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "finite_number",
    "greater_than", "greater_than_equal", "less_than", "less_than_equal",
}

MAGNET_MESSAGES = {
    "bad_hash": lazy_gettext("Хеш торрента в magnet-ссылке должен состоять из 40 шестнадцатеричных или 32 символов base32."),
    "too_long": lazy_gettext("Magnet-ссылка слишком длинная (больше %(max)d символов)."),
    "not_magnet": lazy_gettext("Это не magnet-ссылка: она должна начинаться с magnet:?"),
    "no_hash": lazy_gettext("В magnet-ссылке нет хеша торрента (xt=urn:btih:…)."),
    "v2_only": lazy_gettext("Magnet-ссылки только для BitTorrent v2 (urn:btmh) не поддерживаются: нужна ссылка v1 или гибридная."),
    "not_btih": lazy_gettext("Параметр xt в magnet-ссылке — не хеш BitTorrent (urn:btih:…)."),
    "bad_trackers": lazy_gettext("В magnet-ссылке неверный адрес трекера (tr=…)."),
    "bad_torrent": lazy_gettext("Это не файл .torrent, или он повреждён."),
    "torrent_too_large": lazy_gettext("Файл .torrent больше %(mib)d МиБ."),
}


@cache
def number_bounds() -> dict[str, tuple[Any, Any]]:
    """Each numeric field's (minimum, maximum), read from the schemas themselves."""
    bounds: dict[str, tuple[Any, Any]] = {}

    def collect(schema: dict) -> None:
        for name, prop in schema.get("properties", {}).items():
            for option in [prop, *prop.get("anyOf", [])]:
                if "minimum" in option and "maximum" in option:
                    bounds.setdefault(name, (option["minimum"], option["maximum"]))

    model: type[BaseModel]
    for model in (FilmIn, LotteryIn):
        schema = model.model_json_schema()
        collect(schema)
        for definition in schema.get("$defs", {}).values():
            collect(definition)
    return bounds


def problem(error: Mapping[str, Any]) -> str:
    """What is wrong with one value, as the end of a sentence ("должно быть числом от 1 до 100")."""
    kind, ctx = error["type"], error.get("ctx") or {}
    field = next((part for part in reversed(error["loc"]) if isinstance(part, str)), "")
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("нужно заполнить")
    if kind == "string_too_long":
        return ngettext("не длиннее %(num)d символа", "не длиннее %(num)d символов", ctx["max_length"])
    if kind in NUMBER_ERRORS:
        if field in number_bounds():
            low, high = number_bounds()[field]
            return _("должно быть числом от %(min)s до %(max)s", min=low, max=high)
        return _("должно быть числом")
    if kind == "url_scheme":
        return _("нужна ссылка, которая начинается с http:// или https:// (или путь /static/…)")
    if kind == "too_long":
        return ngettext("не больше %(num)d значения", "не больше %(num)d значений", ctx["max_length"])
    if kind == "extra_forbidden":
        return _("такого поля нет")
    return _("неверное значение")


def labelled(label: str, error: Mapping[str, Any]) -> str:
    return _("«%(field)s» — %(problem)s", field=label, problem=problem(error))


def film_form_errors(exc: ValidationError) -> dict[str, str]:
    """The admin film form: one sentence per field, keyed by the form's field name."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "title"
        errors.setdefault(name, labelled(str(FIELD_LABELS.get(name, name)), error))
    return errors


def builder_errors(exc: ValidationError, film_count: int) -> list[str]:
    """The lottery builder: sentences for the list above the form, films numbered from 1."""
    messages: list[str] = []
    for error in exc.errors():
        loc = error["loc"]
        if loc == ("entries",):
            message = _("Нужно от %(min)d до %(max)d фильмов, а сейчас %(count)d.", min=MIN_ENTRIES, max=MAX_ENTRIES, count=film_count)
        elif len(loc) == 3 and loc[0] == "entries":
            label = FIELD_LABELS.get(str(loc[2]), str(loc[2]))
            message = _("Фильм №%(n)d: «%(field)s» — %(problem)s", n=int(loc[1]) + 1, field=label, problem=problem(error))
        elif loc == ("title",):
            message = labelled(str(LOTTERY_TITLE), error)
        else:
            message = labelled(".".join(str(part) for part in loc), error)
        if message not in messages:
            messages.append(message)
    return messages


def magnet_message(exc: MagnetError) -> str:
    template = MAGNET_MESSAGES.get(exc.code)
    return str(template) % exc.params if template is not None else str(exc)
