"""What a night watches: a library film, a lottery's winner once drawn, or a poll's result."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Night
from .. import polls


@dataclass(frozen=True)
class WatchedFilm:
    title: str
    year: int | None
    poster_url: str | None
    film_id: int | None  # the library film, when there is one (it gets the "watched" badge)
    source: str  # film | lottery | poll


def night_film(session: Session, night: Night) -> WatchedFilm | None:
    if night.film is not None:
        f = night.film
        return WatchedFilm(f.title, f.year, f.poster_url, f.id, "film")
    if night.lottery is not None:
        winner = night.lottery.winner
        if winner is None:
            return None
        return WatchedFilm(winner.title, winner.year, winner.poster_url, night.lottery.winner_film_id, "lottery")
    poll = night.poll
    if poll is not None:
        if poll.lottery is not None and poll.lottery.winner is not None:
            winner = poll.lottery.winner
            return WatchedFilm(winner.title, winner.year, winner.poster_url, poll.lottery.winner_film_id, "poll")
        if poll.is_closed():
            won = polls.winner(session, poll)
            if won is not None:
                entry = won.entry
                return WatchedFilm(entry.title, entry.year, entry.poster_url, entry.film_id, "poll")
    return None
