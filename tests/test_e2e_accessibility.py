"""An automated accessibility check of every page: axe-core (from the npm registry, installed
by scripts/test.sh into tests/a11y) injected into Debian's chromium against the real gunicorn,
on a desktop and a phone, in both languages; no serious or critical violation may be left.
Also the keyboard: the skip link, and the draw's result taking the focus and being announced."""

from __future__ import annotations

import json

import pytest
import requests

from .browser import log_in_as_admin
from .helpers import ADMIN_TOKEN, BANNED_UNTIL
from .servers import ROOT, migrated_site

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e_a11y")
    with migrated_site(f"sqlite:///{workdir}/e2e.db", workdir / "gunicorn.log") as server:
        yield server


def post(site, path, body, **kwargs):
    response = requests.post(site.url + path, json=body, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def pages(site) -> dict[str, str]:
    """One URL of every kind of page, with content in it (films with badges, lotteries, a poll)."""
    films = [
        post(
            site,
            "/api/library",
            {"title": title, "year": 1970 + i, "poster_url": f"/static/demo/poster-{i % 6 + 1}.svg"},
            headers=ADMIN,
        )["film"]
        for i, title in enumerate(["Сталкер", "Солярис", "Зеркало", "Достучаться до небес"])
    ]
    requests.patch(
        f"{site.url}/api/library/{films[0]['id']}/badges",
        timeout=10,
        headers=ADMIN,
        json={"watchlist": True, "favourite": True},
    ).raise_for_status()
    requests.patch(
        f"{site.url}/api/library/{films[1]['id']}/badges",
        timeout=10,
        headers=ADMIN,
        json={"banned_until": BANNED_UNTIL, "watched_on": "2026-01-02"},
    ).raise_for_status()
    drawn = post(
        site,
        "/api/lotteries",
        {"title": "Пятница", "entries": [{"title": "Сталкер"}, {"title": "Зеркало"}, {"title": "Без постера"}]},
    )
    post(site, f"/api/lotteries/{drawn['id']}/draw", {})
    waiting = post(site, "/api/lotteries", {"mode": "eliminate", "entries": [{"title": "Один"}, {"title": "Два"}]})
    poll = post(
        site,
        "/api/polls",
        {"title": "Что смотрим?", "allow_suggestions": True, "entries": [{"title": "Сталкер"}, {"title": "Зеркало"}]},
    )
    ballots = {}  # the poll page in each ballot mode, open and (ranked, with its rounds) closed
    for name, body in (
        ("poll-approval", {"ballot": "approval", "max_approvals": 2, "vetoes_per_member": 1}),
        ("poll-ranked", {"ballot": "ranked", "vetoes_per_member": 2}),
        ("poll-single-vetoes", {"vetoes_per_member": 1}),
        ("poll-ranked-closed", {"ballot": "ranked", "vetoes_per_member": 1}),
    ):
        made = post(
            site,
            "/api/polls",
            {"title": name, "entries": [{"title": "Сталкер"}, {"title": "Зеркало"}, {"title": "Ностальгия"}], **body},
        )
        ballots[name] = f"/p/{made['id']}"
        if name == "poll-ranked-closed":
            first, second, third = (entry["id"] for entry in made["entries"])
            for ranking, vetoes in (([first, second], []), ([second], [third]), ([third, first], [])):
                post(site, f"/api/polls/{made['id']}/vote", {"ranking": ranking, "vetoes": vetoes})
            post(
                site, f"/api/polls/{made['id']}/close", {}, headers={"Authorization": f"Bearer {made['manage_token']}"}
            )
            ballots["poll-ranked-manage"] = made["manage_url"].split("#")[0]
    anna = requests.Session()  # a member with a watchlist: the film page names her, her page lists it
    anna.put(site.url + "/api/me", json={"name": "Аня"}, timeout=10).raise_for_status()
    anna.put(f"{site.url}/api/me/watchlist/{films[0]['id']}", timeout=10).raise_for_status()
    member = anna.get(site.url + "/api/me", timeout=10).json()["member"]["id"]
    return {
        **ballots,
        "home": "/",
        "home-from-watchlist": "/?source=watchlist",
        "history": "/history",
        "library": "/library",
        "library-filtered": "/library?badge=banned",
        "stats": "/stats",
        "lottery-drawn": f"/l/{drawn['id']}",
        "lottery-waiting": f"/l/{waiting['id']}",
        "poll": f"/p/{poll['id']}",
        "poll-manage": poll["manage_url"].split("#")[0],
        "admin-login": "/admin/login",
        "not-found": "/no-such-page",
        "film": f"/films/{films[0]['id']}",
        "member": f"/m/{member}",
        "library-wished": "/library?wished=anyone",
    }


ADMIN_PAGES = {
    "library-admin": "/library",
    "film-new": "/admin/films/new",
    "film-edit": "/admin/films/{film}/edit",
    "film-delete": "/admin/films/{film}/delete",
    "lottery-admin": "/history",
}


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]}).then((r) => r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))})))""")
    return [v for v in found if v["impact"] in BLOCKING]


def scan(browser, site, urls: dict[str, str], viewport, locale, login=False) -> dict[str, list[dict]]:
    context = browser.new_context(
        viewport=viewport, locale=locale, bypass_csp=True
    )  # the site's CSP forbids the injected axe
    try:
        page = context.new_page()
        if login:
            log_in_as_admin(page, site)
        found = {}
        for name, url in urls.items():
            page.goto(url if url.startswith("http") else site.url + url)
            page.wait_for_load_state("load")
            problems = violations(page)
            if problems:
                found[name] = problems
        return found
    finally:
        context.close()


def test_axe_is_installed():
    assert AXE.is_file(), "axe-core is missing: run scripts/test.sh (npm ci --prefix tests/a11y)"


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "ru-RU"), (PHONE, "en-US")], ids=["desktop-ru", "phone-en"])
def test_no_page_has_a_serious_accessibility_violation(site, browser, pages, viewport, locale):
    found = scan(browser, site, pages, viewport, locale)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_builder_pages_after_a_submit_have_no_serious_violation(site, browser):
    """The pages a form leads to: the builder's refusal (422) and the creator's 'poll created' page."""
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        page.locator('input[name="entry-title"]').nth(0).fill("Только один")
        page.click("#lottery-form button[type=submit].primary")
        page.locator(".form-errors").first.wait_for()
        found = {"builder-refused": violations(page)}
        page.click("#add-row")
        page.locator('input[name="entry-title"]').nth(1).fill("Второй")
        page.click(".poll-options summary")
        page.click("#create-poll")
        page.locator("#poll-created").wait_for()
        found["poll-created"] = violations(page)
        assert found == {"builder-refused": [], "poll-created": []}, json.dumps(found, ensure_ascii=False, indent=1)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_admin_page_has_a_serious_accessibility_violation(site, browser, pages, viewport):
    film = requests.get(f"{site.url}/api/library?limit=1", timeout=10).json()["items"][0]["id"]
    urls = {name: url.format(film=film) for name, url in ADMIN_PAGES.items()}
    found = scan(browser, site, urls, viewport, "ru-RU", login=True)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_skip_link_is_the_first_stop_and_leads_past_the_navigation(site, browser):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site.url + "/history")
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const el = document.activeElement; const box = el.getBoundingClientRect();"
            " return {cls: el.className, top: box.top, outline: getComputedStyle(el).outlineStyle}; })()"
        )
        assert (
            focused["cls"] == "skip-link" and focused["top"] >= 0 and focused["outline"] != "none"
        )  # visible when focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('header')") is None  # the next stop is in the content
    finally:
        context.close()
