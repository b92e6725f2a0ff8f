"""How polls look in JSON (the API, the poll page's live updates) and their links."""

from __future__ import annotations

from typing import Any

from ...models import Poll, iso_utc
from ...services import polls
from ...services.polls.ballots import PublishedBallot
from ...services.polls.counting import Ballot, Result
from ..presenters import external_url, lottery_url


def poll_url(poll: Poll) -> str:
    return external_url("polls.poll", public_id=poll.public_id)


def manage_url(poll: Poll, token: str) -> str:
    # The token rides in the fragment: browsers never send it, so it stays out of logs.
    return external_url("polls.manage", public_id=poll.public_id) + "#" + token


def results_visible(poll: Poll, my_vote: int | None, closed: bool) -> bool:
    return closed or not poll.hide_results or my_vote is not None


def ballot_json(poll: Poll, ballot: Ballot | None) -> dict[str, Any] | None:
    if ballot is None:
        return None
    return PublishedBallot("", ballot).to_dict(poll.ballot) | {"voter": None}


def recount_json(poll: Poll, result: Result, ballots: list[PublishedBallot]) -> dict[str, Any]:
    """What a closed poll publishes so anyone can recount it (never before it closes)."""
    return {
        "tiebreak_seed": poll.tiebreak_seed.hex(),
        "priority": polls.priority(poll),
        "result": result.to_dict(),
        "ballots": [published.to_dict(poll.ballot) for published in ballots],
    }


def poll_json(
    poll: Poll,
    counts: dict[int, int],
    my_vote: int | None,
    my_ballot: Ballot | None = None,
    recount: dict[str, Any] | None = None,
) -> dict[str, Any]:
    closed = poll.is_closed()
    visible = results_visible(poll, my_vote, closed)
    body: dict[str, Any] = {
        "id": poll.public_id,
        "title": poll.title,
        "url": poll_url(poll),
        "created_at": iso_utc(poll.created_at),
        "closes_at": iso_utc(poll.ends_at()),
        "closed": closed,
        "allow_suggestions": poll.allow_suggestions,
        "hide_results": poll.hide_results,
        "ballot": poll.ballot,
        "max_approvals": poll.max_approvals,
        "vetoes_per_member": poll.vetoes_per_member,
        "secret_ballots": poll.secret_ballots,
        "tiebreak_commitment": poll.tiebreak_commitment,
        "total_votes": sum(counts.values()) if visible else None,
        "entries": [
            {
                "id": entry.id,
                "title": entry.title,
                "year": entry.year,
                "poster_url": entry.poster_url,
                "kinopoisk_id": entry.kinopoisk_id,
                "suggested": entry.suggested_by is not None,
                "votes": counts.get(entry.id, 0) if visible else None,
            }
            for entry in poll.entries
        ],
        "my_vote": my_vote,
        "my_ballot": ballot_json(poll, my_ballot),
        "leaders": polls.leaders(counts) if visible else None,
        "lottery": {"id": poll.lottery.public_id, "url": lottery_url(poll.lottery)} if poll.lottery else None,
    }
    if closed:
        body["winner"] = polls.leaders(counts)
    if closed and recount is not None:
        body.update(recount)
    return body
