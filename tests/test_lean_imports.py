"""Web processes import no library an integration or a rarely used view needs: a page or
/health served with every integration off must leave them unimported (start-up time and
memory of every worker)."""
import json
import subprocess
import sys

from .helpers import BASE_SETTINGS
from .servers import ROOT

UNNEEDED = ("alembic", "flask_migrate", "qbittorrentapi", "torf", "requests", "segno", "redis")

SERVE_PAGES = """
import json, sys
from movie_lottery import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
for path in ("/", "/library", "/history", "/health"):
    assert client.get(path).status_code == 200, path
print(json.dumps(sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)))
"""


def test_serving_pages_imports_no_integration_library(sqlite_url):
    settings = {**BASE_SETTINGS, "DATABASE_URL": sqlite_url}
    result = subprocess.run(
        [sys.executable, "-c", SERVE_PAGES, json.dumps(settings), json.dumps(UNNEEDED)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_url_builders_are_compiled_on_first_use_and_build_the_same_urls(app):
    """Start-up compiles no url_for builder (werkzeug's cost: ~1 ms a rule); the first url_for
    of an endpoint compiles its builder once, and every URL is what werkzeug's own rule builds."""
    from flask import url_for
    from werkzeug.routing import Rule

    rules = list(app.url_map.iter_rules())
    lazy = [rule for rule in rules if rule._build_unknown.__name__ == rule._build.__name__ == "build_on_first_use"]
    assert len(lazy) >= len(rules) - 1  # all but Flask's own static route, added before the factory's class
    night = next(rule for rule in rules if rule.endpoint == "nights.night")
    with app.test_request_context():
        built = [url_for("nights.night", public_id="a b/c", lang="en"), url_for("nights.night", public_id="x"),
                 url_for("pages.home", _external=True)]
        compiled = night._build_unknown  # what url_for calls
        assert compiled.__name__ != "build_on_first_use"
        assert url_for("nights.night", public_id="x") == "/n/x" and night._build_unknown is compiled  # compiled once
    assert built == ["/n/a%20b/c?lang=en", "/n/x", "http://localhost/"]
    plain = Rule("/n/<public_id>", endpoint="nights.night")
    plain.bind(type(app.url_map)())
    assert plain.build({"public_id": "a b/c"}) == night.build({"public_id": "a b/c"})
