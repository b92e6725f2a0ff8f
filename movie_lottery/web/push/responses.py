"""The shapes of what push' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

GET_PUSH_KEY_ANSWER = schema(
    "GetPushKeyAnswer",
    {
        "type": "object",
        "required": ["public_key"],
        "additionalProperties": False,
        "properties": {
            "public_key": {"type": "string", "description": "base64url of the 65-byte uncompressed P-256 point"}
        },
    },
)

PUSH_SUBSCRIPTION = schema(
    "PushSubscription",
    {
        "type": "object",
        "required": ["id", "topics"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "topics": {
                "type": "array",
                "items": {"type": "string", "enum": ["polls", "results", "nights", "ratings", "downloads"]},
            },
        },
    },
)
