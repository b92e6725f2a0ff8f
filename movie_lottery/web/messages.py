"""What people read when their input is refused: a sentence in the page's language that names
the field as the form labels it. One place for the builder, the admin film form and the
magnet/.torrent forms (the API keeps its machine codes and field keys beside these texts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from pydantic import BaseModel, ValidationError

from ..services.lotteries.lottery import MAX_ENTRIES, MIN_ENTRIES
from ..services.members.identity import NAME_MAX
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

NUMBER_ERRORS = {"int_type", "float_type", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}

MAGNET_MESSAGES = {
    "bad_hash": lazy_gettext(
        "Хеш торрента в magnet-ссылке должен состоять из 40 шестнадцатеричных или 32 символов base32."
    ),
    "too_long": lazy_gettext("Magnet-ссылка слишком длинная (больше %(max)d символов)."),
    "not_magnet": lazy_gettext("Это не magnet-ссылка: она должна начинаться с magnet:?"),
    "no_hash": lazy_gettext("В magnet-ссылке нет хеша торрента (xt=urn:btih:…)."),
    "v2_only": lazy_gettext(
        "Magnet-ссылки только для BitTorrent v2 (urn:btmh) не поддерживаются: нужна ссылка v1 или гибридная."
    ),
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


def _bound(ctx: dict) -> Any:
    return next(ctx[key] for key in ("ge", "gt", "le", "lt") if key in ctx)


# What is wrong with one value, by pydantic's error type (and our schemas' own types), as the end
# of a sentence ("должно быть не меньше 1"): the forms put the field's label before it, the API
# gives it as the field's text. Values come from the error's ctx.
PROBLEMS: dict[str, Callable[[dict], str]] = {
    "missing": lambda ctx: _("нужно заполнить"),
    "string_type": lambda ctx: _("должно быть строкой"),
    "string_too_short": lambda ctx: ngettext(
        "не короче %(num)d символа", "не короче %(num)d символов", ctx["min_length"]
    ),
    "string_too_long": lambda ctx: ngettext(
        "не длиннее %(num)d символа", "не длиннее %(num)d символов", ctx["max_length"]
    ),
    "string_pattern_mismatch": lambda ctx: _("должно подходить под шаблон %(pattern)s", pattern=ctx["pattern"]),
    "int_type": lambda ctx: _("должно быть целым числом"),
    "float_type": lambda ctx: _("должно быть числом"),
    "greater_than_equal": lambda ctx: _("должно быть не меньше %(limit)s", limit=_bound(ctx)),
    "greater_than": lambda ctx: _("должно быть больше %(limit)s", limit=_bound(ctx)),
    "less_than_equal": lambda ctx: _("должно быть не больше %(limit)s", limit=_bound(ctx)),
    "less_than": lambda ctx: _("должно быть меньше %(limit)s", limit=_bound(ctx)),
    "bool_type": lambda ctx: _("должно быть true или false"),
    "list_type": lambda ctx: _("должно быть списком"),
    "too_short": lambda ctx: ngettext("не меньше %(num)d значения", "не меньше %(num)d значений", ctx["min_length"]),
    "too_long": lambda ctx: ngettext("не больше %(num)d значения", "не больше %(num)d значений", ctx["max_length"]),
    "model_type": lambda ctx: _("должно быть объектом"),
    "extra_forbidden": lambda ctx: _("такого поля нет"),
    "literal_error": lambda ctx: _("допустимые значения: %(values)s", values=ctx["expected"].replace(" or ", ", ")),
    "date_type": lambda ctx: _("должно быть датой ГГГГ-ММ-ДД"),
    "datetime_type": lambda ctx: _("должно быть датой и временем ISO 8601 (например, 2030-01-31T20:00:00+03:00)"),
    "timezone_aware": lambda ctx: _("нужен часовой пояс (например, +03:00)"),
    # Our schemas' own types (PydanticCustomError)
    "url_scheme": lambda ctx: _("нужна ссылка, которая начинается с http:// или https:// (или путь /static/…)"),
    "in_past": lambda ctx: _("должно быть в будущем"),
    "same_times": lambda ctx: _("варианты времени должны различаться"),
    "start_or_options": lambda ctx: _("нужно одно из двух: starts_at или date_options"),
    "one_film_source": lambda ctx: _("вечер смотрит не больше одного из lottery_id, poll_id, film_id"),
    "option_or_start": lambda ctx: _("нужно одно из двух: option_id или starts_at"),
    "title_or_film": lambda ctx: _("нужно название (title) или film_id фильма из библиотеки"),
    "film_id_alone": lambda ctx: _("у записи с film_id не бывает других полей"),
    "name": lambda ctx: _("Имя — от 1 до %(max)d символов, без управляющих символов.", max=NAME_MAX),
    "endpoint": lambda ctx: _("нужна ссылка https:// службы push-уведомлений"),
    "base64url": lambda ctx: _("должно быть в кодировке base64url"),
    "p256dh": lambda ctx: _("должно быть открытым ключом P-256 (65 байт, base64url)"),
    "auth": lambda ctx: _("должно быть 16 байтами в base64url"),
    "topic": lambda ctx: _("такой темы нет (есть: %(known)s)", known=ctx["known"]),
    "approval_only": lambda ctx: _("max_approvals бывает только у голосования с одобрением (ballot: approval)"),
    "one_ballot_kind": lambda ctx: _("нужно одно из трёх: entry_id, entry_ids или ranking"),
}
# Types that say the same as one above.
SAME_AS = {
    "int_parsing": "int_type",
    "int_from_float": "int_type",
    "int_parsing_size": "int_type",
    "float_parsing": "float_type",
    "finite_number": "float_type",
    "bool_parsing": "bool_type",
    "model_attributes_type": "model_type",
    "dict_type": "model_type",
    "date_parsing": "date_type",
    "date_from_datetime_parsing": "date_type",
    "date_from_datetime_inexact": "date_type",
    "datetime_parsing": "datetime_type",
    "datetime_from_date_parsing": "datetime_type",
    "datetime_object_invalid": "datetime_type",
}


def problem(error: Mapping[str, Any]) -> str:
    """What is wrong with one value, in the request's language ("должно быть числом от 1 до 100")."""
    kind, ctx = error["type"], error.get("ctx") or {}
    kind = SAME_AS.get(kind, kind)
    field = next((part for part in reversed(error["loc"]) if isinstance(part, str)), "")
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "missing"
    if kind in NUMBER_ERRORS and field in number_bounds():
        low, high = number_bounds()[field]
        return _("должно быть числом от %(min)s до %(max)s", min=low, max=high)
    describe = PROBLEMS.get(kind)
    return describe(ctx) if describe is not None else _("неверное значение")


def field_problems(exc: ValidationError) -> dict[str, str]:
    """The API's 422 fields: {"entries.0.title": "нужно заполнить"}, in the request's language."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(key, problem(error))
    return fields


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
            message = _(
                "Нужно от %(min)d до %(max)d фильмов, а сейчас %(count)d.",
                min=MIN_ENTRIES,
                max=MAX_ENTRIES,
                count=film_count,
            )
        elif len(loc) == 3 and loc[0] == "entries":
            label = FIELD_LABELS.get(str(loc[2]), str(loc[2]))
            message = _(
                "Фильм №%(n)d: «%(field)s» — %(problem)s", n=int(loc[1]) + 1, field=label, problem=problem(error)
            )
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
