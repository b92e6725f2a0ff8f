"""The film library.

* core: adding films without duplicates (same_film), keyset-paginated browsing;
* badges: watched, favourite, watchlist, banned — and the one rule every way into a draw asks;
* search: Kinopoisk search with a day-long cache; film_details: a film's own Kinopoisk document;
* stats: the /stats page's aggregates;
* site_day: the group's calendar day (SITE_TIMEZONE), which bans, the watched day and the stats count by.
"""

from .core import (
    BADGES,
    CARD_COLUMNS,
    KNOWN_GENRES,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ROW_ID,
    SORTS,
    WISHED,
    FilmData,
    InvalidCursor,
    Page,
    add_film,
    backdrop_posters,
    browse,
    decode_cursor,
    delete_film,
    encode_cursor,
    film_data,
    same_film,
)

__all__ = [
    "BADGES",
    "CARD_COLUMNS",
    "KNOWN_GENRES",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "ROW_ID",
    "SORTS",
    "WISHED",
    "FilmData",
    "InvalidCursor",
    "Page",
    "add_film",
    "backdrop_posters",
    "browse",
    "decode_cursor",
    "delete_film",
    "encode_cursor",
    "film_data",
    "same_film",
]
