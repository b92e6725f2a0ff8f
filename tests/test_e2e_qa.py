"""In a real browser against the real gunicorn: problems found by trying the site as a new user."""
import re
from contextlib import contextmanager
from datetime import date

import pytest
import requests
from playwright.sync_api import expect

from .helpers import ADMIN_TOKEN, BASE_SETTINGS
from .servers import ROOT, Gunicorn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e_qa")
    db_url = f"sqlite:///{workdir}/e2e.db"
    from movie_lottery.dbsetup import upgrade_database

    from .helpers import build_app

    upgrade_database(build_app(db_url))
    server = Gunicorn({**BASE_SETTINGS, "DATABASE_URL": db_url, "WEB_CONCURRENCY": "1"}, workdir / "gunicorn.log")
    try:
        server.wait_healthy(timeout=60)
        yield server
    finally:
        server.stop()


@contextmanager
def opened(browser, url, viewport, **options):
    """A fresh page at url, closed afterwards."""
    page = browser.new_page(viewport=viewport, **options)
    try:
        page.goto(url)
        yield page
    finally:
        page.close()


def create(site, *titles):
    response = requests.post(f"{site.url}/api/lotteries", json={"entries": [{"title": t} for t in titles]}, timeout=10)
    response.raise_for_status()
    return response.json()


def inside(inner, outer) -> bool:
    return (inner["x"] >= outer["x"] - 0.5 and inner["y"] >= outer["y"] - 0.5
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_long_winner_title_stays_inside_its_history_thumbnail(site, browser, viewport):
    created = create(site, "Очень длинное название фильма без постера номер один", "Очень длинное название фильма без постера номер два")
    requests.post(f"{site.url}/api/lotteries/{created['id']}/draw", timeout=10).raise_for_status()
    with opened(browser, site.url + "/history", viewport) as page:
        thumb = page.locator(f"li:has(a[href='/l/{created['id']}']) .thumb.poster-blank")
        assert inside(thumb.locator("span").bounding_box(), thumb.bounding_box())


def nav_state(page):
    return page.evaluate("""() => { const nav = document.querySelector('.topbar nav');
        return {classes: [...nav.classList], mask: getComputedStyle(nav).maskImage || getComputedStyle(nav).webkitMaskImage,
                arrow: getComputedStyle(document.querySelector('.topbar'), '::after').content}; }""")


def test_the_phone_header_shows_that_more_links_are_a_swipe_away(site, browser):
    with opened(browser, site.url + "/", PHONE) as page:
        nav = page.locator(".topbar nav")
        language = page.locator(".topbar .lang a").last
        assert language.bounding_box()["x"] >= PHONE["width"]  # off screen: the nav scrolls sideways
        page.wait_for_function("() => document.querySelector('.topbar nav').classList.contains('more-right')", timeout=10000)
        assert "gradient" in nav_state(page)["mask"] and nav_state(page)["arrow"] == '"›"'  # its right edge fades, an arrow
        nav.evaluate("nav => { nav.scrollLeft = nav.scrollWidth; }")
        page.wait_for_function("() => !document.querySelector('.topbar nav').classList.contains('more-right')", timeout=10000)
        assert nav_state(page)["classes"] == ["more-left"] and nav_state(page)["arrow"] == "none"
        assert language.bounding_box()["x"] + language.bounding_box()["width"] <= PHONE["width"]


def test_the_desktop_header_has_no_fade(site, browser):
    with opened(browser, site.url + "/", DESKTOP) as page:
        page.wait_for_load_state("load")
        assert nav_state(page)["classes"] == [] and nav_state(page)["mask"] in ("none", None, "")


BAN_YEAR = date.today().year + 5  # a ban that is still in force whenever the test runs


@pytest.mark.parametrize("locale, note", [("ru-RU", f"⛔ бан до 1 янв. {BAN_YEAR} г."),
                                          ("en-US", f"⛔ banned until Jan 1, {BAN_YEAR}")])
def test_a_banned_film_says_so_in_the_library_suggestions(site, browser, locale, note):
    film = requests.post(f"{site.url}/api/library", json={"title": f"Забаненный {locale}", "year": 1999},
                         headers=ADMIN, timeout=10).json()["film"]
    requests.patch(f"{site.url}/api/library/{film['id']}/badges", json={"banned_until": f"{BAN_YEAR}-01-01"},
                   headers=ADMIN, timeout=10).raise_for_status()
    requests.post(f"{site.url}/api/library", json={"title": f"Забаненный когда-то {locale}"}, headers=ADMIN, timeout=10)
    with opened(browser, site.url + "/", DESKTOP, locale=locale) as page:
        page.fill("#library-q", "Забаненный")
        options = page.locator("#library-results li[id]")
        options.nth(1).wait_for(timeout=10000)
        texts = options.all_inner_texts()
        assert f"Забаненный {locale} (1999) {note}" in texts, texts
        assert f"Забаненный когда-то {locale}" in texts  # not banned: no note


def test_a_title_without_spaces_does_not_widen_the_phone_pages(site, browser):
    long_title = ("Оченьдлинноеназваниелотереибезпробелов" * 6)[:200]
    long_film = ("Фильмсоченьдлиннымназваниембезпробелов" * 8)[:300]
    body = {"title": long_title, "entries": [{"title": long_film, "weight": 100}, {"title": "b"}]}
    created = requests.post(f"{site.url}/api/lotteries", json=body, timeout=10).json()
    requests.post(f"{site.url}/api/lotteries/{created['id']}/draw", timeout=10).raise_for_status()
    with opened(browser, f"{site.url}/l/{created['id']}", PHONE) as page:
        for path in (f"/l/{created['id']}", "/", "/history", "/library"):
            page.goto(site.url + path)
            widths = page.evaluate("[document.documentElement.scrollWidth, document.querySelector('main').scrollWidth]")
            assert max(widths) <= PHONE["width"], (path, widths)


def test_no_empty_band_between_the_search_boxes_on_the_phone(site, browser):
    with opened(browser, site.url + "/", PHONE) as page:
        note = page.locator("#kp-off").bounding_box()
        label = page.locator("label[for=library-q]").bounding_box()
        assert label["y"] - (note["y"] + note["height"]) <= 40  # one gap between stacked panels, not three


COUNT_POLLS = """
window.__polls = 0;
const realFetch = window.fetch;
window.fetch = (resource, ...rest) => {
  if (String(resource).includes("/api/lotteries/") && !String(resource).endsWith("/draw")) window.__polls++;
  return realFetch(resource, ...rest);
};
"""
POLL_MS = int(re.search(r"POLL_MS = (\d+)", (ROOT / "movie_lottery/static/lottery.js").read_text()).group(1))


def test_a_lottery_deleted_while_open_says_so_and_stops_polling(site, browser):
    created = create(site, "Сталкер", "Солярис")
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.add_init_script(COUNT_POLLS)
        page.clock.install()
        page.goto(f"{site.url}/l/{created['id']}")
        # The page's clock moves only when the test says: its polls are counted, not waited for.
        page.clock.pause_at(page.evaluate("Date.now()") + 1000)
        requests.delete(f"{site.url}/api/lotteries/{created['id']}", headers=ADMIN, timeout=10).raise_for_status()
        page.clock.run_for(POLL_MS)  # the next poll finds it gone
        expect(page.locator("#waiting")).to_contain_text("Эту лотерею удалили", timeout=15000)
        assert page.locator("#draw-form button").is_disabled()
        seen = page.evaluate("window.__polls")
        assert seen >= 1
        page.clock.run_for(2 * POLL_MS)  # two more poll intervals: a gone lottery is not asked again
        assert page.evaluate("window.__polls") == seen
        page.locator("#draw-form button").click(force=True)
        assert page.url.endswith(f"/l/{created['id']}")  # no trip to a 404 page
    finally:
        page.close()