"""Blueprints, error handlers, template helpers and security headers."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .. import page_cache
from ..extensions import select_locale
from ..models import iso_utc
from ..services import downloads
from . import admin, api, auth, backup, curation, health, members, nights, pages, polls_api, polls_pages, presenters, pwa, ratings, sharing, stats
from .push import api as push_api
from .push import pages as push_pages
from .presenters import poster_src, request_translations
from .errors import register_error_handlers
from .headers import add_page_headers
from .static_files import register_static_fingerprints

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
    for blueprint in (health.bp, pages.bp, stats.bp, sharing.bp, admin.bp, curation.bp, api.bp, polls_pages.bp, polls_api.bp, backup.bp,
                      *members.blueprints, *nights.blueprints, *ratings.blueprints, pwa.bp, push_api.bp, push_pages.bp):
        app.register_blueprint(blueprint)
    nights.register_template_helpers(app)
    register_error_handlers(app)
    register_static_fingerprints(app)
    page_cache.init_app(app, private=auth.is_admin, language=select_locale, headers=add_page_headers)
    app.jinja_env.install_gettext_callables(
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
        return add_page_headers(response, str(get_locale()), request.is_secure)
