"""Building the OpenAPI document from the app's /api routes and their @documented declarations:
paths from the URL rules, request schemas from the pydantic models that validate them
(pydantic's own JSON Schema), response schemas from the domains' responses.json."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from . import SCHEMAS, Operation

INFO = {
    "title": "movie_lottery API",
    "version": "1.0.0",
    "description": "Lotteries and polls for movie nights, a film library, and admin operations. "
    'Errors are always {"error": {"code", "message", "fields"?}}.',
}
PARAMETERS = {
    "cursor": {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string"},
        "description": "next_cursor of the previous page",
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "ADMIN_API_TOKEN"},
    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
    "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
    "pollManageToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The poll's manage_token, returned once by createPoll",
    },
    "voterCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "voter",
        "description": "Signed anonymous device id, set by the first poll page or vote; one vote per device per poll",
    },
    "nightManageToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The night's manage_token, returned once by createNight",
    },
}
ERROR_RESPONSE = {
    "description": "An error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
PATH_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
PATH_NAMES = {"public_id": "id"}  # lotteries, polls and nights are /…/{id} in the document


def document(app: Flask) -> dict[str, Any]:
    """The document, built on first use and kept for the process (routes do not change)."""
    built = app.extensions.get("openapi")
    if built is None:
        built = app.extensions["openapi"] = build(app)
    return built


def build(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: list[type[BaseModel]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith("/api/"):
            continue
        declared = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if not isinstance(declared, Operation):
            raise LookupError(f"{rule.endpoint} ({rule.rule}) has no @documented declaration")
        path, path_parameters = path_of(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation(declared, path_parameters, models)
    references, definitions = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
    )
    for item in paths.values():  # each body's $ref names its model's definition
        for op in item.values():
            body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if isinstance(body_schema.get("$ref"), type):
                body_schema.update(references[(body_schema["$ref"], "validation")])
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "paths": paths,
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "parameters": PARAMETERS,
            "responses": {"Error": ERROR_RESPONSE},
            "schemas": {**SCHEMAS, **response_schemas(), **definitions.get("$defs", {})},
        },
    }


def response_schemas() -> dict[str, Any]:
    """Every domain's responses.json (web/<domain>/responses.json), merged; a name means one shape."""
    merged: dict[str, Any] = {}
    for package in sorted(resources.files("movie_lottery.web").iterdir(), key=lambda entry: entry.name):
        file = package / "responses.json"
        if not file.is_file():
            continue
        for name, shape in json.loads(file.read_text(encoding="utf-8")).items():
            if merged.setdefault(name, shape) != shape:
                raise ValueError(f"two different response schemas named {name}")
    return merged


def path_of(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    """/api/lotteries/<public_id> → /api/lotteries/{id} and its path parameters."""
    parameters = []

    def placeholder(match: re.Match) -> str:
        converter, name = match.group(1), PATH_NAMES.get(match.group(2), match.group(2))
        kind = {"type": "integer"} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": kind})
        return "{" + name + "}"

    return PATH_ARGUMENT.sub(placeholder, rule.rule), parameters


def operation(
    declared: Operation, path_parameters: list[dict[str, Any]], models: list[type[BaseModel]]
) -> dict[str, Any]:
    result: dict[str, Any] = {"summary": declared.summary, "operationId": declared.operation_id}
    if declared.description:
        result["description"] = declared.description
    given = [{"$ref": f"#/components/parameters/{p}"} if isinstance(p, str) else p for p in declared.parameters]
    named = {(p.get("name"), p.get("in")) for p in given}
    parameters = [p for p in path_parameters if (p["name"], "path") not in named] + given
    if parameters:
        result["parameters"] = parameters
    if declared.security is not None:
        result["security"] = list(declared.security)
    if declared.body is not None:
        result["requestBody"] = request_body(declared, models)
    answers = {str(status): answer(given_answer) for status, given_answer in declared.responses.items()}
    answers.update({str(status): {"$ref": "#/components/responses/Error"} for status in declared.errors})
    result["responses"] = answers
    return result


def request_body(declared: Operation, models: list[type[BaseModel]]) -> dict[str, Any]:
    body = declared.body
    if isinstance(body, dict) and "content" in body:  # another media type (a file upload)
        return {"required": declared.body_required, **body}
    if isinstance(body, type) and issubclass(body, BaseModel):
        if body not in models:
            models.append(body)
        body_schema: dict[str, Any] = {"$ref": body}  # the model's $ref once its schema is made (build)
    else:
        body_schema = dict(body or {})
    return {"required": declared.body_required, "content": {"application/json": {"schema": body_schema}}}


def answer(given: Any) -> dict[str, Any]:
    if isinstance(given, dict):
        return given
    description, shape = given
    if shape is None:
        return {"description": description}
    body_schema = {"$ref": f"#/components/schemas/{shape}"} if isinstance(shape, str) else shape
    return {"description": description, "content": {"application/json": {"schema": body_schema}}}
