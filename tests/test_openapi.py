"""The OpenAPI document stays in step with the code: every /api route is documented with
its methods, and every documented path exists."""

import re


def api_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path.replace("{public_id}", "{id}"), method.lower()))
    return routes


def test_every_api_route_is_documented_and_vice_versa(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert documented == api_routes(app)


def test_documented_refs_resolve(client):
    spec = client.get("/api/openapi.json").get_json()
    text = str(spec)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in spec["components"][ref[0]], ref


def test_the_document_is_valid_openapi_3_1(client):
    """Checked against the official OpenAPI 3.1 schema (tests/specs/openapi-3.1.schema.json, as
    published at spec.openapis.org/oas/3.1/schema/2022-10-07)."""
    import json
    from pathlib import Path

    import jsonschema

    official = json.loads((Path(__file__).parent / "specs" / "openapi-3.1.schema.json").read_text())
    jsonschema.Draft202012Validator(official).validate(client.get("/api/openapi.json").get_json())


def test_it_is_built_once_on_first_request_not_at_start_up(app, client):
    assert "openapi" not in app.extensions
    first = client.get("/api/openapi.json").get_json()
    built = app.extensions["openapi"]
    assert client.get("/api/openapi.json").get_json() == first and app.extensions["openapi"] is built


def test_each_request_schema_is_the_model_that_validates_the_request(app, client):
    """A documented body model is the one its handler parses: the model's own JSON Schema is in
    the document, and the handler (or the helper it passes the model to) names that model."""
    import inspect

    from pydantic import BaseModel

    spec = client.get("/api/openapi.json").get_json()
    checked = 0
    for rule in app.url_map.iter_rules():
        declared = getattr(app.view_functions[rule.endpoint], "openapi", None)
        model = getattr(declared, "body", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            source = inspect.getsource(inspect.unwrap(app.view_functions[rule.endpoint]))
            assert model.__name__ in source, (rule.rule, model)
            assert spec["components"]["schemas"][model.__name__] == {
                key: value
                for key, value in model.model_json_schema(ref_template="#/components/schemas/{model}").items()
                if key != "$defs"
            }
            checked += 1
    assert checked >= 15


def test_a_new_endpoint_appears_with_no_edit_outside_its_module(sqlite_url):
    """A blueprint made here, as a new domain module would be, is in the document once registered."""
    from flask import Blueprint
    from pydantic import BaseModel

    from movie_lottery.web.openapi import ADMIN, documented

    from .helpers import build_app

    class WishIn(BaseModel):
        title: str

    bp = Blueprint("wishes_api", __name__, url_prefix="/api/wishes")

    @bp.post("/<int:wish_id>")
    @documented(
        "Make a wish",
        "makeWish",
        body=WishIn,
        responses={201: ("Made", {"type": "object"})},
        errors=(422,),
        security=ADMIN,
    )
    def make_wish(wish_id: int):
        return {}, 201

    fresh = build_app(sqlite_url)
    fresh.register_blueprint(bp)
    spec = fresh.test_client().get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/wishes/{wish_id}"]["post"]
    assert operation["summary"] == "Make a wish" and operation["security"] == list(ADMIN)
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WishIn"}
    assert spec["components"]["schemas"]["WishIn"]["properties"] == {"title": {"title": "Title", "type": "string"}}
    assert operation["parameters"] == [
        {"name": "wish_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert set(operation["responses"]) == {"201", "422"}
