"""Lottery pages: the builder (home), a lottery and its draw, drawing again without the winner,
the history. Nothing here calls a remote service: pages read the database only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError

from ...extensions import db, limiter
from ...models import Film
from ...page_cache import cached_page, expires_at
from ...services import library
from ...services.library import badges, film_details
from ...services.lotteries import lottery
from ...services.polls import lottery as poll_lottery
from .. import errors
from ..messages import builder_errors
from ..pages import bp
from .schemas import LotteryIn


# What a film picked from a search brings along in hidden fields of its builder row.
PICKED_FIELDS = ("kinopoisk_id", "original_title", "rating", "genres", "description")
ENTRY_FIELDS = ("title", "year", "poster_url", "weight", *PICKED_FIELDS)


def entries_from_form(form) -> list[dict]:
    """Rows of the builder form (parallel entry-<field> lists). A row with no title and no
    year is empty, whatever hidden data it still carries: a person sees it as blank."""
    columns = {name: form.getlist(f"entry-{name}") for name in ENTRY_FIELDS}
    rows = []
    for index in range(len(columns["title"])):
        row = {name: values[index].strip() for name, values in columns.items() if index < len(values)}
        if not (row.get("title") or row.get("year")):
            continue
        row = {k: v for k, v in row.items() if v}
        if "genres" in row:
            row["genres"] = [g.strip() for g in row["genres"].split(",") if g.strip()]
        rows.append(row)
    return rows


def friendly_errors(exc: ValidationError, film_count: int) -> list[str]:
    """Validation problems as sentences for the page (the API returns them per field)."""
    return builder_errors(exc, film_count)


def render_home(
    errors: list[str] | None = None,
    rows: list[dict] | None = None,
    status: int = 200,
    errors_title: str | None = None,
    banned_left_out: int = 0,
):
    return render_template(
        "home.html",
        banned_left_out=banned_left_out,
        recent=lottery.summaries(db.session, limit=6).items,
        posters=library.backdrop_posters(db.session),
        errors=errors or [],
        errors_title=errors_title,
        rows=rows or [],
        picked_fields=PICKED_FIELDS,
    ), status


def render_checked(rows: list[dict], films: list[library.FilmData], errors_title: str | None = None):
    """The builder's form checked but not sent (check_only, after a language switch on a refused
    form): the same rows, with the ban refusal if any; nothing is created."""
    refusal = badges.entry_refusal(db.session, films)
    return render_home(
        [refusal.message] if refusal else [], rows, status=422 if refusal else 200, errors_title=errors_title
    )


def lottery_or_404(public_id: str) -> lottery.Lottery:
    try:
        return lottery.get_lottery(db.session, public_id)
    except lottery.LotteryNotFound:
        abort(404)


def builder_row(film: library.FilmData, weight: int = 1) -> dict:
    """A builder form row (as entries_from_form reads it back) for a film."""
    row = {
        "title": film.title,
        "year": film.year,
        "poster_url": film.poster_url,
        "weight": weight,
        "kinopoisk_id": film.kinopoisk_id,
        "original_title": film.original_title,
        "rating": film.rating,
        "genres": list(film.genres) or None,
        "description": film.description,
    }
    return {k: v if isinstance(v, list) else str(v) for k, v in row.items() if v is not None}


def similar_row(args) -> list[dict]:
    """?similar=<Kinopoisk id>&of=<library film>: one of the film's similar films (film page)."""
    of, kinopoisk_id = args.get("of", ""), args.get("similar", "")
    film = db.session.get(Film, int(of)) if of.isdigit() and int(of) < 2**31 else None
    if film is None or not kinopoisk_id.isdigit():
        return []
    try:
        return [builder_row(film_details.similar_data(film_details.similar_item(film, int(kinopoisk_id))))]
    except film_details.NotSimilar:
        return []


def prefilled_rows(args) -> tuple[list[dict], int]:
    """Builder rows from ?source=watchlist or ?source=<lottery id> (&without=winner), or a similar
    film, and how many films were left out because they are banned (the submit would be refused)."""
    if args.get("similar"):
        return similar_row(args), 0
    source = args.get("source", "")
    if source == "watchlist":
        entries = [
            lottery.EntryData(library.film_data(f), film_id=f.id)
            for f in badges.watchlist(db.session, limit=lottery.MAX_ENTRIES)
        ]
    elif source:
        entries = lottery.entries_of(lottery_or_404(source), without_winner=args.get("without") == "winner")
    else:
        return [], 0
    banned = badges.banned_films(db.session) if entries else []
    allowed = [e for e in entries if badges.banned_match(banned, e.film, e.film_id) is None]
    return [builder_row(e.film, e.weight) for e in allowed], len(entries) - len(allowed)


@bp.errorhandler(CSRFError)
def stale_builder_form(exc: CSRFError):
    """A stale token on the builder: the same form again, with what was typed."""
    if request.endpoint != "pages.create_lottery":
        return errors.stale_form(exc)
    return render_home(
        [
            _(
                "Форма устарела (например, вы вошли или вышли в другой вкладке). Проверьте фильмы и нажмите «Создать лотерею» ещё раз."
            )
        ],
        entries_from_form(request.form),
        status=400,
    )


@bp.get("/")
@cached_page()
def home():
    rows, banned_left_out = prefilled_rows(request.args)
    if request.args.get("source"):
        expires_at(badges.tomorrow())  # which films a ban leaves out changes with the day
    return render_home(rows=rows, banned_left_out=banned_left_out)


@bp.post("/lotteries")
@limiter.limit("30/minute")
def create_lottery():
    rows = entries_from_form(request.form)
    try:
        data = LotteryIn.model_validate(
            {
                "title": request.form.get("title", "").strip() or None,
                "entries": rows,
                "mode": request.form.get("mode", "single"),
            }
        )
    except ValidationError as exc:
        return render_home(friendly_errors(exc, len(rows)), rows, status=422)
    if request.form.get("check_only"):
        return render_checked(rows, [e.to_film_data() for e in data.entries])
    try:
        created = lottery.create_lottery(db.session, data.title, [e.to_entry_data() for e in data.entries], data.mode)
    except badges.FilmRefused as exc:
        db.session.rollback()
        return render_home([exc.refusal.message], rows, status=422)
    db.session.commit()
    return redirect(url_for("pages.lottery", public_id=created.public_id))


@bp.get("/lotteries")
def lotteries_form():
    """The builder posts here; a reload or a language switch on its error page lands on the form."""
    return redirect(url_for("pages.home"))


@bp.get("/l/<public_id>", endpoint="lottery")
@cached_page()
def lottery_page(public_id: str):
    found = lottery_or_404(public_id)
    return render_template(
        "lottery.html",
        lottery=found,
        eliminated=lottery.eliminated_positions(found),
        source_poll=poll_lottery.poll_for_lottery(db.session, found.id),
    )


@bp.post("/l/<public_id>/again")
@limiter.limit("30/minute")
def draw_again(public_id: str):
    """A new lottery, same title and mode, with the films of a drawn one minus its winner."""
    found = lottery_or_404(public_id)
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


@bp.get("/l/<public_id>/draw")
def draw_page(public_id: str):
    return redirect(url_for("pages.lottery", public_id=public_id))


@bp.get("/history")
@cached_page()
def history():
    try:
        page = lottery.summaries(db.session, request.args.get("cursor") or None)
    except library.InvalidCursor:
        abort(400, _("Неверная ссылка на страницу."))
    return render_template("history.html", page=page)
