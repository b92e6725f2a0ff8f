"""Server-rendered pages. Nothing here calls a remote service: pages read the database only."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from ..extensions import SUPPORTED_LOCALES, db, limiter
from ..services import badges, library, lottery
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
        parts = key.split(".")
        if parts[0] == "entries" and len(parts) == 1:
            messages.append(_("Нужно от %(min)d до %(max)d фильмов.", min=lottery.MIN_ENTRIES, max=lottery.MAX_ENTRIES))
        elif parts[0] == "entries":
            messages.append(_("Фильм №%(n)s, поле «%(field)s»: %(message)s", n=int(parts[1]) + 1, field=parts[2], message=message))
        else:
            messages.append(f"{key}: {message}")
    return messages


def render_home(errors: list[str] | None = None, rows: list[dict] | None = None, status: int = 200):
    return render_template(
        "home.html",
        recent=lottery.history(db.session, limit=6).items,
        posters=library.backdrop_posters(db.session),
        errors=errors or [],
        rows=rows or [],
    ), status


def entry_row(title: str, year: int | None, poster_url: str | None, kinopoisk_id: int | None, weight: int = 1) -> dict:
    row = {"title": title, "year": year, "poster_url": poster_url, "kinopoisk_id": kinopoisk_id, "weight": weight}
    return {k: str(v) for k, v in row.items() if v is not None}


def prefilled_rows(args) -> list[dict]:
    """Builder rows from ?source=watchlist or ?source=<lottery id> (&without=winner)."""
    source = args.get("source", "")
    if source == "watchlist":
        films = badges.watchlist(db.session, limit=lottery.MAX_ENTRIES)
        return [entry_row(f.title, f.year, f.poster_url, f.kinopoisk_id) for f in films]
    if source:
        try:
            found = lottery.get_lottery(db.session, source)
        except lottery.LotteryNotFound:
            abort(404)
        entries = lottery.entries_of(found, without_winner=args.get("without") == "winner")
        return [entry_row(e.film.title, e.film.year, e.film.poster_url, e.film.kinopoisk_id, e.weight) for e in entries]
    return []


@bp.get("/")
def home():
    return render_home(rows=prefilled_rows(request.args))


@bp.post("/lotteries")
@limiter.limit("30/minute")
def create_lottery():
    rows = entries_from_form(request.form)
    try:
        data = LotteryIn.model_validate({
            "title": request.form.get("title", "").strip() or None,
            "entries": rows,
            "mode": request.form.get("mode", "single"),
        })
    except ValidationError as exc:
        return render_home(friendly_errors(exc), rows, status=422)
    try:
        created = lottery.create_lottery(db.session, data.title, [e.to_entry_data() for e in data.entries], data.mode)
    except badges.FilmRefused as exc:
        db.session.rollback()
        return render_home([exc.refusal.message], rows, status=422)
    db.session.commit()
    return redirect(url_for("pages.lottery", public_id=created.public_id))


@bp.get("/l/<public_id>", endpoint="lottery")
def lottery_page(public_id: str):
    try:
        found = lottery.get_lottery(db.session, public_id)
    except lottery.LotteryNotFound:
        abort(404)
    return render_template("lottery.html", lottery=found, eliminated=lottery.eliminated_positions(found))


@bp.post("/l/<public_id>/again")
@limiter.limit("30/minute")
def draw_again(public_id: str):
    """A new lottery, same title and mode, with the films of a drawn one minus its winner."""
    try:
        found = lottery.get_lottery(db.session, public_id)
    except lottery.LotteryNotFound:
        abort(404)
    entries = lottery.entries_of(found, without_winner=True)
    if not found.is_drawn or len(entries) < lottery.MIN_ENTRIES:
        flash(_("Без победителя осталось слишком мало фильмов для новой лотереи."), "error")
        return redirect(url_for("pages.lottery", public_id=public_id))
    try:
        created = lottery.create_lottery(db.session, found.title, entries, found.mode)
    except badges.FilmRefused as exc:
        db.session.rollback()
        flash(exc.refusal.message, "error")
        return redirect(url_for("pages.lottery", public_id=public_id))
    db.session.commit()
    return redirect(url_for("pages.lottery", public_id=created.public_id))


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
    badge = args.get("badge", "").strip()
    if badge and badge not in library.BADGES:
        abort(400, _("Неверные параметры фильтра."))
    if sort not in library.SORTS or (year and not (year.isdigit() and len(year) == 4)):
        abort(400, _("Неверные параметры фильтра."))
    try:
        page = library.browse(
            db.session,
            query=query or None,
            year=int(year) if year else None,
            genre=args.get("genre", "").strip().lower() or None,
            badge=badge or None,
            sort=sort,
            cursor=args.get("cursor") or None,
        )
    except library.InvalidCursor:
        abort(400, _("Неверная ссылка на страницу."))
    return render_template("library.html", page=page, genres=library.KNOWN_GENRES, sorts=library.SORTS, today=badges.today())


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in SUPPORTED_LOCALES:
        abort(404)
    target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("pages.home")
    response = make_response(redirect(target))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
