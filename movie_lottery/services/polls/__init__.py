"""Polls: friends vote on a ballot of films, one vote per voter, and the votes can weight the
provably fair draw.

* core: creating, voting, suggesting, closing and tallying a poll;
* lottery: from a poll's votes to its lottery;
* telegram: the poll in Telegram (announcement, voting by button, throttled edits, the result).
"""
from .core import (
    DEFAULT_MINUTES, MAX_ENTRIES, MAX_MINUTES, MIN_ENTRIES, MIN_MINUTES, CreatedPoll, PollClosed, PollEntryData,
    PollNotFound, SuggestionRefused, UnknownEntry, banned_entries, cast_vote, close, create_poll, get_poll,
    has_suggested, hash_token, leaders, poll_head, purge_closed, suggest, tally, token_matches, vote_of,
)

__all__ = [
    "DEFAULT_MINUTES", "MAX_ENTRIES", "MAX_MINUTES", "MIN_ENTRIES", "MIN_MINUTES", "CreatedPoll", "PollClosed",
    "PollEntryData", "PollNotFound", "SuggestionRefused", "UnknownEntry", "banned_entries", "cast_vote", "close",
    "create_poll", "get_poll", "has_suggested", "hash_token", "leaders", "poll_head", "purge_closed", "suggest",
    "tally", "token_matches", "vote_of",
]
