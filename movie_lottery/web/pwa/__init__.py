"""The installable app: the web manifest, the service worker at the site's root and the page
it shows offline. The worker's script names this deployment's version, so a new deployment
is a new worker, which takes over at once (skipWaiting + clients.claim)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ...extensions import SUPPORTED_LOCALES

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#1b1030"
BACKGROUND_COLOR = "#120b1f"
# Fingerprinted files the offline page and the kept pages need, cached when the worker installs.
PRECACHED_STATIC = (
    "style.css",
    "movie_night.css",
    "poll.css",
    "posters.js",
    "app.js",
    "lottery.js",
    "poll.js",
    "local_time.js",
    "favicon.svg",
    "icons/icon-192.png",
)
_versions: dict[str, str] = {}


def deployment_version() -> str:
    """A digest of the deployed commit (Render's RENDER_GIT_COMMIT) and of what the offline
    experience is made of (static files, templates, translations)."""
    if "current" not in _versions:
        package = Path(current_app.root_path)
        digest = hashlib.sha256(os.environ.get("RENDER_GIT_COMMIT", "").encode())
        for folder in ("static", "templates", "translations"):
            for path in sorted((package / folder).rglob("*")):
                if path.is_file() and path.suffix != ".po":
                    digest.update(path.relative_to(package).as_posix().encode())
                    digest.update(path.read_bytes())
        _versions["current"] = digest.hexdigest()[:16]
    return _versions["current"]


@bp.get("/manifest.webmanifest")
def manifest():
    icons = [
        {
            "src": url_for("static", filename="icons/icon-192.png"),
            "sizes": "192x192",
            "type": "image/png",
            "purpose": "any",
        },
        {
            "src": url_for("static", filename="icons/icon-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "any",
        },
        {
            "src": url_for("static", filename="icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    response = jsonify(
        {
            "name": _("Кинолотерея — киновечера с друзьями"),
            "short_name": _("Кинолотерея"),
            "description": _("Честная лотерея фильмов, голосования и киновечера для друзей."),
            "lang": str(get_locale()),
            "dir": "ltr",
            "id": "/",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": icons,
        }
    )
    response.mimetype = "application/manifest+json"
    response.vary.update(("Accept-Language", "Cookie"))
    response.cache_control.max_age = 3600
    return response


@bp.get("/sw.js")
def service_worker():
    script = render_template(
        "sw.js",
        version=deployment_version(),
        precache=[url_for("static", filename=name) for name in PRECACHED_STATIC],
        offline={code: url_for("pwa.offline", lang=code) for code in SUPPORTED_LOCALES},
    )
    response = Response(script, mimetype="text/javascript")
    response.cache_control.no_cache = True  # browsers look for a new worker on every visit
    return response


@bp.get("/offline")
def offline():
    """What the service worker shows for a page it has no copy of. No CSRF token, no session:
    it is cached for every visitor of this browser."""
    return render_template("offline.html")
