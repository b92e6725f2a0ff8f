"""The site's pages blueprint, which the domains' page modules add their routes to (lotteries/,
library/; the newer domains have their own), and the language switch. Nothing here calls a
remote service: pages read the database only."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..extensions import SUPPORTED_LOCALES


bp = Blueprint("pages", __name__)


def page_to_return_to(referrer: str | None) -> str:
    """The page the visitor came from when it is ours and can be opened with GET, without
    ?lang= (which would override the new choice); else the home page."""
    home = url_for("pages.home")
    if not referrer or not referrer.startswith(request.host_url):
        return home
    parts = urlsplit(referrer)
    try:
        current_app.url_map.bind(request.host).match(parts.path, method="GET")
    except HTTPException as exc:
        if not isinstance(exc, RequestRedirect):
            return home
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return parts.path + ("?" + query if query else "")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in SUPPORTED_LOCALES:
        abort(404)
    response = make_response(redirect(page_to_return_to(request.referrer)))
    response.set_cookie(
        "lang",
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
