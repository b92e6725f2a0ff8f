"""Blueprints, error handlers, template helpers, fingerprinted static files and security headers.

Each domain's routes are in its package (lotteries/, library/, torrents/, polls/, nights/, …);
the blueprints pages, api and admin are shared: their routes come from several domains, so
every endpoint keeps its name (pages.lottery, api.get_lottery, admin.edit_film)."""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from flask_babel import get_locale
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join

from .. import page_cache
from ..extensions import select_locale
from ..models import iso_utc
from ..services.torrents import downloads
from . import admin, api, auth, backup, health, imports, members, nights, pages, presenters, pwa, ratings, watchlists
from .errors import register_error_handlers
from .library import admin as library_admin, api as library_api, curation, pages as library_pages, stats
from .lotteries import api as lotteries_api, pages as lotteries_pages, sharing
from .polls import api as polls_api, pages as polls_pages, voter
from .presenters import poster_src, request_translations
from .push import api as push_api
from .push import pages as push_pages
from .headers import add_page_headers
from .torrents import admin as torrents_admin, api as torrents_api

# The shared blueprints (pages, api, admin) hold the routes their domains' modules add to them.
DOMAIN_ROUTES = (
    lotteries_pages,
    lotteries_api,
    library_pages,
    library_api,
    library_admin,
    torrents_api,
    torrents_admin,
)


class RowIdConverter(IntegerConverter):
    """``<int:…>`` bounded to the database's INTEGER range: a larger id is a 404, not an
    overflow error from the driver. (Werkzeug's own ``max=`` would turn it into a 405 when
    the path has a route for another method.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > 2**31 - 1:
            raise NotFound()
        return number


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any rule is added
    for blueprint in (
        health.bp,
        pages.bp,
        stats.bp,
        sharing.bp,
        admin.bp,
        curation.bp,
        api.bp,
        polls_pages.bp,
        polls_api.bp,
        backup.bp,
        *members.blueprints,
        *nights.blueprints,
        *ratings.blueprints,
        *watchlists.blueprints,
        *imports.blueprints,
        pwa.bp,
        push_api.bp,
        push_pages.bp,
    ):
        app.register_blueprint(blueprint)
    nights.register_template_helpers(app)
    register_error_handlers(app)
    register_static_fingerprints(app)
    # Before the page cache's hook, which so runs first: a device's sighting is not a write the
    # visitor's next page must wait for (no page shows it but /me, which is never cached).
    app.after_request(voter.record_sighting)
    page_cache.init_app(app, private=auth.is_admin, language=select_locale, headers=add_page_headers)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by Flask-Babel's jinja2.ext.i18n
        gettext=lambda text: request_translations().ugettext(text),
        ngettext=lambda singular, plural, n: request_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    health.register_ready_check(app, "database", health.database_check, fatal=True)
    health.register_ready_check(app, "notifier", health.notifier_check)
    health.register_ready_check(app, "qbittorrent", health.qbittorrent_check)

    app.add_template_filter(poster_src, "poster_src")

    @app.template_filter("without_cursor")
    def without_cursor(args: dict) -> dict:
        return {key: value for key, value in args.items() if key != "cursor"}

    app.add_template_filter(presenters.genre_name, "genre_name")
    app.add_template_filter(presenters.genre_names, "genre_names")
    app.add_template_global(presenters.torrent_label, "torrent_label")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(presenters.utc_text, "utc_text")

    @app.context_processor
    def template_globals():
        settings = app.config["SETTINGS"]
        return {
            "is_admin": auth.is_admin(),
            "csrf_token": page_cache.csrf_token,
            "current_locale": str(get_locale()),
            "lottery_url": presenters.lottery_url,
            "qbittorrent_state": downloads.integration_state(app.extensions.get("qbittorrent")),
            "settings_flags": {
                "kinopoisk": settings.kinopoisk_enabled,
                "qbittorrent": settings.qbittorrent_enabled,
                "telegram": settings.telegram_enabled,
                "push": settings.push_enabled,
            },
        }

    @app.after_request
    def security_headers(response):
        add_page_headers(response, str(get_locale()), request.is_secure)
        if response.mimetype == "text/html" and auth.is_admin():
            # kept nowhere: not by the service worker (it refuses no-store), not by a proxy
            response.headers["Cache-Control"] = "private, no-store"
        return response


ONE_YEAR = 365 * 24 * 3600


def register_static_fingerprints(app: Flask) -> None:
    """url_for('static', …) adds ?v=<content hash>; a request carrying the current hash may be
    cached for a year (a changed file gets a new URL); any other static URL keeps Flask's
    `no-cache` (revalidate with its ETag)."""
    hashes: dict[str, str | None] = {}  # files do not change while a process runs

    def fingerprint(filename: str) -> str | None:
        if filename not in hashes:
            path = safe_join(app.static_folder, filename) if app.static_folder else None
            hashes[filename] = None
            if path and os.path.isfile(path):
                with open(path, "rb") as file:
                    hashes[filename] = hashlib.sha256(file.read()).hexdigest()[:12]
        return hashes[filename]

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and (digest := fingerprint(values.get("filename", ""))):
            values["v"] = digest

    @app.after_request
    def cache_fingerprinted(response):
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        version = request.args.get("v")
        if version and version == fingerprint((request.view_args or {}).get("filename", "")):
            # Only these: Flask's own `no-cache` (revalidate every time) would contradict them.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response
