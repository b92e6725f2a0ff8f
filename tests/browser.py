"""Debian's chromium driven by Playwright (never a downloaded browser). The `browser` fixture
is registered once, in conftest.py: test modules use it without importing it."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without these, chromium keeps trying to reach Google's services on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class RussianVisitors:
    """The browser, whose pages speak Russian (Accept-Language ru-RU) unless a test passes
    locale=: the site honours Accept-Language, and Russian is its default audience."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        return self._browser.new_context(**{"locale": "ru-RU", **options})

    def new_page(self, **options):
        return self._browser.new_page(**{"locale": "ru-RU", **options})

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is required for the end-to-end tests (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield RussianVisitors(instance)
        instance.close()


def log_in_as_admin(page, site) -> None:
    """The admin's log-in form, as a person fills it; the site then opens the library."""
    from .helpers import ADMIN_PASSWORD

    page.goto(site.url + "/admin/login")
    page.fill('input[name="password"]', ADMIN_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/library**")
