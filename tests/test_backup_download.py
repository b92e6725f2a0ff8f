"""The admin's backup download over HTTP: admins get the gzipped document under a dated name,
anyone else the login (page, like every admin page) or 401 (API, the usual error shape)."""

import gzip
import json

from movie_lottery.models import utcnow

from . import backup_data
from .helpers import ADMIN_TOKEN


def document_of(response) -> dict:
    assert response.status_code == 200
    assert response.mimetype == "application/gzip"
    name = f"movie_lottery-backup-{utcnow().date().isoformat()}.json.gz"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    return json.loads(gzip.decompress(response.get_data()))


def test_admin_session_downloads_the_backup(app, admin_client):
    ids = backup_data.fill(app)
    page = admin_client.get("/library").get_data(as_text=True)
    assert 'href="/admin/backup"' in page and "Скачать резервную копию" in page
    document = document_of(admin_client.get("/admin/backup"))
    assert document["format"] == "movie_lottery-backup"
    lotteries = next(t for t in document["tables"] if t["name"] == "lotteries")
    public_id = lotteries["columns"].index("public_id")
    assert sorted(row[public_id] for row in lotteries["rows"]) == sorted(ids["lotteries"])


def test_api_token_downloads_the_backup(app, client):
    backup_data.fill(app)
    document = document_of(client.get("/api/backup", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}))
    assert {t["name"] for t in document["tables"]} >= {"films", "lotteries", "polls", "poll_votes"}


def test_anyone_else_is_refused(app, client):
    backup_data.fill(app)
    page = client.get("/admin/backup")
    assert page.status_code == 302 and b"movie_lottery-backup" not in page.get_data()
    assert page.headers["Location"] == "/admin/login?next=/admin/backup"  # as every admin page answers
    assert client.get("/admin/films/new").headers["Location"] == "/admin/login?next=/admin/films/new"
    assert "Скачать резервную копию" not in client.get("/library").get_data(as_text=True)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}):
        refused = client.get("/api/backup", headers=headers)
        assert refused.status_code == 401
        assert refused.get_json()["error"]["code"] == "unauthorized"
