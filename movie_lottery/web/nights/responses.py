"""The shapes of what nights' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

LIST_NIGHTS_ANSWER = schema(
    "ListNightsAnswer",
    {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/NightSummary"}},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
)

NIGHT_FILM = schema(
    "NightFilm",
    {
        "type": ["object", "null"],
        "required": ["title", "year", "poster_url"],
        "properties": {
            "title": {"type": "string"},
            "year": {"type": ["integer", "null"]},
            "poster_url": {"type": ["string", "null"]},
            "film_id": {"type": ["integer", "null"]},
            "source": {"type": "string", "enum": ["film", "lottery", "poll"]},
        },
    },
)

NIGHT = schema(
    "Night",
    {
        "type": "object",
        "required": [
            "id",
            "title",
            "url",
            "status",
            "starts_at",
            "place",
            "film",
            "date_options",
            "rsvp",
            "my_rsvp",
            "ics_url",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "status": {"type": "string", "enum": ["planning", "scheduled", "cancelled", "past"]},
            "starts_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "In the group's time zone (SITE_TIMEZONE), with its offset; null while planning",
            },
            "place": {"type": ["string", "null"]},
            "film": {"$ref": "#/components/schemas/NightFilm"},
            "date_options": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "starts_at", "count", "members"],
                    "properties": {
                        "id": {"type": "integer"},
                        "starts_at": {"type": "string", "format": "date-time"},
                        "count": {"type": "integer"},
                        "members": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "best_option_ids": {"type": "array", "items": {"type": "integer"}},
            "rsvp": {
                "type": "object",
                "required": ["going", "maybe", "no"],
                "properties": {
                    "going": {"type": "array", "items": {"type": "string"}},
                    "maybe": {"type": "array", "items": {"type": "string"}},
                    "no": {"type": "array", "items": {"type": "string"}},
                },
            },
            "rsvp_counts": {
                "type": "object",
                "description": "Counts include deleted members' answers, which have no name",
                "properties": {"going": {"type": "integer"}, "maybe": {"type": "integer"}, "no": {"type": "integer"}},
            },
            "my_rsvp": {"type": ["string", "null"], "enum": ["going", "maybe", "no", None]},
            "my_options": {"type": "array", "items": {"type": "integer"}},
            "reminders_minutes": {"type": "array", "items": {"type": "integer"}},
            "ics_url": {"type": "string", "format": "uri"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
)

NIGHT_CREATED = schema(
    "NightCreated",
    {
        "allOf": [
            {"$ref": "#/components/schemas/Night"},
            {
                "type": "object",
                "required": ["manage_token", "manage_url"],
                "properties": {"manage_token": {"type": "string"}, "manage_url": {"type": "string", "format": "uri"}},
            },
        ]
    },
)

NIGHT_SUMMARY = schema(
    "NightSummary",
    {
        "type": "object",
        "required": ["id", "title", "url", "status", "starts_at", "date_options", "place"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "status": {"type": "string", "enum": ["planning", "scheduled", "cancelled", "past"]},
            "starts_at": {"type": ["string", "null"], "format": "date-time"},
            "date_options": {"type": "array", "items": {"type": "string", "format": "date-time"}},
            "place": {"type": ["string", "null"]},
        },
    },
)
