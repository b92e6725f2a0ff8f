"""Sharing lotteries and polls: what their link previews show (OpenGraph, Twitter card) and a QR code of the link."""
from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _

from ..models import Lottery, Poll
from .pages import lottery_or_404
from .poll_view import poll_url
from .presenters import lottery_url, poster_src

bp = Blueprint("sharing", __name__)

DESCRIPTION_TITLES = 6


def absolute_poster(url: str | None) -> str | None:
    """A poster as previews need it: https where possible (poster_src), and site-relative
    paths (demo posters, /static/…) made absolute from SITE_URL or the request root."""
    url = poster_src(url)
    if not url or url.lower().startswith(("http://", "https://")):
        return url
    root = current_app.config["SETTINGS"].site_url or request.url_root
    return root.rstrip("/") + "/" + url.lstrip("/")


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


@bp.app_template_global()
def poll_preview(poll: Poll) -> dict[str, str | None]:
    """What a messenger shows for a poll's link: the films to vote for and the first poster."""
    name = poll.title or _("Голосование %(id)s", id=poll.public_id)
    return {
        "title": "🗳 " + name + " — " + _("Кинолотерея"),
        "description": _("Голосуем, что смотрим: %(films)s", films=", ".join(e.title for e in poll.entries)),
        "image": absolute_poster(next((e.poster_url for e in poll.entries if e.poster_url), None)),
        "url": poll_url(poll),
    }


def qr_svg(url: str, title: str, cache: str = "public, max-age=3600") -> Response:
    """A QR code of ``url`` as SVG (drawn by segno on the server)."""
    out = io.BytesIO()
    import segno  # only the QR views draw QR codes: web processes start without it

    segno.make(url, error="m").save(
        out, kind="svg", scale=10, border=2, dark="#120b1f", light="#ffffff", xmldecl=False, omitsize=True,
        title=title,
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = cache
    response.vary.update(("Accept-Language", "Cookie"))  # its <title> is in the visitor's language
    return response


@bp.get("/l/<public_id>/qr.svg")
def lottery_qr(public_id: str):
    found = lottery_or_404(public_id)
    return qr_svg(lottery_url(found), lottery_name(found))
