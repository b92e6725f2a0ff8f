"""The shapes of what lotteries' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

LIST_LOTTERIES_ANSWER = schema(
    "ListLotteriesAnswer",
    {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Lottery"}},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
)

ENTRY = schema(
    "Entry",
    {
        "type": "object",
        "required": [
            "position",
            "title",
            "year",
            "poster_url",
            "kinopoisk_id",
            "weight",
            "original_title",
            "rating",
            "genres",
            "description",
        ],
        "properties": {
            "position": {"type": "integer"},
            "title": {"type": "string"},
            "year": {"type": ["integer", "null"]},
            "poster_url": {"type": ["string", "null"]},
            "kinopoisk_id": {"type": ["integer", "null"]},
            "weight": {"type": "integer"},
            "original_title": {"type": ["string", "null"]},
            "rating": {"type": ["number", "null"]},
            "genres": {"type": "array", "items": {"type": "string"}},
            "description": {"type": ["string", "null"]},
        },
    },
)

LOTTERY = schema(
    "Lottery",
    {
        "type": "object",
        "required": ["id", "url", "commitment", "entries", "winner", "created_at", "drawn_at"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": ["string", "null"]},
            "url": {"type": "string"},
            "commitment": {"type": "string", "description": "sha256(seed), hex"},
            "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Entry"}},
            "winner": {"oneOf": [{"$ref": "#/components/schemas/Entry"}, {"type": "null"}]},
            "created_at": {"type": "string", "format": "date-time"},
            "drawn_at": {"type": ["string", "null"], "format": "date-time"},
            "seed": {"type": "string", "description": "hex; present only after the draw"},
            "mode": {"type": "string", "enum": ["single", "eliminate"]},
            "draw_rule": {
                "type": "string",
                "enum": ["win_weighted", "drop_weighted"],
                "description": "the rule the draw follows: win_weighted (every lottery "
                "made now) — weight is the chance to win in both modes; "
                "drop_weighted — eliminate-mode lotteries made before this "
                'rule: round k (r_k = HMAC-SHA256(seed, "{id}:{k}") mod the '
                "total weight still in) removed the first film still in "
                "whose cumulative weight exceeds r_k, and the last one left "
                "won",
            },
            "eliminated": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "entry positions in elimination order; present only after the draw",
            },
            "winner_film_id": {
                "type": ["integer", "null"],
                "description": "the library film of the winner; present only after the draw",
            },
        },
    },
)

DRAW = schema(
    "Draw",
    {
        "type": "object",
        "required": ["commitment", "drawn_at", "eliminated", "mode", "seed", "winner"],
        "properties": {
            "winner": {"$ref": "#/components/schemas/Entry"},
            "seed": {"type": "string"},
            "commitment": {"type": "string"},
            "drawn_at": {"type": "string", "format": "date-time"},
            "mode": {"type": "string", "enum": ["single", "eliminate"]},
            "eliminated": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "entry positions in the order they dropped out (empty in single mode)",
            },
        },
    },
)
