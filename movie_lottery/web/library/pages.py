"""The library page: filters, sorting, badges and the visitor's own scores."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from ...extensions import db
from ...page_cache import cached_page, expires_at
from ...services import library
from ...services.library import badges
from ..pages import bp
from ..polls.voter import current_member, device_variant


@bp.get("/library")
@cached_page(vary=(device_variant,))  # a member's own scores, list and filters
def library_page():
    args = request.args
    sort = args.get("sort", "added")
    year = args.get("year", "").strip()
    query = args.get("q", "").strip()[:200]
    badge = args.get("badge", "").strip()
    if badge and badge not in library.BADGES:
        abort(400, _("Неверные параметры фильтра."))
    wished = args.get("wished", "").strip()
    if wished and wished not in library.WISHED:
        abort(400, _("Неверные параметры фильтра."))
    if sort not in library.SORTS or (year and not (year.isdigit() and len(year) == 4)):
        abort(400, _("Неверные параметры фильтра."))
    member = current_member()
    try:
        page = library.browse(
            db.session,
            query=query or None,
            year=int(year) if year else None,
            genre=args.get("genre", "").strip().lower() or None,
            badge=badge or None,
            sort=sort,
            cursor=args.get("cursor") or None,
            columns=library.CARD_COLUMNS,
            member_id=member.id if member else None,
            unrated_only=args.get("unrated") == "1",
            wished=wished or None,
        )
    except library.InvalidCursor:
        abort(400, _("Неверная ссылка на страницу."))
    expires_at(badges.tomorrow())  # bans end with the day
    return render_template(
        "library.html", page=page, genres=library.KNOWN_GENRES, sorts=library.SORTS, today=badges.today(), member=member
    )
