"""The shapes of what polls' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

POLL_ENTRY = schema(
    "PollEntry",
    {
        "type": "object",
        "required": ["id", "title", "year", "poster_url", "kinopoisk_id", "suggested", "votes"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "year": {"type": ["integer", "null"]},
            "poster_url": {"type": ["string", "null"]},
            "kinopoisk_id": {"type": ["integer", "null"]},
            "suggested": {"type": "boolean", "description": "added by a voter"},
            "votes": {"type": ["integer", "null"], "description": "null while results are hidden from you"},
        },
    },
)

POLL = schema(
    "Poll",
    {
        "type": "object",
        "required": [
            "id",
            "title",
            "url",
            "created_at",
            "closes_at",
            "closed",
            "allow_suggestions",
            "hide_results",
            "total_votes",
            "entries",
            "my_vote",
            "leaders",
            "lottery",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": ["string", "null"]},
            "url": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "closes_at": {
                "type": "string",
                "format": "date-time",
                "description": "the deadline, or when the creator closed it",
            },
            "closed": {"type": "boolean"},
            "allow_suggestions": {"type": "boolean"},
            "hide_results": {"type": "boolean"},
            "total_votes": {"type": ["integer", "null"]},
            "entries": {"type": "array", "items": {"$ref": "#/components/schemas/PollEntry"}},
            "my_vote": {"type": ["integer", "null"], "description": "the entry id this device voted for"},
            "leaders": {
                "type": ["array", "null"],
                "items": {"type": "integer"},
                "description": "entry ids with the most votes (several when tied)",
            },
            "winner": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "only once closed: the leaders' entry ids (several on a tie, none without votes)",
            },
            "lottery": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/PollLottery"}]},
        },
    },
)

POLL_CREATED = schema(
    "PollCreated",
    {
        "allOf": [
            {"$ref": "#/components/schemas/Poll"},
            {
                "type": "object",
                "required": ["manage_token", "manage_url"],
                "properties": {
                    "manage_token": {
                        "type": "string",
                        "description": "shown once; send as Authorization: Bearer to close or draw",
                    },
                    "manage_url": {
                        "type": "string",
                        "description": "the creator's page, with the token in the fragment",
                    },
                },
            },
        ]
    },
)

POLL_LOTTERY = schema(
    "PollLottery",
    {
        "type": "object",
        "required": ["id", "url"],
        "properties": {"id": {"type": "string"}, "url": {"type": "string"}, "created": {"type": "boolean"}},
    },
)
