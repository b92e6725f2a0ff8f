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
