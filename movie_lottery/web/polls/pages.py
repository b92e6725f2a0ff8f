"""Poll pages: creation from the lottery builder, the phone-friendly ballot, the creator's page."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from ...extensions import db, limiter
from ...models import Poll
from ...page_cache import cached_page, expires_at
from ...services.library import badges
from ...services import polls
from ...services.polls import lottery as poll_lottery
from .. import messages
from ..lotteries import pages
from ..presenters import absolute_poster
from .schemas import PollIn, SuggestionIn
from .view import manage_url, poll_url
from .api import CREATE_LIMIT, SUGGESTION_ERRORS, VOTE_LIMIT, ballot_refusal
from .page_view import ballot_from_form, page_context
from .voter import current_voter, set_cookie_if_new, voter_variant, voting_voter

bp = Blueprint("polls", __name__)
bp.after_request(set_cookie_if_new)


BALLOT_LABELS = {  # the builder's ballot settings, named as the form names them
    "ballot": lambda: _("Как голосуем"),
    "max_approvals": lambda: _("Сколько фильмов можно отметить"),
    "vetoes_per_member": lambda: _("Вето на человека"),
}


def form_errors(exc: ValidationError, film_count: int = 0) -> list[str]:
    """Poll builder and suggestion problems as sentences (the lottery builder's wording)."""
    found: list[str] = []
    for error in exc.errors():
        loc = error["loc"]
        if loc == ("entries",):
            message = _(
                "В голосовании должно быть от %(min)d до %(max)d фильмов, а сейчас %(count)d.",
                min=polls.MIN_ENTRIES,
                max=polls.MAX_ENTRIES,
                count=film_count,
            )
        elif loc == ("closes_in_minutes",):
            message = _("Голосование длится от 5 минут до 7 дней.")
        elif loc[0] == "entries" and len(loc) == 3:
            label = messages.FIELD_LABELS.get(str(loc[2]), str(loc[2]))
            message = _(
                "Фильм №%(n)d: «%(field)s» — %(problem)s",
                n=int(loc[1]) + 1,
                field=label,
                problem=messages.problem(error),
            )
        elif loc[0] == "entries" and len(loc) == 2:
            message = _(
                "Фильм №%(n)d: «%(field)s» — %(problem)s",
                n=int(loc[1]) + 1,
                field=messages.FIELD_LABELS["title"],
                problem=messages.problem({**error, "type": "missing"}),
            )
        else:
            name = str(loc[0]) if loc else "title"
            label = BALLOT_LABELS[name]() if name in BALLOT_LABELS else messages.FIELD_LABELS.get(name, name)
            message = messages.labelled(str(label), error)
        if message not in found:
            found.append(message)
    return found


def poll_or_404(public_id: str) -> Poll:
    try:
        return polls.get_poll(db.session, public_id)
    except polls.PollNotFound:
        abort(404)


def ballot_options(form) -> dict:
    """The builder's ballot settings: the type, the cap on approvals (read only for an approval
    ballot, whatever the hidden field says), the veto budget and secret ballots."""
    ballot = form.get("ballot") or "single"
    options = {"ballot": ballot, "secret_ballots": "secret_ballots" in form}
    if form.get("vetoes_per_member"):
        options["vetoes_per_member"] = form["vetoes_per_member"]
    if ballot == "approval" and form.get("max_approvals", "").strip():
        options["max_approvals"] = form["max_approvals"].strip()
    return options


@bp.post("/polls")
@limiter.limit(CREATE_LIMIT)
def create():
    form = request.form
    rows = pages.entries_from_form(form)
    films = [{k: v for k, v in row.items() if k != "weight"} for row in rows]  # weights are for lotteries
    try:
        data = PollIn.model_validate(
            {
                "title": form.get("title", "").strip() or None,
                "entries": films,
                "closes_in_minutes": form.get("closes_in_minutes") or polls.DEFAULT_MINUTES,
                "allow_suggestions": "allow_suggestions" in form,
                "hide_results": "hide_results" in form,
                **ballot_options(form),
            }
        )
    except ValidationError as exc:
        return pages.render_home(
            form_errors(exc, len(rows)), rows, status=422, errors_title=_("Не получилось создать голосование:")
        )
    if form.get("check_only"):
        return pages.render_checked(
            rows, [e.to_film_data() for e in data.entries], _("Не получилось создать голосование:")
        )
    try:
        created = polls.create_poll(
            db.session,
            data.title,
            [polls.PollEntryData(e.to_film_data()) for e in data.entries],
            closes_in_minutes=data.closes_in_minutes,
            allow_suggestions=data.allow_suggestions,
            hide_results=data.hide_results,
            ballot=data.ballot,
            max_approvals=data.max_approvals,
            vetoes_per_member=data.vetoes_per_member,
            secret_ballots=data.secret_ballots,
        )
    except badges.FilmRefused as exc:
        db.session.rollback()
        return pages.render_home(
            [exc.refusal.message], rows, status=422, errors_title=_("Не получилось создать голосование:")
        )
    db.session.commit()
    remember_manage_token(created.poll.public_id, created.manage_token)
    return redirect(url_for("polls.created", public_id=created.poll.public_id), 303)


# The creator's browser keeps a new poll's management key in its (signed, HttpOnly) session
# for a while, so the "poll created" page survives a reload, Back and a language switch.
CREATED_KEY = "created_polls"
REMEMBER_SECONDS = 12 * 3600
REMEMBER_AT_MOST = 5


def remember_manage_token(public_id: str, token: str) -> None:
    now = time.time()
    kept = {pid: pair for pid, pair in (session.get(CREATED_KEY) or {}).items() if pair[1] > now}
    kept[public_id] = [token, now + REMEMBER_SECONDS]
    session[CREATED_KEY] = dict(sorted(kept.items(), key=lambda item: item[1][1])[-REMEMBER_AT_MOST:])


def remembered_manage_token(public_id: str) -> str | None:
    token, expires = (session.get(CREATED_KEY) or {}).get(public_id, (None, 0))
    return token if expires > time.time() else None


@bp.get("/p/<public_id>/created")
def created(public_id: str):
    """The creator's page after the form: the links to share and to manage. Anyone else (or
    the creator after a while) is sent to the ballot."""
    poll = poll_or_404(public_id)
    token = remembered_manage_token(public_id)
    if token is None:
        return redirect(url_for("polls.poll", public_id=public_id))
    response = make_response(
        render_template(
            "poll_created.html",
            poll=poll,
            share_url=poll_url(poll),
            manage_link=manage_url(poll, token),
            remember_hours=REMEMBER_SECONDS // 3600,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/polls")
def polls_form():
    """The builder posts here; a reload or a language switch on its error page lands on the form."""
    return redirect(url_for("pages.home"))


def render_poll(poll: Poll, manage: bool = False):
    voter = current_voter()
    context = page_context(db.session, poll, voter)
    if not context["closed"]:
        expires_at(poll.ends_at())
    banned = polls.banned_entries(db.session, poll)
    if banned:
        expires_at(badges.tomorrow())  # bans end with the day
    return render_template(
        "poll.html",
        poll=poll,
        **context,
        can_suggest=poll.allow_suggestions
        and not context["closed"]
        and not polls.has_suggested(poll, voter)
        and len(poll.entries) < polls.MAX_ENTRIES,
        share_url=poll_url(poll),
        manage=manage,
        banned=banned,
        finalists=(poll_lottery.FINALISTS, poll_lottery.DEFAULT_FINALISTS),
    )


@bp.get("/p/<public_id>", endpoint="poll")
@cached_page(vary=(voter_variant,))
def poll_page(public_id: str):
    return render_poll(poll_or_404(public_id))


@bp.get("/p/<public_id>/manage")
def manage(public_id: str):
    return render_poll(poll_or_404(public_id), manage=True)


@bp.post("/p/<public_id>/vote")
@limiter.limit(VOTE_LIMIT)
def vote(public_id: str):
    """The ballot without JavaScript: one film's button (single) or the whole ballot's form."""
    poll = poll_or_404(public_id)
    ballot_type, ballot = ballot_from_form(poll, request.form)
    try:
        polls.cast_ballot(db.session, poll, voting_voter(), ballot_type, ballot)
        db.session.commit()
    except polls.BallotInvalid as exc:
        db.session.rollback()
        flash(ballot_refusal(poll, exc), "error")
    except polls.PollClosed:
        db.session.rollback()
        flash(_("Голосование уже закрыто."), "error")
    else:
        if not (poll.ballot == "single" and not poll.vetoes_per_member):
            flash(_("Бюллетень сохранён."), "success")
    return redirect(url_for("polls.poll", public_id=public_id), 303)


@bp.post("/p/<public_id>/suggest")
@limiter.limit(CREATE_LIMIT)
def suggest(public_id: str):
    poll = poll_or_404(public_id)
    year = request.form.get("year", "").strip()
    try:
        data = SuggestionIn.model_validate({"title": request.form.get("title", ""), **({"year": year} if year else {})})
        polls.suggest(db.session, poll, voting_voter(), polls.PollEntryData(data.to_film_data()))
        db.session.commit()
        flash(_("Фильм «%(title)s» добавлен в голосование.", title=data.title), "success")
    except ValidationError as exc:
        for message in form_errors(exc):
            flash(message, "error")
    except polls.SuggestionRefused as exc:
        db.session.rollback()
        flash(SUGGESTION_ERRORS[exc.code](), "error")
    except polls.PollClosed:
        db.session.rollback()
        flash(_("Голосование уже закрыто."), "error")
    except badges.FilmRefused as exc:
        db.session.rollback()
        flash(exc.refusal.message, "error")
    return redirect(url_for("polls.poll", public_id=public_id), 303)


@bp.app_template_global()
def poll_preview(poll: Poll) -> dict[str, str | None]:
    """What a messenger shows for a poll's link: the films to vote for and the first poster."""
    name = poll.title or _("Голосование %(id)s", id=poll.public_id)
    return {
        "title": "🗳 " + name + " — " + _("Кинолотерея"),
        "description": _("Голосуем, что смотрим: %(films)s", films=", ".join(e.title for e in poll.entries)),
        "image": absolute_poster(next((e.poster_url for e in poll.entries if e.poster_url), None)),
        "url": poll_url(poll),
    }
