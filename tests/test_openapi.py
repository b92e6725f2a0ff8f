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
