"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import html
import re
import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, text

from movie_lottery import create_app
from movie_lottery.extensions import db

ADMIN_PASSWORD = "correct horse battery staple"
# A ban still running whenever the suite runs: computed from today, never a date that will pass.
BANNED_UNTIL = (date.today() + timedelta(days=3 * 365)).isoformat()
SITE_TIMEZONE = "Europe/Moscow"  # the app's default: the group's day (services/library/site_day.py)


def site_today() -> date:
    """The group's date now: what the site counts bans and watched days in, whatever the machine's zone."""
    return datetime.now(ZoneInfo(SITE_TIMEZONE)).date()


ADMIN_TOKEN = "test-admin-token-0123456789"
BASE_SETTINGS = {
    "SECRET_KEY": "test-secret-key",
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "ADMIN_API_TOKEN": ADMIN_TOKEN,
    "APP_ENV": "testing",
    "LOG_LEVEL": "WARNING",
}


def build_app(database_url: str, **settings: str):
    """The real app factory with test settings; keyword args are env var names."""
    application = create_app({**BASE_SETTINGS, "DATABASE_URL": database_url, **settings})
    application.config["TESTING"] = True
    return application


def empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *_args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


LOGIN_LIMIT = 10  # admin.login: 10/minute


def failed_login(client, forwarded_for: str | None = None) -> int:
    """One wrong admin password through the login form; returns the status code."""
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/admin/login", data={"password": "wrong", "csrf_token": token}, headers=headers).status_code


def run_page_snippet(page_html: str) -> list[str]:
    """Run a lottery page's verification snippet exactly as printed, in a shell as a reader
    pasting it would; returns the lines it prints."""
    snippet = html.unescape(page_html.split('<pre class="snippet">')[1].split("</pre>")[0])
    done = subprocess.run(["bash", "-c", snippet], capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.splitlines()
