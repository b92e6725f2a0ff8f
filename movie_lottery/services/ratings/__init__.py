"""Ratings: members score films 1–10; what the film and member pages and /stats show of them.

* scores: set and remove a score, each film's summary, merging members' scores;
* seen: who has seen a film (marks, scores, nights gone to) and the members' marks;
* film_page / member_page: everything one page shows, in a fixed number of statements;
* taste: /stats' group figures (best, worst, divisive, taste twins, critics, we vs Kinopoisk).
"""

from . import seen
from .scores import FilmNotFound, InvalidScore, MAX_SCORE, MIN_SCORE, Summary, rate, summary, unrate

__all__ = ["seen", "FilmNotFound", "InvalidScore", "MAX_SCORE", "MIN_SCORE", "Summary", "rate", "summary", "unrate"]
