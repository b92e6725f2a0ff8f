"""Server-rendered pages. Nothing here calls a remote service: pages read the database only."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from ..extensions import SUPPORTED_LOCALES, db, limiter
from ..services import library, lottery, polls
from .errors import validation_fields
from .schemas import LotteryIn

bp = Blueprint("pages", __name__)

ENTRY_FIELDS = ("title", "year", "poster_url", "kinopoisk_id", "weight")


def entries_from_form(form) -> list[dict[str, str]]:
    """Rows of the builder form (parallel entry-<field> lists); blank rows are skipped."""
    columns = {name: form.getlist(f"entry-{name}") for name in ENTRY_FIELDS}
    rows = []
    for index, title in enumerate(columns["title"]):
        row = {name: values[index].strip() for name, values in columns.items() if index < len(values)}
        if title.strip() or any(v for k, v in row.items() if k != "weight"):
            rows.append({k: v for k, v in row.items() if v})
    return rows


def friendly_errors(exc: ValidationError) -> list[str]:
    """Validation problems as sentences for the page (the API returns them per field)."""
    messages = []
    for key, message in validation_fields(exc).items():
        if key == "entries":
            messages.append(_("Нужно от %(min)d до %(max)d фильмов.", min=lottery.MIN_ENTRIES, max=lottery.MAX_ENTRIES))
        else:
            messages.append(field_error(key, message))
    return messages


def field_error(key: str, message: str) -> str:
    """One validation problem of a builder row (entries.<n>.<field>) as a sentence."""
    parts = key.split(".")
    if parts[0] == "entries" and len(parts) > 2:
        return _("Фильм №%(n)s, поле «%(field)s»: %(message)s", n=int(parts[1]) + 1, field=parts[2], message=message)
    if parts[0] == "entries" and len(parts) == 2:
        return _("Фильм №%(n)s: %(message)s", n=int(parts[1]) + 1, message=message)
    return f"{key}: {message}"


def render_home(errors: list[str] | None = None, rows: list[dict] | None = None, status: int = 200, errors_title: str | None = None):
    return render_template(
        "home.html",
        recent=lottery.history(db.session, limit=6).items,
        posters=library.backdrop_posters(db.session),
        errors=errors or [],
        errors_title=errors_title,
        rows=rows or [],
    ), status


@bp.get("/")
def home():
    return render_home()


@bp.post("/lotteries")
@limiter.limit("30/minute")
def create_lottery():
    rows = entries_from_form(request.form)
    try:
        data = LotteryIn.model_validate({"title": request.form.get("title", "").strip() or None, "entries": rows})
    except ValidationError as exc:
        return render_home(friendly_errors(exc), rows, status=422)
    created = lottery.create_lottery(db.session, data.title, [e.to_entry_data() for e in data.entries])
    db.session.commit()
    return redirect(url_for("pages.lottery", public_id=created.public_id))


@bp.get("/l/<public_id>", endpoint="lottery")
def lottery_page(public_id: str):
    try:
        found = lottery.get_lottery(db.session, public_id)
    except lottery.LotteryNotFound:
        abort(404)
    return render_template("lottery.html", lottery=found, source_poll=polls.poll_for_lottery(db.session, found.id))


@bp.post("/l/<public_id>/draw")
@limiter.limit("300/minute")
def draw(public_id: str):
    try:
        lottery.draw(db.session, public_id)
    except lottery.LotteryNotFound:
        abort(404)
    return redirect(url_for("pages.lottery", public_id=public_id))


@bp.get("/history")
def history():
    try:
        page = lottery.history(db.session, request.args.get("cursor") or None)
    except library.InvalidCursor:
        abort(400, _("Неверная ссылка на страницу."))
    return render_template("history.html", page=page)


@bp.get("/library")
def library_page():
    args = request.args
    sort = args.get("sort", "added")
    year = args.get("year", "").strip()
    query = args.get("q", "").strip()[:200]
    if sort not in library.SORTS or (year and not (year.isdigit() and len(year) == 4)):
        abort(400, _("Неверные параметры фильтра."))
    try:
        page = library.browse(
            db.session,
            query=query or None,
            year=int(year) if year else None,
            genre=args.get("genre", "").strip().lower() or None,
            sort=sort,
            cursor=args.get("cursor") or None,
        )
    except library.InvalidCursor:
        abort(400, _("Неверная ссылка на страницу."))
    return render_template("library.html", page=page, genres=library.KNOWN_GENRES, sorts=library.SORTS)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in SUPPORTED_LOCALES:
        abort(404)
    target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("pages.home")
    response = make_response(redirect(target))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
