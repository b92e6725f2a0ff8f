"""JSON API for polls (/api/polls…): create, read with ETag, vote, suggest, close, draw."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...extensions import csrf, db, limiter
from ...models import Film, Poll
from ...services.library import badges
from ...services import library, polls
from ...services.polls import lottery as poll_lottery
from ..api import live_json, parse_body, validate
from ..errors import ApiError, answer_errors, invalid_fields, respond
from .schemas import PollEntryIn, PollIn, PollLotteryIn, SuggestionIn, VoteIn
from .view import manage_url, poll_json, recount_json
from ..presenters import lottery_url
from ..openapi import ERROR, POLL_MANAGER, VOTER, documented
from .voter import current_voter, set_cookie_if_new, voter_tag, voting_voter

bp = Blueprint("polls_api", __name__, url_prefix="/api/polls")
# Votes are JSON posts: a cross-site HTML form cannot send application/json, and the voter
# cookie is SameSite=Lax, so there is no session to forge here.
csrf.exempt(bp)
bp.after_request(set_cookie_if_new)

CREATE_LIMIT = "10/minute;60/hour"
VOTE_LIMIT = "60/minute;600/hour"
SUGGESTION_STATUS = {"suggestions_off": 422, "already_suggested": 409, "ballot_full": 409}
SUGGESTION_ERRORS = {  # the API's messages and the ballot page's flashes
    "suggestions_off": lambda: _("В этом голосовании нельзя предлагать свои фильмы."),
    "already_suggested": lambda: _("Вы уже предложили фильм в этом голосовании."),
    "ballot_full": lambda: _("В голосовании уже %(n)d фильмов — больше нельзя.", n=polls.MAX_ENTRIES),
}


answer_errors(bp, {polls.PollNotFound: (404, "not_found", lazy_gettext("Голосования с таким id нет."))}, rollback=False)
answer_errors(
    bp,
    {
        polls.PollClosed: (410, "poll_closed", lazy_gettext("Голосование уже закрыто.")),
        badges.FilmRefused: (422, "film_banned", lambda exc: exc.refusal.message),
    },
)


@bp.errorhandler(polls.SuggestionRefused)
def suggestion_refused(exc: polls.SuggestionRefused):
    db.session.rollback()
    return respond(SUGGESTION_STATUS[exc.code], exc.code, SUGGESTION_ERRORS[exc.code]())


ballot_refusal = polls.ballots.refusal  # the ballot page's flashes say the same


def entry_data(session, entries: list[PollEntryIn]) -> list[polls.PollEntryData]:
    """Library references become snapshots of the library film."""
    data = []
    for index, entry in enumerate(entries):
        if entry.film_id is None:
            data.append(polls.PollEntryData(entry.to_film_data()))
            continue
        film = session.get(Film, entry.film_id)
        if film is None:
            raise invalid_fields({f"entries.{index}.film_id": _("такого фильма в библиотеке нет")})
        data.append(polls.PollEntryData(library.film_data(film), film_id=film.id))
    return data


def create(data: PollIn) -> polls.CreatedPoll:
    return polls.create_poll(
        db.session,
        data.title,
        entry_data(db.session, data.entries),
        closes_in_minutes=data.closes_in_minutes,
        allow_suggestions=data.allow_suggestions,
        hide_results=data.hide_results,
        ballot=data.ballot,
        max_approvals=data.max_approvals,
        vetoes_per_member=data.vetoes_per_member,
        secret_ballots=data.secret_ballots,
    )


def current_json(poll: Poll) -> dict:
    voter = current_voter(create=False)
    my_ballot = polls.ballot_of(db.session, poll, voter)
    my_vote = my_ballot.marks[0] if my_ballot else None
    recount = None
    if poll.is_closed():
        recount = recount_json(poll, polls.outcome(db.session, poll), polls.published_ballots(db.session, poll))
    return poll_json(poll, polls.tally(db.session, poll), my_vote, my_ballot, recount)


def managed_poll(public_id: str) -> Poll:
    poll = polls.get_poll(db.session, public_id)
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not polls.token_matches(poll, token.strip()):
        raise ApiError(403, "forbidden", _("Нужен ключ управления голосованием (Authorization: Bearer …)."))
    return poll


@bp.post("")
@documented(
    "Create a poll",
    "createPoll",
    responses={201: ("Created", "PollCreated")},
    errors=(400, 413, 422, 429, 503),
    body=PollIn,
    description="The answer carries manage_token once: only its hash is stored. Rate limited per address.",
)
@limiter.limit(CREATE_LIMIT)
def create_poll():
    created = create(parse_body(PollIn))
    db.session.commit()
    body = poll_json(created.poll, {}, None)
    body.update(manage_token=created.manage_token, manage_url=manage_url(created.poll, created.manage_token))
    return jsonify(body), 201


@bp.get("/<public_id>")
@documented(
    "Get a poll with its live counts",
    "getPoll",
    responses={200: ("The poll", "Poll"), 304: ("Unchanged since the given ETag", None)},
    errors=(404, 503),
    parameters=({"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},),
    security=VOTER,
    description="Answers 304 to If-None-Match with the current (weak) ETag, so watching a poll is cheap. votes, total_votes and leaders are null while the poll hides results from someone who has not voted.",
)
def get_poll(public_id: str):
    """Cheap to poll: an unchanged poll is one indexed row read and a 304."""
    head = polls.poll_head(db.session, public_id)
    etag = f"{head.version}-{int(head.closed)}-{voter_tag(current_voter(create=False))}"
    return live_json(etag, lambda: current_json(polls.get_poll(db.session, public_id)))


@bp.post("/<public_id>/vote")
@documented(
    "Vote (or change your vote)",
    "votePoll",
    responses={200: ("The counts after the vote", "Poll"), 410: ("The poll is closed (error code poll_closed)", ERROR)},
    errors=(400, 404, 413, 422, 429, 503),
    body=VoteIn,
    security=VOTER,
    description="One vote per device (the voter cookie; a device without one gets it with this answer). Rate limited per address.",
)
@limiter.limit(VOTE_LIMIT)
def vote(public_id: str):
    data = parse_body(VoteIn)
    poll = polls.get_poll(db.session, public_id)
    try:
        polls.cast_ballot(db.session, poll, voting_voter(), data.ballot_type, data.to_ballot())
    except polls.BallotInvalid as exc:
        message = ballot_refusal(poll, exc)
        code = exc.code if exc.code == "unknown_entry" else "validation_failed"
        raise ApiError(422, code, message, {exc.field: message}) from None
    db.session.commit()
    return jsonify(current_json(poll))


@bp.post("/<public_id>/suggestions")
@documented(
    "Add your own film to the ballot (one per voter, when the poll allows it)",
    "suggestPollFilm",
    responses={201: ("The poll with the new film", "Poll")},
    errors=(400, 404, 409, 410, 413, 422, 429, 503),
    body=SuggestionIn,
    security=VOTER,
)
@limiter.limit(CREATE_LIMIT)
def suggest(public_id: str):
    data = parse_body(SuggestionIn)
    poll = polls.get_poll(db.session, public_id)
    polls.suggest(db.session, poll, voting_voter(), polls.PollEntryData(data.to_film_data()))
    db.session.commit()
    return jsonify(current_json(poll)), 201


@bp.post("/<public_id>/close")
@documented(
    "Close the poll now (creator only)",
    "closePoll",
    responses={200: ("The closed poll", "Poll")},
    errors=(403, 404, 503),
    security=POLL_MANAGER,
)
def close(public_id: str):
    poll = managed_poll(public_id)
    polls.close(db.session, poll)
    db.session.commit()
    return jsonify(current_json(poll))


@bp.post("/<public_id>/lottery")
@documented(
    "Turn the poll into a provably fair lottery (creator only; closes the poll)",
    "pollLottery",
    responses={201: ("The new lottery", "PollLottery"), 200: ("The lottery made earlier", "PollLottery")},
    errors=(400, 403, 404, 409, 413, 422, 503),
    body=PollLotteryIn,
    body_required=False,
    security=POLL_MANAGER,
    description="weighted: every film that got votes, weighted by its votes; leaders: the tied leaders with equal weights. Made once: later calls answer 200 with the same lottery.",
)
def make_lottery(public_id: str):
    poll = managed_poll(public_id)
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", _("Тело запроса должно быть JSON-объектом (или пустым)."))
    wanted = validate(PollLotteryIn, body)
    try:
        made, created = poll_lottery.make_lottery(
            db.session,
            poll,
            wanted.mode,
            draw_mode=wanted.draw_mode,
            without_banned=wanted.without_banned,
            finalist_count=wanted.finalists,
        )
    except poll_lottery.NotEnoughCandidates as exc:
        raise ApiError(
            409,
            "not_enough_candidates",
            _("Для жребия нужно хотя бы два фильма с голосами, а подходит %(count)d.", count=exc.count),
        ) from None
    return jsonify({"id": made.public_id, "url": lottery_url(made), "created": created}), 201 if created else 200
