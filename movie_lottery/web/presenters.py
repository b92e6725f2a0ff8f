"""How lotteries look in JSON (the API, and the lottery page's polling script)."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from ..models import Lottery, iso_utc
from ..services.lottery import eliminated_positions


def lottery_url(lottery: Lottery) -> str:
    """Absolute share link; SITE_URL wins so links are right behind any proxy."""
    site_url = current_app.config["SETTINGS"].site_url
    path = url_for("pages.lottery", public_id=lottery.public_id)
    return site_url + path if site_url else url_for("pages.lottery", public_id=lottery.public_id, _external=True)


def winner_json(lottery: Lottery) -> dict[str, Any] | None:
    winner = lottery.winner
    return winner.to_dict() if winner else None


def draw_json(lottery: Lottery) -> dict[str, Any]:
    return {
        "mode": lottery.mode,
        "eliminated": eliminated_positions(lottery),
        "winner": winner_json(lottery),
        "seed": lottery.seed.hex(),
        "commitment": lottery.commitment,
        "drawn_at": iso_utc(lottery.drawn_at),
    }


def lottery_json(lottery: Lottery) -> dict[str, Any]:
    body = {
        "id": lottery.public_id,
        "title": lottery.title,
        "mode": lottery.mode,
        "url": lottery_url(lottery),
        "commitment": lottery.commitment,
        "entries": [entry.to_dict() for entry in lottery.entries],
        "winner": winner_json(lottery),
        "created_at": iso_utc(lottery.created_at),
        "drawn_at": iso_utc(lottery.drawn_at),
    }
    if lottery.is_drawn:
        body["seed"] = lottery.seed.hex()  # revealed only after the draw
        body["eliminated"] = eliminated_positions(lottery)
        body["winner_film_id"] = lottery.winner_film_id
    return body
