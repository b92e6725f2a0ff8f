"""Polls: friends vote on a ballot of films, one vote per voter, and the votes can weight the
provably fair draw.

* core: creating, voting, suggesting, closing and tallying a poll;
* counting: the published counting rule (single, approval, ranked, vetoes, seeded tie-breaks);
* ballots: ballots checked, stored one per person, counted and published for the recount;
* lottery: from a poll's votes to its lottery;
* telegram: the poll in Telegram (announcement, voting by button, throttled edits, the result).
"""

from . import ballots, counting
from .ballots import (
    BallotInvalid,
    UnknownEntry,
    Winner,
    ballot_of,
    finalists,
    outcome,
    priority,
    published_ballots,
    result_line,
    winner,
)
from .core import (
    DEFAULT_MINUTES,
    MAX_ENTRIES,
    MAX_MINUTES,
    MIN_ENTRIES,
    MIN_MINUTES,
    CreatedPoll,
    PollClosed,
    PollEntryData,
    PollNotFound,
    SuggestionRefused,
    banned_entries,
    cast_ballot,
    cast_vote,
    close,
    create_poll,
    get_poll,
    has_suggested,
    hash_token,
    leaders,
    poll_head,
    purge_closed,
    suggest,
    tally,
    token_matches,
    vote_of,
)

__all__ = [
    "ballots",
    "counting",
    "BallotInvalid",
    "Winner",
    "winner",
    "result_line",
    "ballot_of",
    "cast_ballot",
    "finalists",
    "outcome",
    "priority",
    "published_ballots",
    "DEFAULT_MINUTES",
    "MAX_ENTRIES",
    "MAX_MINUTES",
    "MIN_ENTRIES",
    "MIN_MINUTES",
    "CreatedPoll",
    "PollClosed",
    "PollEntryData",
    "PollNotFound",
    "SuggestionRefused",
    "UnknownEntry",
    "banned_entries",
    "cast_vote",
    "close",
    "create_poll",
    "get_poll",
    "has_suggested",
    "hash_token",
    "leaders",
    "poll_head",
    "purge_closed",
    "suggest",
    "tally",
    "token_matches",
    "vote_of",
]
