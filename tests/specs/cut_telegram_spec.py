"""Cut tests/specs/telegram-bot-api-methods.json out of the published Bot API specification.

Source: the machine-readable export of https://core.telegram.org/bots/api (repository
PaulSonOfLars/telegram-bot-api-spec, api.json). Kept: the methods below with their fields
(name, types, required), and every type those fields reach, transitively, with its fields
(or, for an abstract type, its subtypes). Descriptions are dropped.

    python tests/specs/cut_telegram_spec.py path/to/api.json > tests/specs/telegram-bot-api-methods.json

Tests read only the cut file; re-run this when the project starts using another method.
"""

from __future__ import annotations

import json
import re
import sys

METHODS = (
    "sendMessage",
    "getUpdates",
    "getMe",
    "deleteWebhook",
    "setWebhook",
    "answerCallbackQuery",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendDocument",
)
SCALARS = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}


def _fields(entry: dict) -> list[dict]:
    return [{"name": f["name"], "types": f["types"], "required": f["required"]} for f in entry.get("fields", [])]


def cut(spec: dict) -> dict:
    methods = {name: {"fields": _fields(spec["methods"][name])} for name in METHODS}
    pending = [t for m in methods.values() for f in m["fields"] for t in f["types"]]
    types: dict[str, dict] = {}
    while pending:
        name = re.sub(r"^(Array of )+", "", pending.pop())
        if name in SCALARS or name in types:
            continue
        entry = spec["types"][name]
        types[name] = {"fields": _fields(entry)}
        if entry.get("subtypes"):
            types[name]["subtypes"] = entry["subtypes"]
        pending += [t for f in types[name]["fields"] for t in f["types"]] + entry.get("subtypes", [])
    return {
        "version": spec["version"],
        "release_date": spec["release_date"],
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        json.dump(cut(json.load(source)), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
