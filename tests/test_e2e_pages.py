"""In a real browser against the real gunicorn: history times in the visitor's zone, and the
busy state of the admin's send button while qBittorrent hangs (issue 14)."""

import socket
import threading
from datetime import datetime, timedelta

import pytest
import requests

from .browser import log_in_as_admin
from .helpers import ADMIN_TOKEN
from .servers import migrated_site

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
YEKATERINBURG = timedelta(hours=5)  # no daylight saving time


@pytest.fixture(scope="module")
def hanging_qbittorrent():
    """A WebUI port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, hanging_qbittorrent):
    workdir = tmp_path_factory.mktemp("e2e_pages")
    qbit = {"QBIT_HOST": "http://127.0.0.1", "QBIT_PORT": str(hanging_qbittorrent)}
    with migrated_site(f"sqlite:///{workdir}/e2e.db", workdir / "gunicorn.log", **qbit) as server:
        yield server


def test_history_times_are_shown_in_the_visitors_zone(site, browser):
    created = requests.post(
        f"{site.url}/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}, timeout=5
    ).json()
    utc = datetime.fromisoformat(created["created_at"])
    local = utc + YEKATERINBURG
    context = browser.new_context(timezone_id="Asia/Yekaterinburg", locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(site.url + "/history")
        shown = page.locator("time.local-time").first
        page.wait_for_function(
            "() => !document.querySelector('time.local-time').textContent.includes('UTC')", timeout=10000
        )
        text = shown.inner_text()
        assert local.strftime("%d.%m.%Y") in text and local.strftime("%H:%M") in text, text
        assert utc.strftime("%H:%M") + " UTC" in shown.get_attribute("title")
        # A poll's deadline too (it was shown in UTC).
        poll = requests.post(
            f"{site.url}/api/polls", json={"entries": [{"title": "a"}, {"title": "b"}]}, timeout=5
        ).json()
        closes = datetime.fromisoformat(poll["closes_at"].replace("Z", "+00:00")) + YEKATERINBURG
        page.goto(poll["url"])
        page.wait_for_function(
            "() => !document.querySelector('#status-open time').textContent.includes('UTC')", timeout=10000
        )
        text = page.locator("#status-open time").inner_text()
        assert closes.strftime("%d.%m.%Y") in text and closes.strftime("%H:%M") in text, text
    finally:
        context.close()


def test_send_button_shows_it_is_busy_while_qbittorrent_hangs(site, browser):
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    film = requests.post(f"{site.url}/api/library", json={"title": "Сталкер"}, headers=auth, timeout=5).json()["film"]
    requests.put(
        f"{site.url}/api/library/{film['id']}/magnet",
        json={"magnet": "magnet:?xt=urn:btih:" + "ab" * 20},
        headers=auth,
        timeout=5,
    ).raise_for_status()
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        log_in_as_admin(page, site)
        page.goto(f"{site.url}/admin/films/{film['id']}/edit")
        send = page.locator('form[action$="/download"] button')
        # Chromium holds script calls from outside while the form's navigation is pending, so the
        # page itself notes what the button looked like right after the submit (busy.js's handler
        # was added first, so it has run) in sessionStorage, which survives the navigation.
        send.evaluate("""b => b.form.addEventListener("submit", () =>
            sessionStorage.setItem("send-button", JSON.stringify([b.disabled, b.textContent])))""")
        send.click(no_wait_after=True)
        # The send does end: a page saying qBittorrent is unavailable, not an endless wait.
        page.wait_for_selector("text=qBittorrent недоступен", timeout=60000)
        assert page.evaluate("() => JSON.parse(sessionStorage.getItem('send-button'))") == [True, "Отправляем…"]
    finally:
        context.close()
