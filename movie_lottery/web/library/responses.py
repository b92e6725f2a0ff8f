"""The shapes of what library' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

LIST_LIBRARY_ANSWER = schema(
    "ListLibraryAnswer",
    {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Film"}},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
)

SEARCH_FILMS_ANSWER = schema(
    "SearchFilmsAnswer",
    {
        "type": "object",
        "required": ["source", "results"],
        "properties": {
            "source": {"type": "string", "enum": ["kinopoisk", "cache", "disabled"]},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
        },
    },
)

FILM = schema(
    "Film",
    {
        "type": "object",
        "required": ["id", "title"],
        "properties": {
            "id": {"type": "integer"},
            "kinopoisk_id": {"type": ["integer", "null"]},
            "title": {"type": "string"},
            "original_title": {"type": ["string", "null"]},
            "year": {"type": ["integer", "null"]},
            "poster_url": {"type": ["string", "null"]},
            "rating": {"type": ["number", "null"]},
            "genres": {"type": "array", "items": {"type": "string"}},
            "description": {"type": ["string", "null"]},
            "added_at": {"type": "string", "format": "date-time"},
            "badges": {"$ref": "#/components/schemas/Badges"},
            "group_rating": {"$ref": "#/components/schemas/GroupRating"},
        },
    },
)

FILM_RESULT = schema(
    "FilmResult",
    {
        "type": "object",
        "required": ["film", "created"],
        "properties": {"film": {"$ref": "#/components/schemas/Film"}, "created": {"type": "boolean"}},
    },
)

SEARCH_RESULT = schema(
    "SearchResult",
    {
        "type": "object",
        "required": [
            "kinopoisk_id",
            "title",
            "original_title",
            "year",
            "poster_url",
            "rating",
            "genres",
            "description",
        ],
        "properties": {
            "kinopoisk_id": {"type": "integer"},
            "title": {"type": "string"},
            "original_title": {"type": ["string", "null"]},
            "year": {"type": ["integer", "null"]},
            "poster_url": {"type": ["string", "null"]},
            "rating": {"type": ["number", "null"]},
            "genres": {"type": "array", "items": {"type": "string"}},
            "description": {"type": ["string", "null"]},
            "badges": {
                "type": "object",
                "description": "Only for a film the library has banned: until when (inclusive)",
                "required": ["banned_until"],
                "properties": {"banned_until": {"type": "string", "format": "date"}},
            },
        },
    },
)

BADGES = schema(
    "Badges",
    {
        "type": "object",
        "required": ["watched_on", "favourite", "watchlist_at", "banned_until"],
        "properties": {
            "watched_on": {"type": ["string", "null"], "format": "date"},
            "favourite": {"type": "boolean"},
            "watchlist_at": {"type": ["string", "null"], "format": "date-time"},
            "banned_until": {
                "type": ["string", "null"],
                "format": "date",
                "description": "the film cannot enter a new lottery until this day, inclusive",
            },
        },
    },
)
