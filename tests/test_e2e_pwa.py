"""The installable app in Debian's chromium against the real gunicorn: the manifest is linked
and valid, the service worker registers and controls the page, and with the server stopped (or
hung) a lottery page seen before is shown under the «нет сети» banner (without its CSRF token)
and any other page is the offline page — in Russian and in English. Pages shown to the admin are
never kept and log-out forgets the kept pages; answering on a kept page says «нет связи»."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest

from movie_lottery.dbsetup import upgrade_database
from movie_lottery.extensions import db
from movie_lottery.services import nights, polls
from movie_lottery.services.lotteries import lottery
from movie_lottery.services.library import FilmData

from .browser import log_in_as_admin
from .helpers import BASE_SETTINGS, build_app
from . import servers
from .servers import Gunicorn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = servers.ROOT / "test-artifacts" / "screenshots"
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
PAGES_CACHE = "pages-v2"
KEPT = "(path) => caches.open('%s').then((c) => c.match(path)).then(Boolean)" % PAGES_CACHE


def start(db_url: str, log_path, **env) -> Gunicorn:
    server = Gunicorn({**BASE_SETTINGS, "DATABASE_URL": db_url, "WEB_CONCURRENCY": "1", **env}, log_path)
    server.wait_healthy()
    return server


@pytest.fixture
def site(tmp_path):
    db_url = f"sqlite:///{tmp_path}/pwa.db"
    app = build_app(db_url)
    upgrade_database(app)
    with app.app_context():
        entries = [lottery.EntryData(film=FilmData(title=t, year=y)) for t, y in (("Сталкер", 1979), ("Солярис", 1972))]
        public_id = lottery.create_lottery(db.session, "Пятничный киновечер", entries).public_id
        db.session.commit()
        lottery.draw(db.session, public_id)
        films = [polls.PollEntryData(FilmData(title=t)) for t in ("Сталкер", "Солярис")]
        poll_id = polls.create_poll(db.session, "Что смотрим", films).poll.public_id
        night_id = nights.create_night(
            db.session, nights.NightPlan(title="Пятница", starts_at=datetime.now(timezone.utc) + timedelta(days=2))
        ).night.public_id
        db.session.commit()
        db.engine.dispose()
    server = start(db_url, tmp_path / "gunicorn.log", RENDER_GIT_COMMIT="1111111")
    server.db_url = db_url
    server.poll_path, server.night_path = f"/p/{poll_id}", f"/n/{night_id}"
    try:
        yield server, public_id
    finally:
        server.stop()


def eventually(page, script: str, arg=None, attempts: int = 200):
    """The first truthy answer of an async page function, asked again every 50 ms (Playwright's
    wait_for_function takes a pending Promise for an answer)."""
    for _ in range(attempts):
        answer = page.evaluate(script, arg)
        if answer:
            return answer
        page.wait_for_timeout(50)
    raise AssertionError(f"no answer from {script}")


def install(browser, url: str, lottery_path: str, **options):
    """A visitor who opened the home page and then the lottery page, with the worker in control."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function(CONTROLLED, timeout=15000)  # clients.claim(): no reload needed
    page.goto(url + lottery_path)
    page.locator("h1", has_text="Пятничный киновечер").wait_for()
    eventually(page, KEPT, lottery_path)
    return context, page


def keep(page, url: str, path: str) -> None:
    page.goto(url + path)
    eventually(page, KEPT, path)


class HungServer:
    """A loopback server on the site's port that accepts connections and never answers."""

    def __init__(self, port: int):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)  # the kernel completes the handshakes; nobody reads or writes

    def close(self) -> None:
        self.listener.close()


def test_the_manifest_is_linked_and_valid(site, browser):
    server, _public_id = site
    page = browser.new_page()
    try:
        page.goto(server.url + "/")
        href = page.get_attribute('link[rel="manifest"]', "href")
        manifest = page.evaluate("(href) => fetch(href).then((r) => r.json())", href)
        assert manifest["short_name"] == "Кинолотерея" and manifest["display"] == "standalone"
        assert manifest["start_url"] == "/" and manifest["scope"] == "/"
        for icon in manifest["icons"]:
            size = int(icon["sizes"].split("x")[0])
            loaded = page.evaluate(
                """(src) => new Promise((resolve) => { const image = new Image();
                image.onload = () => resolve([image.naturalWidth, image.naturalHeight]); image.onerror = () => resolve(null);
                image.src = src; })""",
                icon["src"],
            )
            assert loaded == [size, size], icon
        assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}
    finally:
        page.close()


def test_offline_a_seen_lottery_is_shown_under_the_banner_and_other_pages_are_the_offline_page(site, browser):
    server, public_id = site
    path = f"/l/{public_id}"
    ru_context, ru = install(browser, server.url, path)
    en_context, en = install(browser, server.url, path, locale="en-US")
    try:
        assert ru.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
        assert ru.locator("[data-offline-banner]").is_hidden()  # online: no banner
        server.stop()

        ru.goto(server.url + path)
        banner = ru.locator("[data-offline-banner]")
        banner.wait_for(state="visible")
        assert banner.inner_text() == "Нет сети: это сохранённая копия страницы."
        assert ru.locator("h1").inner_text() == "Пятничный киновечер"
        assert ru.get_attribute('meta[name="csrf-token"]', "content") == ""  # never kept for reuse
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        ru.screenshot(path=str(ARTIFACTS / "offline-lottery.png"))

        ru.goto(server.url + "/history")  # never opened: the offline page
        assert ru.locator("#offline-page h1").inner_text() == "Нет сети"

        en.goto(server.url + "/stats")
        assert en.locator("#offline-page h1").inner_text() == "No network"
        assert en.locator("html").get_attribute("lang") == "en"
        en.screenshot(path=str(ARTIFACTS / "offline-page-en.png"))
    finally:
        ru_context.close()
        en_context.close()


def test_a_new_deployments_worker_takes_over_by_itself(site, browser, monkeypatch, tmp_path):
    server, public_id = site
    context, page = install(browser, server.url, f"/l/{public_id}")
    try:
        old_caches = page.evaluate("() => caches.keys()")
        server.stop()
        monkeypatch.setattr(servers, "free_port", lambda: server.port)  # the same origin
        deployed = start(server.db_url, tmp_path / "gunicorn2.log", RENDER_GIT_COMMIT="2222222")
        try:
            page.reload()  # a visit: the browser fetches /sw.js again (it is never cached) and finds it changed
            old_shell = next(k for k in old_caches if k.startswith("shell-"))
            eventually(
                page,
                """(old) => caches.keys().then((keys) => navigator.serviceWorker.controller !== null
                && keys.some((k) => k.startsWith('shell-')) && !keys.includes(old))""",
                old_shell,
                attempts=300,
            )
        finally:
            deployed.stop()
    finally:
        context.close()


def test_the_notifications_page_lists_this_devices_subscriptions_and_turns_one_off(tmp_path, browser):
    from movie_lottery.clients.vapid_keys import generate_keys

    from .test_push_api import browser_subscription

    db_url = f"sqlite:///{tmp_path}/push.db"
    upgrade_database(build_app(db_url))
    server = start(
        db_url,
        tmp_path / "gunicorn.log",
        VAPID_PRIVATE_KEY=generate_keys()[0],
        VAPID_SUBJECT="mailto:kino@example.org",
        PUSH_ENDPOINT_HOSTS="push.example.net",
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.click("text=Уведомления")
        page.locator("#push-settings h1", has_text="Уведомления").wait_for()
        assert page.locator('input[name="topic"]').count() == 4  # finished downloads are the admin's
        # What the page's own script sends after PushManager.subscribe() (no push service here).
        status = page.evaluate(
            """(body) => fetch('/api/push/subscriptions', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}).then((r) => r.status)""",
            browser_subscription(topics_=["results"]),
        )
        assert status == 201
        page.reload()
        device = page.locator("#push-devices li")
        assert device.count() == 1 and "Итоги розыгрышей и голосований" in device.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "notifications.png"), full_page=True)
        device.locator(".push-remove").click()
        page.locator("#push-no-devices").wait_for()
    finally:
        context.close()
        server.stop()


def test_a_push_shows_the_notification_the_worker_composed(site, browser):
    """The service worker's push handler, fed through chromium's DevTools (no push service here)."""
    server, public_id = site
    context = browser.new_context()
    try:
        context.grant_permissions(["notifications"], origin=server.url)
        page = context.new_page()
        page.goto(server.url + "/")
        page.wait_for_function(CONTROLLED, timeout=15000)
        cdp = context.new_cdp_session(page)
        registrations: list[dict] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
        cdp.send("ServiceWorker.enable")
        for _ in range(100):  # CDP events arrive while Playwright waits
            if any(r["scopeURL"] == server.url + "/" for r in registrations):
                break
            page.wait_for_timeout(50)
        registration = next(r for r in registrations if r["scopeURL"] == server.url + "/")
        message = {
            "title": "Розыгрыш «Пятница» состоялся!",
            "body": "Смотрим: Сталкер (1979)",
            "url": f"/l/{public_id}",
            "icon": "/static/icons/icon-192.png",
            "tag": "n7",
        }
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": server.url + "/",
                "registrationId": registration["registrationId"],
                "data": json.dumps(message, ensure_ascii=False),
            },
        )
        shown = eventually(
            page,
            """() => navigator.serviceWorker.ready
            .then((r) => r.getNotifications({tag: 'n7'}))
            .then((list) => list.length ? {title: list[0].title, body: list[0].body, url: list[0].data.url} : null)""",
        )
        assert shown == {"title": message["title"], "body": message["body"], "url": f"/l/{public_id}"}
    finally:
        context.close()


def test_the_admins_pages_are_never_kept_and_log_out_forgets_the_kept_pages(site, browser):
    server, public_id = site
    lottery_path = f"/l/{public_id}"
    context, page = install(browser, server.url, lottery_path)  # a visitor's copy of the lottery page
    try:
        log_in_as_admin(page, server)
        for path in (server.poll_path, server.night_path):
            response = page.goto(server.url + path)
            assert "no-store" in response.headers["cache-control"]
            assert page.locator("a[download]").count() == 1  # the backup link: the admin's page
        page.goto(server.url + lottery_path)
        assert page.locator("a[download]").count() == 1
        page.click("text=Выйти")
        page.wait_for_url(server.url + "/")
        assert page.locator("a[download]").count() == 0
        # Log-out forgot every kept page, the visitor's copy from before the log-in too.
        eventually(
            page, "(path) => caches.open('%s').then((c) => c.match(path)).then((r) => !r)" % PAGES_CACHE, lottery_path
        )
        server.stop()
        for path in (lottery_path, server.poll_path, server.night_path):
            page.goto(server.url + path)
            assert page.locator("#offline-page h1").inner_text() == "Нет сети", path
            assert page.locator("a[download]").count() == 0
    finally:
        context.close()


def test_a_hung_server_falls_back_to_the_kept_copy_or_the_offline_page(site, browser):
    server, public_id = site
    context, page = install(browser, server.url, f"/l/{public_id}")
    server.stop()
    hung = HungServer(server.port)
    started = time.monotonic()
    try:
        page.goto(f"{server.url}/l/{public_id}", timeout=20000)
        page.locator("[data-offline-banner]").wait_for(state="visible")
        assert page.locator("h1").inner_text() == "Пятничный киновечер"
        page.goto(server.url + "/history", timeout=20000)
        assert page.locator("#offline-page h1").inner_text() == "Нет сети"
        assert time.monotonic() - started < 15  # two fallbacks of a few seconds each, not a wait forever
    finally:
        hung.close()
        context.close()


@pytest.mark.parametrize("locale, message", [("ru-RU", "Нет связи"), ("en-US", "No connection")])
def test_answering_on_a_kept_page_offline_says_there_is_no_connection(site, browser, locale, message):
    server, public_id = site
    context, page = install(browser, server.url, f"/l/{public_id}", locale=locale)
    try:
        keep(page, server.url, server.poll_path)
        keep(page, server.url, server.night_path)
        server.stop()
        context.set_offline(True)
        for path, button in ((server.poll_path, ".vote-button >> nth=0"), (server.night_path, "#rsvp-going")):
            page.goto(server.url + path)
            page.locator("[data-offline-banner]").wait_for(state="visible")
            page.click(button)
            note = page.locator("[data-offline-note]")
            note.wait_for(state="visible")
            assert message in note.inner_text(), note.inner_text()
            assert page.url == server.url + path  # still the page, not chromium's error page
            assert page.locator("[data-offline-banner]").is_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"offline-answer-{locale}.png"))
    finally:
        context.close()


def test_voting_when_the_connection_drops_says_so_on_the_live_page(site, browser):
    """Not a kept copy: the live poll page, whose vote request fails (the server went away)."""
    server, _public_id = site
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + server.poll_path)
        page.wait_for_function(CONTROLLED, timeout=15000)
        server.stop()
        page.click(".vote-button >> nth=0")
        page.locator("[data-offline-note]").wait_for(state="visible")
        assert page.url == server.url + server.poll_path
    finally:
        context.close()
