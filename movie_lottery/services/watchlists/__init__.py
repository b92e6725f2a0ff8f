"""Members' personal watchlists ("Хочу посмотреть"): one entry per member per film, newest first.

* lists: add (idempotent), remove, a member's list, who wants a film, merging and deleting members;
* telegram: the bot's /want in a private chat;
* finding: a film named in a request (a Kinopoisk id, a link or a title) found in the library, or
  added to it from Kinopoisk first (the bot's /want and the search results' button).
"""

from .lists import FilmNotFound, Wish, add, of_member, on_list, remove, wanting, wanting_many
from .finding import NotFound, film_for_kinopoisk, film_for_entry, film_for_query

__all__ = [
    "FilmNotFound",
    "NotFound",
    "Wish",
    "add",
    "film_for_kinopoisk",
    "film_for_entry",
    "film_for_query",
    "of_member",
    "on_list",
    "remove",
    "wanting",
    "wanting_many",
]
