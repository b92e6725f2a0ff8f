"""The shapes of what ratings' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

RATING_SUMMARY = schema(
    "RatingSummary",
    {
        "type": "object",
        "required": ["average", "count", "my_score"],
        "properties": {
            "average": {"type": ["number", "null"]},
            "count": {"type": "integer", "minimum": 0},
            "my_score": {"type": ["integer", "null"], "minimum": 1, "maximum": 10},
        },
    },
)

MEMBER_REF = schema(
    "MemberRef",
    {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
)

GROUP_RATING = schema(
    "GroupRating",
    {
        "type": "object",
        "required": ["average", "count"],
        "properties": {"average": {"type": ["number", "null"]}, "count": {"type": "integer"}},
    },
)

FILM_DETAILS = schema(
    "FilmDetails",
    {
        "allOf": [
            {"$ref": "#/components/schemas/Film"},
            {
                "type": "object",
                "required": ["url", "trailer_url", "ratings", "lotteries", "polls", "nights", "similar"],
                "properties": {
                    "url": {"type": "string"},
                    "trailer_url": {
                        "type": ["string", "null"],
                        "description": "A youtube-nocookie.com embed URL, or null when Kinopoisk knows none",
                    },
                    "ratings": {
                        "type": "object",
                        "required": ["average", "count", "scores"],
                        "properties": {
                            "average": {"type": ["number", "null"]},
                            "count": {"type": "integer"},
                            "scores": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["member", "score"],
                                    "properties": {
                                        "member": {
                                            "oneOf": [{"$ref": "#/components/schemas/MemberRef"}, {"type": "null"}],
                                            "description": "null once the member was deleted (the score stays counted)",
                                        },
                                        "score": {"type": "integer", "minimum": 1, "maximum": 10},
                                        "rated_at": {"type": "string", "format": "date-time"},
                                    },
                                },
                            },
                        },
                    },
                    "lotteries": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "won"],
                            "properties": {
                                "id": {"type": "string"},
                                "title": {"type": ["string", "null"]},
                                "created_at": {"type": "string"},
                                "drawn_at": {"type": ["string", "null"]},
                                "won": {"type": "boolean"},
                            },
                        },
                    },
                    "polls": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "won"],
                            "properties": {
                                "id": {"type": "string"},
                                "title": {"type": ["string", "null"]},
                                "created_at": {"type": "string"},
                                "votes": {"type": "integer"},
                                "won": {"type": "boolean"},
                            },
                        },
                    },
                    "nights": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "title"],
                            "properties": {
                                "id": {"type": "string"},
                                "title": {"type": "string"},
                                "status": {"type": "string"},
                                "starts_at": {"type": ["string", "null"]},
                            },
                        },
                    },
                    "similar": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "kinopoisk_id": {"type": "integer"},
                                "title": {"type": "string"},
                                "year": {"type": ["integer", "null"]},
                                "poster_url": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        ]
    },
)

MEMBER_DETAILS = schema(
    "MemberDetails",
    {
        "type": "object",
        "required": ["member", "ratings", "nights", "suggested", "taste_twin"],
        "properties": {
            "member": {"$ref": "#/components/schemas/MemberRef"},
            "url": {"type": "string"},
            "average": {"type": ["number", "null"]},
            "ratings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["film", "score"],
                    "properties": {
                        "film": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "title": {"type": "string"},
                                "year": {"type": ["integer", "null"]},
                            },
                        },
                        "score": {"type": "integer"},
                        "group_average": {"type": ["number", "null"]},
                        "rated_at": {"type": "string"},
                    },
                },
            },
            "nights": {
                "type": "array",
                "description": "Nights the member said they were going to, that have started",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "starts_at": {"type": ["string", "null"]},
                    },
                },
            },
            "suggested": {
                "type": "object",
                "required": ["count", "won", "films"],
                "properties": {
                    "count": {"type": "integer"},
                    "won": {"type": "integer"},
                    "films": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "title": {"type": "string"},
                                "year": {"type": ["integer", "null"]},
                                "poll": {"type": "string"},
                                "won": {"type": "boolean"},
                            },
                        },
                    },
                },
            },
            "taste_twin": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["member", "common", "difference"],
                        "properties": {
                            "member": {"$ref": "#/components/schemas/MemberRef"},
                            "common": {"type": "integer", "minimum": 3},
                            "difference": {
                                "type": "number",
                                "description": "mean absolute difference of their scores on the films both rated",
                            },
                        },
                    },
                ]
            },
        },
    },
)

STATS = schema(
    "Stats",
    {
        "type": "object",
        "required": [
            "draws_last_year",
            "best",
            "worst",
            "divisive",
            "taste_twins",
            "harshest",
            "kindest",
            "versus_kinopoisk",
        ],
        "properties": {
            "draws_last_year": {"type": "integer"},
            "winners_by_genre": {
                "type": "array",
                "items": {"type": "object", "properties": {"genre": {"type": "string"}, "wins": {"type": "integer"}}},
            },
            "winners_by_decade": {
                "type": "array",
                "items": {"type": "object", "properties": {"decade": {"type": "string"}, "wins": {"type": "integer"}}},
            },
            "draws_per_month": {
                "type": "array",
                "items": {"type": "object", "properties": {"month": {"type": "string"}, "draws": {"type": "integer"}}},
            },
            "never_won": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "year": {"type": ["integer", "null"]},
                        "entries": {"type": "integer"},
                    },
                },
            },
            "waiting": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "year": {"type": ["integer", "null"]},
                    },
                },
            },
            "best": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "average", "count"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "year": {"type": ["integer", "null"]},
                        "average": {"type": "number"},
                        "count": {"type": "integer", "minimum": 3},
                        "spread": {"type": ["integer", "null"]},
                        "kinopoisk": {"type": ["number", "null"]},
                    },
                },
            },
            "worst": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "average", "count"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "year": {"type": ["integer", "null"]},
                        "average": {"type": "number"},
                        "count": {"type": "integer", "minimum": 3},
                        "spread": {"type": ["integer", "null"]},
                        "kinopoisk": {"type": ["number", "null"]},
                    },
                },
            },
            "divisive": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "average", "count"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "year": {"type": ["integer", "null"]},
                        "average": {"type": "number"},
                        "count": {"type": "integer", "minimum": 3},
                        "spread": {"type": ["integer", "null"]},
                        "kinopoisk": {"type": ["number", "null"]},
                    },
                },
            },
            "versus_kinopoisk": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "average", "count"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "year": {"type": ["integer", "null"]},
                        "average": {"type": "number"},
                        "count": {"type": "integer", "minimum": 3},
                        "spread": {"type": ["integer", "null"]},
                        "kinopoisk": {"type": ["number", "null"]},
                    },
                },
            },
            "taste_twins": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["members", "common", "difference"],
                    "properties": {
                        "members": {
                            "type": "array",
                            "minItems": 2,
                            "maxItems": 2,
                            "items": {"$ref": "#/components/schemas/MemberRef"},
                        },
                        "common": {"type": "integer", "minimum": 3},
                        "difference": {"type": "number"},
                    },
                },
            },
            "harshest": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["id", "name", "films", "delta"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "films": {"type": "integer"},
                            "delta": {
                                "type": "number",
                                "description": "their mean score minus the group's mean on the same films",
                            },
                        },
                    },
                ]
            },
            "kindest": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["id", "name", "films", "delta"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "films": {"type": "integer"},
                            "delta": {
                                "type": "number",
                                "description": "their mean score minus the group's mean on the same films",
                            },
                        },
                    },
                ]
            },
        },
    },
)
