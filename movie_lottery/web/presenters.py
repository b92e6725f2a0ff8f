"""How lotteries look in JSON (the API, and the lottery page's polling script)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from flask import Response, current_app, g, request, url_for
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ..models import Lottery, as_utc, iso_utc
from ..services.lotteries.lottery import eliminated_positions


def external_url(endpoint: str, **values: Any) -> str:
    """Every link that leaves the site (share boxes, the API's urls): SITE_URL wins over the
    request's host, so links are right behind any proxy and cannot be forged by a header."""
    site_url = current_app.config["SETTINGS"].site_url
    if site_url:
        return site_url + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def request_translations():
    """The catalog for this request's locale, looked up once: a page calls _() dozens of
    times and Flask-Babel resolves locale and catalog on every call."""
    locale = get_locale()
    cached = g.get("translations")
    if cached is None or cached[0] is not locale:  # force_locale() switches mid-request
        cached = g.translations = (locale, get_translations())
    return cached[1]


def poster_src(url: str | None) -> str | None:
    """Posters on an HTTPS page must not be plain http (mixed content); Kinopoisk's CDNs serve https."""
    if url and url[:7].lower() == "http://":
        return "https://" + url[7:]
    return url


def lottery_url(lottery: Lottery) -> str:
    return external_url("pages.lottery", public_id=lottery.public_id)


def utc_text(value: datetime) -> str:
    """The server-side fallback of a <time>: day and minute in UTC."""
    return as_utc(value).strftime("%d.%m.%Y %H:%M")


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
    body: dict[str, Any] = {
        "id": lottery.public_id,
        "title": lottery.title,
        "mode": lottery.mode,
        "draw_rule": lottery.draw_rule,
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


# Kinopoisk's genre names (stored in Russian, library.KNOWN_GENRES) as the visitor reads them.
# (lazy_gettext marks them for extraction; genre_name looks them up in the request's catalog.)
GENRE_NAMES = {
    "аниме": lazy_gettext("аниме"),
    "биография": lazy_gettext("биография"),
    "боевик": lazy_gettext("боевик"),
    "вестерн": lazy_gettext("вестерн"),
    "военный": lazy_gettext("военный"),
    "детектив": lazy_gettext("детектив"),
    "детский": lazy_gettext("детский"),
    "документальный": lazy_gettext("документальный"),
    "драма": lazy_gettext("драма"),
    "история": lazy_gettext("история"),
    "комедия": lazy_gettext("комедия"),
    "короткометражка": lazy_gettext("короткометражка"),
    "криминал": lazy_gettext("криминал"),
    "мелодрама": lazy_gettext("мелодрама"),
    "музыка": lazy_gettext("музыка"),
    "мультфильм": lazy_gettext("мультфильм"),
    "мюзикл": lazy_gettext("мюзикл"),
    "приключения": lazy_gettext("приключения"),
    "семейный": lazy_gettext("семейный"),
    "спорт": lazy_gettext("спорт"),
    "триллер": lazy_gettext("триллер"),
    "ужасы": lazy_gettext("ужасы"),
    "фантастика": lazy_gettext("фантастика"),
    "фэнтези": lazy_gettext("фэнтези"),
}


def _genre_in(translations, genre: str) -> str:
    return translations.ugettext(genre) if genre in GENRE_NAMES else genre


def genre_name(genre: str) -> str:
    """A genre for display; the stored Russian value stays the filter's value."""
    return _genre_in(request_translations(), genre)


def genre_names(genres: list[str]) -> str:
    """A film's genres for display, comma-separated (one filter call per library card)."""
    translations = request_translations()
    return ", ".join(_genre_in(translations, genre) for genre in genres)


# qBittorrent's torrent states in a few words people know (its own names are e.g. metaDL, stalledUP).
TORRENT_STATE_WORDS = {
    **dict.fromkeys(("downloading", "metaDL", "forcedMetaDL", "stalledDL", "forcedDL", "allocating"), "downloading"),
    **dict.fromkeys(("uploading", "stalledUP", "forcedUP", "pausedUP", "stoppedUP", "queuedUP", "checkingUP"), "done"),
    **dict.fromkeys(("pausedDL", "stoppedDL"), "paused"),
    **dict.fromkeys(("error", "missingFiles"), "error"),
    "queuedDL": "queued",
    **dict.fromkeys(("checkingDL", "checkingResumeData", "moving"), "checking"),
}


def torrent_label(state: str | None, progress: float | None, on_client: bool | None = None) -> str:
    """The badge text for a film's torrent, in the page's language (pages and /api/torrents)."""
    if on_client is False:
        return _("нет в qBittorrent")
    if state is None:
        return _("ещё не отправлен")
    word = TORRENT_STATE_WORDS.get(state)
    if word == "downloading":
        return _("загружается %(percent)d %%", percent=round((progress or 0) * 100))
    labels = {
        "done": lambda: _("скачан"),
        "paused": lambda: _("на паузе"),
        "error": lambda: _("ошибка"),
        "queued": lambda: _("в очереди"),
        "checking": lambda: _("проверка"),
    }
    return labels[word]() if word in labels else _("неизвестно")


def absolute_poster(url: str | None) -> str | None:
    """A poster as previews need it: https where possible (poster_src), and site-relative
    paths (demo posters, /static/…) made absolute from SITE_URL or the request root."""
    url = poster_src(url)
    if not url or url.lower().startswith(("http://", "https://")):
        return url
    root = current_app.config["SETTINGS"].site_url or request.url_root
    return root.rstrip("/") + "/" + url.lstrip("/")


def qr_svg(url: str, title: str, cache: str = "public, max-age=3600") -> Response:
    """A QR code of ``url`` as SVG (drawn by segno on the server)."""
    out = io.BytesIO()
    import segno  # only the QR views draw QR codes: web processes start without it

    segno.make(url, error="m").save(
        out,
        kind="svg",
        scale=10,
        border=2,
        dark="#120b1f",
        light="#ffffff",
        xmldecl=False,
        omitsize=True,
        title=title,
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = cache
    response.vary.update(("Accept-Language", "Cookie"))  # its <title> is in the visitor's language
    return response
