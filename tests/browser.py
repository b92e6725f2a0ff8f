"""Debian's chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without these, chromium keeps trying to reach Google's services on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


# Every e2e module imports this fixture, so each gets its own session-scoped copy; they all
# share one Playwright (a second sync_playwright() inside the first one's loop fails).
_shared: dict = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is required for the end-to-end tests (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    if not _shared["users"]:
        _shared["playwright"] = sync_playwright().start()
        _shared["browser"] = _shared["playwright"].chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared.pop("browser").close()
            _shared.pop("playwright").stop()
