"""Checks a Bot API call against the vendored specification (tests/specs/telegram-bot-api-methods.json).

The real API ignores what it does not know; the fake refuses it instead, so a parameter
Telegram dropped (disable_web_page_preview) or a typo can never pass the tests silently.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent.parent / "specs" / "telegram-bot-api-methods.json"
ARRAY = re.compile(r"^Array of (.+)$")
SCALAR_KINDS = {"Integer", "Float", "String", "Boolean", "True", "InputFile"}


class SpecViolation(Exception):
    """Its message is the description of the 400 the fake answers."""


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def known_method(method: str) -> bool:
    return method in spec()["methods"]


def check_call(method: str, params: dict, *, typed: bool) -> None:
    """typed: the parameters came as a JSON body (form and query values are all strings)."""
    _check_fields(spec()["methods"][method]["fields"], params, typed=typed, where="")


def check_multipart(method: str, form: dict[str, str], files: dict[str, object]) -> None:
    """A multipart/form-data call (how files are uploaded): a file only where the field takes an
    InputFile, and every other value, sent as text, must read as its type — numbers and booleans
    as such, objects and arrays as JSON — and is then checked as in a JSON call."""
    fields = {field["name"]: field for field in spec()["methods"][method]["fields"]}
    for name in files:
        if name not in fields:
            raise SpecViolation(f'Bad Request: unknown parameter "{name}"')
        if "InputFile" not in fields[name]["types"]:
            raise SpecViolation(f'Bad Request: parameter "{name}" can\'t be a file')
    typed: dict = {}
    for name, text in form.items():
        if name in files:
            raise SpecViolation(f'Bad Request: parameter "{name}" is given twice')
        typed[name] = _from_form(text, fields[name]["types"]) if name in fields else text
    _check_fields(list(fields.values()), {**typed, **{name: "<file>" for name in files}}, typed=True, where="")


def _from_form(text: str, kinds: list[str]):
    """A form value as the JSON value the API reads it as (the text itself when no type fits)."""
    for kind in kinds:
        if kind in ("String", "InputFile"):
            return text
        if kind == "Integer" and re.fullmatch(r"-?\d+", text):
            return int(text)
        if kind == "Float":
            try:
                return float(text)
            except ValueError:
                continue
        if kind in ("Boolean", "True") and text in ("true", "false"):
            return text == "true"
        if kind not in SCALAR_KINDS:
            try:
                return json.loads(text)
            except ValueError:
                continue
    return text


def _check_fields(fields: list[dict], values: dict, *, typed: bool, where: str) -> None:
    by_name = {field["name"]: field for field in fields}
    for name in values:
        if name not in by_name:
            raise SpecViolation(f'Bad Request: unknown parameter "{where}{name}"')
    for field in fields:
        name = field["name"]
        if name not in values or values[name] is None:
            if field["required"]:
                raise SpecViolation(f'Bad Request: parameter "{where}{name}" is required')
            continue
        if not typed:
            continue
        kinds, inner = field["types"], f"{where}{name}."
        # One possible type: a violation inside an object names the innermost field.
        fits = (
            _matches(values[name], kinds[0], inner)
            if len(kinds) == 1
            else any(_fits(values[name], kind, inner) for kind in kinds)
        )
        if not fits:
            raise SpecViolation(f'Bad Request: parameter "{where}{name}" must be of type {" or ".join(field["types"])}')


def _matches(value, kind: str, where: str) -> bool:
    """Whether value has the JSON type `kind`; a vendored object's own fields are checked too
    (a violation inside raises, so the message names the innermost field)."""
    array = ARRAY.match(kind)
    if array:
        return isinstance(value, list) and all(_matches(item, array.group(1), where) for item in value)
    if kind == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "Float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "String":
        return isinstance(value, str)
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "True":
        return value is True
    if kind == "InputFile":
        return isinstance(value, str)  # an uploaded file arrives as multipart (check_multipart), never in a JSON body
    if not isinstance(value, dict):
        return False
    entry = spec()["types"][kind]
    if entry.get("subtypes"):
        return any(_fits(value, sub, where) for sub in entry["subtypes"])
    _check_fields(entry["fields"], value, typed=True, where=where)
    return True


def _fits(value: dict, kind: str, where: str) -> bool:
    try:
        return _matches(value, kind, where)
    except SpecViolation:
        return False


# -- parse_mode=HTML (https://core.telegram.org/bots/api#html-style) ------------------------------
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
HTML_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)(?:\s[^<>]*)?>|<|&")
HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")


def check_html(text: str) -> None:
    """What the real API refuses with "can't parse entities": an unsupported or unbalanced tag,
    a bare "<", or an "&" that does not start an entity."""
    open_tags: list[str] = []
    for token in HTML_TOKEN.finditer(text):
        offset = len(text[: token.start()].encode("utf-8"))
        if token.group() == "&":
            if not HTML_ENTITY.match(text, token.start()):
                raise SpecViolation(
                    "Bad Request: can't parse entities: Character '&' is reserved and must be escaped "
                    f"with the corresponding HTML entity at byte offset {offset}"
                )
            continue
        if token.group() == "<":
            raise SpecViolation(f"Bad Request: can't parse entities: Unclosed start tag at byte offset {offset}")
        closing, name = token.group(1), token.group(2).lower()
        if name not in HTML_TAGS:
            raise SpecViolation(
                f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
            )
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            raise SpecViolation(f"Bad Request: can't parse entities: Unmatched end tag at byte offset {offset}")
    if open_tags:
        raise SpecViolation(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{open_tags[-1]}\""
        )
