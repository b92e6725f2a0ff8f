"""Text formats the clients share with services: pure functions, no network libraries."""

from __future__ import annotations

import re

KINOPOISK_LINK_RE = re.compile(
    r"^(?:https?://)?(?:[\w-]+\.)?kinopoisk\.ru/(?:film|series)/(\d{1,9})(?:[/?#].*)?$", re.I
)


def parse_kinopoisk_ref(text: str) -> int | None:
    """A Kinopoisk film/series link or a bare id → the id; anything else → None."""
    text = text.strip()
    if text.isdigit() and 0 < len(text) <= 9:
        return int(text) or None
    match = KINOPOISK_LINK_RE.match(text)
    return int(match.group(1)) if match else None


def escape_html(text: str) -> str:
    """Escape for Telegram's parse_mode=HTML: only &, < and > need escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
