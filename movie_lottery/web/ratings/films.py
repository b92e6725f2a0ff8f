"""The film page (/films/<id>) and scoring a film from a form (the film page, a library card,
a night's page): Post/Redirect/Get back to where the form was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...extensions import db, limiter
from ...models import as_utc, utcnow
from ...page_cache import cached_page, expires_at
from ...services import members, ratings
from ...services.library import badges
from ...services.ratings.pages import film_page as load_film_page
from ..admin import safe_next
from ..headers import content_security_policy
from ..members.pages import name_error
from ..presenters import absolute_poster, external_url
from ..polls.voter import current_member, device_variant, set_cookie_if_new
from ..members.common import NameRequired, answering_member
from .common import RATE_LIMIT, night_link

bp = Blueprint("films", __name__)
TRAILER_ORIGIN = "https://www.youtube-nocookie.com"
bp.after_request(set_cookie_if_new)


@bp.app_template_global()
def film_url(film_id: int) -> str:
    return url_for("films.film", film_id=film_id)


bp.add_app_template_global(night_link, "night_link")


@bp.get("/films/<int:film_id>", endpoint="film")
@cached_page(vary=(device_variant,))  # the member's own score, and whether they are asked their name
def film_page(film_id: int):
    try:
        page = load_film_page(db.session, film_id)
    except ratings.FilmNotFound:
        abort(404)
    expires_at(badges.tomorrow())  # a ban ends with the day
    now = utcnow()
    for closes_at in (as_utc(row.closes_at) for row in page.polls):
        if closes_at > now:
            expires_at(closes_at)  # a poll the film is in closes: it may have won
    member = current_member()
    response = make_response(
        render_template(
            "ratings/film.html",
            page=page,
            film=page.film,
            member=member,
            my_score=page.score_of(member.id if member else None),
            my_seen=ratings.seen.has_marked(db.session, film_id, member.id if member else None),
        )
    )
    if page.film.trailer_url:  # the player's frame, once the visitor clicks play (kept with a cached page)
        response.headers["Content-Security-Policy"] = content_security_policy(frame=TRAILER_ORIGIN)
    return response


def back_to(film_id: int) -> str:
    target = request.form.get("next")
    return safe_next(target) if target else url_for("films.film", film_id=film_id)


class Outcome:
    ok = False


@contextmanager
def acting_member(name_required: str) -> Iterator[Outcome]:
    """A form acting as this device's member (a name given in the same step): a bad or missing
    name is flashed and an unknown film is a 404, with nothing written; ``ok`` once it went through."""
    outcome = Outcome()
    try:
        yield outcome
        outcome.ok = True
    except members.InvalidName as exc:
        db.session.rollback()
        flash(name_error(exc), "error")
    except NameRequired:
        db.session.rollback()
        flash(name_required, "error")
    except ratings.FilmNotFound:
        db.session.rollback()
        abort(404)


@bp.post("/films/<int:film_id>/rating")
@limiter.limit(RATE_LIMIT)
def rate(film_id: int):
    target = back_to(film_id)
    try:
        score = ratings.scores.check_score(int(request.form.get("score", "")))
    except (ValueError, ratings.InvalidScore):
        flash(_("Выберите оценку от 1 до 10."), "error")
        return redirect(target, 303)
    with acting_member(_("Чтобы оценить фильм, назовитесь.")) as done:
        ratings.rate(db.session, film_id, answering_member(request.form.get("name")), score)
        db.session.commit()
    if done.ok:
        flash(_("Оценка %(score)d сохранена.", score=score), "success")
    return redirect(target, 303)


@bp.post("/films/<int:film_id>/rating/delete")
@limiter.limit(RATE_LIMIT)
def unrate(film_id: int):
    target = back_to(film_id)
    member = current_member()
    if member is not None:
        try:
            ratings.unrate(db.session, film_id, answering_member(None))
        except ratings.FilmNotFound:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash(_("Оценка убрана."), "info")
    return redirect(target, 303)


@bp.post("/films/<int:film_id>/seen")
@limiter.limit(RATE_LIMIT)
def mark_seen(film_id: int):
    """The «Я видел(а)» toggle: marks the film seen, or with seen=0 takes the mark back."""
    with acting_member(_("Чтобы отметить фильм, назовитесь.")):
        if request.form.get("seen") != "0":
            ratings.seen.mark(db.session, film_id, answering_member(request.form.get("name")))
        elif current_member() is not None:
            ratings.seen.unmark(db.session, film_id, answering_member(None))
        db.session.commit()
    return redirect(back_to(film_id), 303)


@bp.app_template_global()
def film_preview(film) -> dict[str, str | None]:
    """What a messenger shows for a film's link: the title, the group's average, the poster."""
    title = film.title + (f" ({film.year})" if film.year else "")
    if film.ratings_count:
        description = _(
            "Наша оценка: %(average).1f из 10 (%(count)d)", average=film.ratings_average, count=film.ratings_count
        )
    else:
        description = (film.description or "")[:200] or _("Фильм из нашей библиотеки")
    return {
        "title": title + " — " + _("Кинолотерея"),
        "description": description,
        "image": absolute_poster(film.poster_url),
        "url": external_url("films.film", film_id=film.id),
    }
