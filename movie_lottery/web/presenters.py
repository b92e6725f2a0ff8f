"""How lotteries look in JSON (the API, and the lottery page's polling script)."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from ..models import Lottery, iso_utc


def external_url(endpoint: str, **values: Any) -> str:
    """Every link that leaves the site (share boxes, the API's urls): SITE_URL wins over the
    request's host, so links are right behind any proxy and cannot be forged by a header."""
    site_url = current_app.config["SETTINGS"].site_url
    if site_url:
        return site_url + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def lottery_url(lottery: Lottery) -> str:
    return external_url("pages.lottery", public_id=lottery.public_id)


def winner_json(lottery: Lottery) -> dict[str, Any] | None:
    winner = lottery.winner
    return winner.to_dict() if winner else None


def draw_json(lottery: Lottery) -> dict[str, Any]:
    return {
        "winner": winner_json(lottery),
        "seed": lottery.seed.hex(),
        "commitment": lottery.commitment,
        "drawn_at": iso_utc(lottery.drawn_at),
    }


def lottery_json(lottery: Lottery) -> dict[str, Any]:
    body = {
        "id": lottery.public_id,
        "title": lottery.title,
        "url": lottery_url(lottery),
        "commitment": lottery.commitment,
        "entries": [entry.to_dict() for entry in lottery.entries],
        "winner": winner_json(lottery),
        "created_at": iso_utc(lottery.created_at),
        "drawn_at": iso_utc(lottery.drawn_at),
    }
    if lottery.is_drawn:
        body["seed"] = lottery.seed.hex()  # revealed only after the draw
    return body
