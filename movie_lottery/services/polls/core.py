"""Polls: friends vote on a ballot of films, one vote per voter, and the votes can weight
the provably fair draw.

Invariants held by the database, not by Python alone:
* one vote per voter per poll: UNIQUE (poll_id, voter), written with an upsert;
* nothing is counted after the poll closed: every write first bumps the poll's version
  with ``UPDATE … WHERE still open`` (which also serialises writes to one poll), and the
  deadline is the stored closes_at, so no background job has to close anything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Poll, PollEntry, PollMessage, PollVote, poll_ends_at, utcnow
from .. import events
from ..library import FilmData, badges
from ..public_ids import get_by_public_id, head_row, insert_with_public_id
from ..lotteries import fairness
from ..sql import affected_rows
from .ballots import MAX_VETOES, ballots_of, check_ballot, live_counts, store_ballot
from .counting import APPROVAL, BALLOT_TYPES, SINGLE, Ballot

MIN_ENTRIES = 2
MAX_ENTRIES = 25
DEFAULT_MINUTES = 24 * 60
MIN_MINUTES = 5
MAX_MINUTES = 7 * 24 * 60
TOKEN_BYTES = 24


class PollNotFound(LookupError):
    pass


class PollClosed(Exception):
    pass


class SuggestionRefused(ValueError):
    """code: suggestions_off | already_suggested | ballot_full"""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PollEntryData:
    film: FilmData
    film_id: int | None = None


@dataclass(frozen=True)
class CreatedPoll:
    poll: Poll
    manage_token: str  # shown once; only its hash is stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(poll: Poll, token: str | None) -> bool:
    if not token:
        return False
    return hmac.compare_digest(hash_token(token), poll.manage_token_hash)


def _entry(position: int, data: PollEntryData, suggested_by: str | None = None) -> PollEntry:
    film = data.film
    return PollEntry(
        position=position,
        title=film.title,
        year=film.year,
        poster_url=film.poster_url,
        kinopoisk_id=film.kinopoisk_id,
        original_title=film.original_title,
        rating=film.rating,
        genres=list(film.genres) or None,
        description=film.description,
        film_id=data.film_id,
        suggested_by=suggested_by,
    )


def banned_entries(session: Session, poll: Poll) -> set[int]:
    """Ids of the ballot's films that are banned today (perhaps since the poll opened). One query."""
    banned = badges.banned_films(session)
    return {e.id for e in poll.entries if banned and badges.banned_match(banned, FilmData.of_entry(e), e.film_id)}


def create_poll(
    session: Session,
    title: str | None,
    entries: Sequence[PollEntryData],
    *,
    closes_in_minutes: int = DEFAULT_MINUTES,
    allow_suggestions: bool = False,
    hide_results: bool = False,
    ballot: str = SINGLE,
    max_approvals: int | None = None,
    vetoes_per_member: int = 0,
    secret_ballots: bool = False,
) -> CreatedPoll:
    """A new poll and its management token. Raises badges.FilmRefused for a banned film."""
    if not MIN_ENTRIES <= len(entries) <= MAX_ENTRIES:
        raise ValueError(f"a poll needs {MIN_ENTRIES}–{MAX_ENTRIES} films")
    if not MIN_MINUTES <= closes_in_minutes <= MAX_MINUTES:
        raise ValueError(f"a poll stays open {MIN_MINUTES}–{MAX_MINUTES} minutes")
    if ballot not in BALLOT_TYPES or not 0 <= vetoes_per_member <= MAX_VETOES:
        raise ValueError("unknown ballot type or veto budget")
    badges.ensure_may_enter(session, [e.film for e in entries], [e.film_id for e in entries])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    seed = fairness.new_seed()
    poll = insert_with_public_id(
        session,
        lambda public_id: Poll(
            public_id=public_id,
            title=title,
            closes_at=utcnow() + timedelta(minutes=closes_in_minutes),
            allow_suggestions=allow_suggestions,
            hide_results=hide_results,
            manage_token_hash=hash_token(token),
            version=0,
            ballot=ballot,
            max_approvals=max_approvals,
            vetoes_per_member=vetoes_per_member,
            secret_ballots=secret_ballots,
            tiebreak_seed=seed,
            tiebreak_commitment=fairness.commitment_for(seed),
            entries=[_entry(position, data) for position, data in enumerate(entries)],
        ),
    )
    events.poll_created.send(session, poll=poll)
    return CreatedPoll(poll, token)


def get_poll(session: Session, public_id: str) -> Poll:
    return get_by_public_id(session, Poll, public_id, PollNotFound, Poll.entries)


@dataclass(frozen=True)
class PollHead:
    """The few columns the live-results ETag needs (one indexed single-row query)."""

    id: int
    version: int
    closed: bool


def poll_head(session: Session, public_id: str) -> PollHead:
    row = head_row(session, Poll, public_id, PollNotFound, Poll.id, Poll.version, Poll.closes_at, Poll.closed_at)
    return PollHead(row.id, row.version, utcnow() >= poll_ends_at(row.closes_at, row.closed_at))


def tally(session: Session, poll: Poll) -> dict[int, int]:
    """Votes (approvals, first choices) per entry id; entries without any are absent."""
    if poll.ballot == APPROVAL:
        return live_counts(poll, [ballot for _voter, ballot in ballots_of(session, poll)])
    rows = session.execute(
        select(PollVote.entry_id, func.count()).where(PollVote.poll_id == poll.id).group_by(PollVote.entry_id)
    )
    return {entry_id: count for entry_id, count in rows}


def leaders(counts: dict[int, int]) -> list[int]:
    """Entry ids with the most votes: several when tied, none before the first vote."""
    top = max(counts.values(), default=0)
    return sorted(entry_id for entry_id, count in counts.items() if count == top and top > 0)


def vote_of(session: Session, poll: Poll, voter: str | None) -> int | None:
    if voter is None:
        return None
    return session.scalar(select(PollVote.entry_id).where(PollVote.poll_id == poll.id, PollVote.voter == voter))


def _claim_open(session: Session, poll: Poll, **values) -> bool:
    """Bump the version if the poll is still open; the row lock it takes serialises writers."""
    now = utcnow()
    return bool(
        affected_rows(
            session.execute(
                update(Poll)
                .where(Poll.id == poll.id, Poll.closed_at.is_(None), Poll.closes_at > now)
                .values(version=Poll.version + 1, **values)
                .execution_options(synchronize_session=False)
            )
        )
    )


def claim_open(session: Session, poll: Poll) -> None:
    """Before changing a ballot: the poll's row lock, or PollClosed."""
    if not _claim_open(session, poll):
        raise PollClosed(poll.public_id)


def cast_ballot(session: Session, poll: Poll, voter: str, ballot_type: str, ballot: Ballot) -> None:
    """Record (or replace) ``voter``'s ballot. Raises BallotInvalid (UnknownEntry among them),
    PollClosed. The caller commits."""
    check_ballot(poll, ballot_type, ballot)
    claim_open(session, poll)
    store_ballot(session, poll, voter, ballot)


def cast_vote(session: Session, poll: Poll, voter: str, entry_id: int) -> None:
    """A single-choice poll's vote."""
    cast_ballot(session, poll, voter, SINGLE, Ballot((entry_id,)))


def suggest(session: Session, poll: Poll, voter: str, data: PollEntryData) -> PollEntry:
    """Add one voter's own film to the ballot (when the poll allows it). Raises
    SuggestionRefused, PollClosed, badges.FilmRefused. The caller commits."""
    if not poll.allow_suggestions:
        raise SuggestionRefused("suggestions_off")
    badges.ensure_may_enter(session, [data.film], [data.film_id])
    if not _claim_open(session, poll):
        raise PollClosed(poll.public_id)
    count, last = session.execute(
        select(func.count(), func.max(PollEntry.position)).where(PollEntry.poll_id == poll.id)
    ).one()
    if count >= MAX_ENTRIES:
        raise SuggestionRefused("ballot_full")
    entry = _entry(last + 1, data, suggested_by=voter)
    entry.poll_id = poll.id
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # UNIQUE (poll_id, suggested_by): this voter already added one
        raise SuggestionRefused("already_suggested") from None
    session.expire(poll, ["entries"])
    return entry


def has_suggested(poll: Poll, voter: str | None) -> bool:
    return voter is not None and any(entry.suggested_by == voter for entry in poll.entries)


def close(session: Session, poll: Poll) -> bool:
    """Close early; False if it was already closed. The caller commits."""
    closed = _claim_open(session, poll, closed_at=utcnow())
    if closed:
        session.refresh(poll)
    return closed


def purge_closed(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete polls that closed more than ``older_than`` ago, with their ballots and votes.
    Returns how many polls went. The caller commits."""
    cutoff = (now or utcnow()) - older_than
    doomed = select(Poll.id).where(or_(Poll.closes_at < cutoff, Poll.closed_at < cutoff))
    ids = list(session.scalars(doomed))
    if not ids:
        return 0
    # Children first: SQLite does not enforce ON DELETE CASCADE unless told to.
    session.execute(delete(PollVote).where(PollVote.poll_id.in_(ids)))
    session.execute(delete(PollMessage).where(PollMessage.poll_id.in_(ids)))
    session.execute(delete(PollEntry).where(PollEntry.poll_id.in_(ids)))
    session.execute(delete(Poll).where(Poll.id.in_(ids)))
    return len(ids)
