"""What the watchlist pages and API share."""

from __future__ import annotations

from typing import Any

from ...models import iso_utc
from ...services.watchlists import Wish

WISH_LIMIT = "60/minute"


def wish_json(wish: Wish) -> dict[str, Any]:
    return {"film": wish.film.to_dict(), "added_at": iso_utc(wish.added_at)}
