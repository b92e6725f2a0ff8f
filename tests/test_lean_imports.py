"""Web processes import no library an integration or a rarely used view needs: a page or
/health served with every integration off must leave them unimported (start-up time and
memory of every worker)."""

import json
import os
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
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
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
        built = [
            url_for("nights.night", public_id="a b/c", lang="en"),
            url_for("nights.night", public_id="x"),
            url_for("pages.home", _external=True),
        ]
        compiled = night._build_unknown  # what url_for calls
        assert compiled.__name__ != "build_on_first_use"
        assert url_for("nights.night", public_id="x") == "/n/x" and night._build_unknown is compiled  # compiled once
    assert built == ["/n/a%20b/c?lang=en", "/n/x", "http://localhost/"]
    plain = Rule("/n/<public_id>", endpoint="nights.night")
    plain.bind(type(app.url_map)())
    assert plain.build({"public_id": "a b/c"}) == night.build({"public_id": "a b/c"})


WEB_ONLY = (
    "movie_lottery.web",
    "movie_lottery.cli",
    "flask_limiter",
    "limits",
    "flask_wtf",
    "wtforms",
    "alembic",
    "flask_migrate",
    "qbittorrentapi",
    "torf",
    "segno",
)

RUN_WORKER = """
import json, sys
from unittest import mock
from sqlalchemy import event
from sqlalchemy.engine import Engine
import movie_lottery.worker as worker
from movie_lottery.worker.notifier import Notifier
built = []
with mock.patch.object(Notifier, "install_signal_handlers"), \\
     mock.patch.object(Notifier, "run", lambda self: built.append(self.app) or 0):
    assert worker.main() == 0
app = built[0]
from movie_lottery.page_cache import writes
assert event.contains(Engine, "commit", writes._announce), "the worker's writes must still reach the page caches"
assert "page_cache" not in app.extensions and not app.blueprints
assert not app.jinja_env.cache, "no template is loaded"  # (Flask-Babel's filters made the environment)
unwanted = json.loads(sys.argv[1])
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in unwanted
                        or any(name == u or name.startswith(u + ".") for u in unwanted))))
"""


def test_the_notifier_imports_what_it_sends_and_schedules_and_nothing_of_the_web(sqlite_url):
    """python -m movie_lottery.worker builds no blueprint, template, page cache, CSRF or rate limit:
    its memory is the notifier's own (bench/worker_memory.py); its writes still announce themselves."""
    env = {**BASE_SETTINGS, "DATABASE_URL": sqlite_url, "TELEGRAM_BOT_TOKEN": "1:x"}
    result = subprocess.run(
        [sys.executable, "-c", RUN_WORKER, json.dumps(WEB_ONLY)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
