"""«Хочу посмотреть» from a form (the film page, a library card, a lottery's or poll's entry):
Post/Redirect/Get back to where the form was. (A Kinopoisk search result uses the API.)"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from ...extensions import db, limiter
from ...models import Film
from ...services import members, watchlists
from ...services.watchlists import finding
from ..admin import safe_next
from ..members.common import NameRequired, answering_member
from ..members.pages import name_error
from ..polls.voter import current_member, set_cookie_if_new
from .common import WISH_LIMIT

bp = Blueprint("watchlists", __name__)
bp.after_request(set_cookie_if_new)


def back_to(film_id: int | None) -> str:
    target = request.form.get("next")
    if target:
        return safe_next(target)
    return url_for("films.film", film_id=film_id) if film_id else url_for("pages.library_page")


def wish(find_film) -> int | None:
    """Add the film ``find_film()`` names to this device's member's list; the flash says what
    happened. Returns the film's id (None when nothing was added)."""
    try:
        film, _created = find_film()
        db.session.flush()
        member_id = answering_member(request.form.get("name"))
        watchlists.add(db.session, member_id, film.id)
        db.session.commit()
    except members.InvalidName as exc:
        db.session.rollback()
        flash(name_error(exc), "error")
    except NameRequired:
        db.session.rollback()
        flash(_("Чтобы добавить фильм в свой список, назовитесь."), "error")
    except watchlists.FilmNotFound:
        db.session.rollback()
        abort(404)
    except watchlists.NotFound as exc:
        db.session.rollback()
        flash(
            _(
                "«%(title)s» нет в библиотеке: в свой список можно добавить фильм из библиотеки или с Кинопоиска.",
                title=str(exc),
            ),
            "error",
        )
    else:
        flash(_("«%(title)s» в вашем списке «Хочу посмотреть».", title=film.title), "success")
        return film.id
    return None


def name_first(film_id: int):
    """A button without a name field, pressed on a device without a member: the film page asks for it."""
    flash(_("Чтобы добавить фильм в свой список, назовитесь."), "error")
    return redirect(url_for("films.film", film_id=film_id), 303)


@bp.post("/films/<int:film_id>/want")
@limiter.limit(WISH_LIMIT)
def want(film_id: int):
    if db.session.get(Film, film_id) is None:
        abort(404)
    if current_member() is None and not request.form.get("name"):
        return name_first(film_id)
    target = back_to(film_id)
    wish(lambda: (db.session.get(Film, film_id), False))
    return redirect(target, 303)


@bp.post("/films/<int:film_id>/want/delete")
@limiter.limit(WISH_LIMIT)
def unwant(film_id: int):
    target = back_to(film_id)
    if current_member() is not None:
        watchlists.remove(db.session, answering_member(None), film_id)
        db.session.commit()
        flash(_("Фильм убран из вашего списка."), "info")
    return redirect(target, 303)


def want_entry(entry):
    """A lottery's or poll's entry: the library's film it is (one with a Kinopoisk id is added to
    the library first). These pages are cached alike for everyone, so the button has no name field."""
    if entry is None:
        abort(404)
    if current_member() is None:
        try:
            film, _created = watchlists.film_for_entry(db.session, entry)
        except watchlists.NotFound:
            db.session.rollback()
        else:
            db.session.commit()
            return name_first(film.id)
    wish(lambda: watchlists.film_for_entry(db.session, entry))
    return redirect(back_to(None), 303)


@bp.post("/l/<public_id>/entries/<int:position>/want")
@limiter.limit(WISH_LIMIT)
def want_lottery_entry(public_id: str, position: int):
    return want_entry(finding.lottery_entry(db.session, public_id, position))


@bp.post("/p/<public_id>/entries/<int:entry_id>/want")
@limiter.limit(WISH_LIMIT)
def want_poll_entry(public_id: str, entry_id: int):
    return want_entry(finding.poll_entry(db.session, public_id, entry_id))
