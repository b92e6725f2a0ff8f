"""The admin's backup download in a real browser (Debian's chromium) from the real gunicorn on
Postgres: the menu link saves the dated gzipped document; a visitor's browser is sent to the login."""

import gzip
import json
from datetime import datetime, timezone

import pytest
import requests

from .conftest import migrated
from .browser import log_in_as_admin
from .helpers import ADMIN_TOKEN, BASE_SETTINGS
from .servers import ROOT, Gunicorn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def site(make_postgres_database, tmp_path_factory):
    url = migrated(make_postgres_database())
    server = Gunicorn(
        {**BASE_SETTINGS, "DATABASE_URL": url, "WEB_CONCURRENCY": "2"},
        tmp_path_factory.mktemp("e2e-backup") / "gunicorn.log",
    )
    try:
        server.wait_healthy(timeout=60)
        yield server
    finally:
        server.stop()


def test_the_admin_downloads_a_backup_from_the_menu(site, browser, tmp_path):
    created = requests.post(
        f"{site.url}/api/lotteries", json={"entries": [{"title": "Сталкер"}, {"title": "Солярис"}]}, timeout=10
    ).json()
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    try:
        page = context.new_page()
        log_in_as_admin(page, site)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / "admin-menu-backup.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 120}
        )
        with page.expect_download(timeout=30000) as download_info:
            page.click("text=Скачать резервную копию")
        download = download_info.value
        assert (
            download.suggested_filename
            == f"movie_lottery-backup-{datetime.now(timezone.utc).date().isoformat()}.json.gz"
        )
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        document = json.loads(gzip.decompress(path.read_bytes()))
        assert document["format"] == "movie_lottery-backup"
        lotteries = next(t for t in document["tables"] if t["name"] == "lotteries")
        assert [row[lotteries["columns"].index("public_id")] for row in lotteries["rows"]] == [created["id"]]
    finally:
        context.close()
    visitor = browser.new_page(viewport=DESKTOP)
    try:
        assert visitor.goto(site.url + "/admin/backup").url.startswith(site.url + "/admin/login?next=")
        assert visitor.locator("text=Скачать резервную копию").count() == 0
    finally:
        visitor.close()
    assert requests.get(f"{site.url}/api/backup", timeout=10).status_code == 401
    assert (
        requests.get(f"{site.url}/api/backup", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30).headers[
            "Content-Type"
        ]
        == "application/gzip"
    )
