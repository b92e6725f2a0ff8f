"""Admin curation pages: film badges, marking a winner as watched, deleting a lottery."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from ...extensions import db
from ...models import Film
from ...services.library import badges
from ...services.lotteries import lottery
from ..admin import safe_next
from ..auth import admin_page
from ..lotteries.pages import lottery_or_404
from .schemas import BadgesIn

bp = Blueprint("curation", __name__, url_prefix="/admin")


def badges_from_form(form) -> BadgesIn:
    """The badge form: checkboxes plus dates; a watched box without a date means today."""
    watched_on = (form.get("watched_on") or badges.today().isoformat()) if form.get("watched") else None
    return BadgesIn.model_validate(
        {
            "watched_on": watched_on,
            "favourite": bool(form.get("favourite")),
            "watchlist": bool(form.get("watchlist")),
            "banned_until": form.get("banned_until") or None,
        }
    )


@bp.post("/films/<int:film_id>/badges")
@admin_page
def set_film_badges(film_id: int):
    film = db.session.get(Film, film_id) or abort(404)
    try:
        changes = badges_from_form(request.form).changes()
    except ValidationError:
        flash(_("Неверная дата: укажите её в календаре."), "error")
    else:
        badges.set_badges(film, **changes)
        db.session.commit()
        flash(_("Метки фильма «%(title)s» сохранены.", title=film.title), "success")
    return redirect(safe_next(request.form.get("next")))


@bp.post("/lotteries/<public_id>/watched")
@admin_page
def mark_winner_watched(public_id: str):
    found = lottery_or_404(public_id)
    film = found.winner_film
    if film is None:
        flash(_("У этой лотереи нет победителя в библиотеке."), "error")
    else:
        badges.set_badges(film, watched_on=badges.today(), watchlist=False)
        db.session.commit()
        flash(_("«%(title)s» отмечен как просмотренный.", title=film.title), "success")
    return redirect(url_for("pages.lottery", public_id=public_id))


@bp.route("/lotteries/<public_id>/delete", methods=["GET", "POST"])
@admin_page
def delete_lottery(public_id: str):
    """GET asks for confirmation; only the POST (with its CSRF token) deletes."""
    found = lottery_or_404(public_id)
    name = found.title or found.public_id  # the messages already say «лотерея»
    if request.method == "GET":
        return render_template(
            "admin/confirm.html",
            heading=_("Удалить лотерею «%(name)s»?", name=name),
            details=_("Лотерея и её список фильмов исчезнут из истории. Фильмы библиотеки останутся."),
            action=url_for("curation.delete_lottery", public_id=public_id),
            confirm_label=_("Да, удалить лотерею"),
            cancel_url=url_for("pages.lottery", public_id=public_id),
        )
    lottery.delete_lottery(db.session, public_id)
    db.session.commit()
    flash(_("Лотерея «%(name)s» удалена.", name=name), "info")
    return redirect(url_for("pages.history"))
