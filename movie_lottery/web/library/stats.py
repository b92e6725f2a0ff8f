"""The /stats page: what the group has been watching, drawn as server-side SVG charts."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, render_template
from flask_babel import format_date

from ...extensions import db
from ...page_cache import cached_page, expires_at
from ...models import as_utc
from ..presenters import genre_name
from ...services.library import badges, stats
from ...services.ratings import taste

bp = Blueprint("stats", __name__)


@bp.get("/stats")
@cached_page()
def stats_page():
    expires_at(badges.tomorrow())  # the months shown and the waiting times count from today
    collected = stats.collect(db.session)
    genres = [stats.Bar(genre_name(bar.label), bar.value) for bar in collected.winners_by_genre]  # stored in Russian
    return render_template("stats.html", stats=collected, genre_bars=genres, taste=taste.collect(db.session))


@bp.app_template_filter("month_caption")
def month_caption(month_and_count: tuple[date, int]) -> tuple[str, int]:
    month, count = month_and_count
    return format_date(month, "LLL").rstrip(".")[:3], count  # three letters fit a column on a phone


@bp.app_template_filter("date_short")
def date_short(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return format_date(as_utc(value).date() if isinstance(value, datetime) else value, "medium")
