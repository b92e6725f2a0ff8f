"""Sharing a lottery: what its link preview shows (OpenGraph, Twitter card) and a QR code of the link."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from ...models import Lottery
from ..presenters import absolute_poster, lottery_url, qr_svg
from .pages import lottery_or_404


bp = Blueprint("sharing", __name__)


DESCRIPTION_TITLES = 6


def lottery_name(found: Lottery) -> str:
    return found.title or _("Лотерея %(id)s", id=found.public_id)


@bp.app_template_global()
def lottery_preview(found: Lottery) -> dict[str, str | None]:
    """What a messenger shows for the link: the winner once drawn, else the films to choose from."""
    winner = found.winner
    if winner is not None:
        description = _("Смотрим: %(title)s", title=winner.title + (f" ({winner.year})" if winner.year else ""))
        image = winner.poster_url
    else:
        titles = [e.title for e in found.entries]
        shown = ", ".join(titles[:DESCRIPTION_TITLES]) + ("…" if len(titles) > DESCRIPTION_TITLES else "")
        description = _("Выбираем из %(n)d фильмов: %(titles)s", n=len(titles), titles=shown)
        image = next((e.poster_url for e in found.entries if e.poster_url), None)
    return {
        "title": lottery_name(found) + " — " + _("Кинолотерея"),
        "description": description,
        "image": absolute_poster(image),
        "url": lottery_url(found),
    }


@bp.get("/l/<public_id>/qr.svg")
def lottery_qr(public_id: str):
    found = lottery_or_404(public_id)
    return qr_svg(lottery_url(found), lottery_name(found))
