"""The shapes of what members' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

MEMBER = schema(
    "Member",
    {
        "type": "object",
        "required": ["id", "name", "telegram_linked"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string", "minLength": 1, "maxLength": 40},
            "telegram_linked": {"type": "boolean"},
        },
    },
)

ME = schema(
    "Me",
    {
        "type": "object",
        "required": ["member"],
        "properties": {"member": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Member"}]}},
    },
)

ONE_TIME_CODE = schema(
    "OneTimeCode",
    {
        "type": "object",
        "required": ["code", "url", "expires_at"],
        "properties": {
            "code": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
)
