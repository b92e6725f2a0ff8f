"""The API's OpenAPI 3.1 document, generated from the code.

Each /api route declares where it is defined, with @documented under its route decorator: its
summary, the pydantic model that validates its body (that model's JSON Schema is the document's
request schema), its answers and its error codes. The shapes a domain answers with are JSON
Schemas by name in its package's responses.json (an answer names one). The document is built
once, on the first request of /api/openapi.json (build.py): start-up reads and builds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

View = TypeVar("View", bound=Callable[..., Any])
# An answer: (description, schema) where schema is a name in a responses.json, an inline JSON
# Schema or None (no body); or a whole OpenAPI response object (headers, another media type).
Answer = tuple[str, "str | dict[str, Any] | None"] | dict[str, Any]

# Who may call an operation (OpenAPI security requirements, any one of them).
Security = tuple[dict[str, list[str]], ...]
ADMIN: Security = ({"bearerAuth": []}, {"cookieAuth": [], "csrfHeader": []})
VOTER: Security = ({}, {"voterCookie": []})
POLL_MANAGER: Security = ({"pollManageToken": []},)
NIGHT_MANAGER: Security = ({"nightManageToken": []}, {"bearerAuth": []})
ERROR = "Error"  # the error body, as a schema to answer with
# Where a device without a member names itself in passing (a score, a seen mark, a wish, an import)
NAME_TAKEN_ANSWER = ("Another member has this name (error code name_taken)", ERROR)

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
}


@dataclass(frozen=True)
class Operation:
    summary: str
    operation_id: str
    responses: Mapping[int | str, Answer]
    errors: tuple[int, ...] = ()
    body: type[BaseModel] | dict[str, Any] | None = None
    body_required: bool = True
    parameters: tuple[str | dict[str, Any], ...] = ()
    security: Security | None = None
    description: str | None = None


def documented(
    summary: str,
    operation_id: str,
    *,
    responses: Mapping[int | str, Answer],
    errors: tuple[int, ...] = (),
    body: type[BaseModel] | dict[str, Any] | None = None,
    body_required: bool = True,
    parameters: tuple[str | dict[str, Any], ...] = (),
    security: Security | None = None,
    description: str | None = None,
) -> Callable[[View], View]:
    """Describe the route below: put it right under @bp.get/post/… (on the function the blueprint registers).
    parameters: query and header parameters (a name of a shared one, or an OpenAPI parameter object);
    path parameters come from the rule itself unless given here by the same name."""
    operation = Operation(
        summary, operation_id, responses, errors, body, body_required, parameters, security, description
    )

    def mark(view: View) -> View:
        view.openapi = operation  # type: ignore[attr-defined]
        return view

    return mark
