"""In a real browser against the real gunicorn: problems found by trying the site as a new user."""

import re
from contextlib import contextmanager
from datetime import date

import pytest
import requests
from playwright.sync_api import expect

from .browser import log_in_as_admin
from .helpers import ADMIN_TOKEN
from .servers import ROOT, migrated_site

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e_qa")
    with migrated_site(f"sqlite:///{workdir}/e2e.db", workdir / "gunicorn.log") as server:
        yield server


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
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_long_winner_title_stays_inside_its_history_thumbnail(site, browser, viewport):
    created = create(
        site,
        "Очень длинное название фильма без постера номер один",
        "Очень длинное название фильма без постера номер два",
    )
    requests.post(f"{site.url}/api/lotteries/{created['id']}/draw", timeout=10).raise_for_status()
    with opened(browser, site.url + "/history", viewport) as page:
        thumb = page.locator(f"li:has(a[href='/l/{created['id']}']) .thumb.poster-blank")
        assert inside(thumb.locator("span").bounding_box(), thumb.bounding_box())


NAV_TARGETS = ".topbar nav > a, .topbar nav button, .topbar .lang a"


def nav_targets(page) -> list[dict]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((el) => {
        const box = el.getBoundingClientRect();
        const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        return {text: el.textContent.trim(), x: box.x, y: box.y, width: box.width, height: box.height,
                onTop: el === hit || el.contains(hit)}; })""",
        NAV_TARGETS,
    )


@pytest.mark.parametrize("admin", [False, True], ids=["visitor", "admin"])
def test_the_phone_header_shows_every_link_as_a_thumb_sized_target(site, browser, admin):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    try:
        page = context.new_page()
        if admin:
            log_in_as_admin(page, site)
        page.goto(site.url + "/")
        targets = nav_targets(page)
        texts = [t["text"] for t in targets]
        assert texts[:4] == ["Новая лотерея", "История", "Библиотека", "Статистика"] and texts[-2:] == ["RU", "EN"]
        assert (
            ("Выйти" in texts) if admin else ("Админ" in texts and "Выйти" not in texts)
        )  # and whatever else the menu holds
        for target in targets:  # each one on screen, not covered, at least 44×44 px
            assert target["x"] >= 0 and target["x"] + target["width"] <= PHONE["width"] and target["y"] >= 0, target
            assert target["width"] >= 44 and target["height"] >= 44 and target["onTop"], target
        language = [t for t in targets if t["text"] in ("RU", "EN")]
        assert all(t["y"] < targets[0]["y"] for t in language)  # on the brand's row, above the links
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.topbar'), '::after').content") == "none"
        )  # no scroll hint
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"header-phone{'-admin' if admin else ''}.png"),
            clip={"x": 0, "y": 0, "width": 390, "height": 220},
        )
        page.click(".topbar .lang a >> text=EN")
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert [t["text"] for t in nav_targets(page)][:2] == ["New lottery", "History"]
    finally:
        context.close()


def test_the_desktop_header_is_one_row(site, browser):
    with opened(browser, site.url + "/", DESKTOP) as page:
        targets = nav_targets(page)
        assert (
            len({round(t["y"] + t["height"] / 2) for t in targets}) == 1
            and page.locator(".topbar").bounding_box()["height"] < 80
        )


BAN_YEAR = date.today().year + 5  # a ban that is still in force whenever the test runs


@pytest.mark.parametrize(
    "locale, note", [("ru-RU", f"⛔ бан до 1 янв. {BAN_YEAR} г."), ("en-US", f"⛔ banned until Jan 1, {BAN_YEAR}")]
)
def test_a_banned_film_says_so_in_the_library_suggestions(site, browser, locale, note):
    film = requests.post(
        f"{site.url}/api/library", json={"title": f"Забаненный {locale}", "year": 1999}, headers=ADMIN, timeout=10
    ).json()["film"]
    requests.patch(
        f"{site.url}/api/library/{film['id']}/badges",
        json={"banned_until": f"{BAN_YEAR}-01-01"},
        headers=ADMIN,
        timeout=10,
    ).raise_for_status()
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


def test_desktop_layout_of_the_admin_film_page_and_the_library_filter(site, browser):
    film = requests.post(f"{site.url}/api/library", json={"title": "Раскладка"}, headers=ADMIN, timeout=10).json()[
        "film"
    ]
    requests.put(
        f"{site.url}/api/library/{film['id']}/magnet",
        json={"magnet": "magnet:?xt=urn:btih:" + "cd" * 20},
        headers=ADMIN,
        timeout=10,
    ).raise_for_status()
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        log_in_as_admin(page, site)
        search, show = (
            page.locator(".filters input[type=search]").bounding_box(),
            page.locator(".filters button").bounding_box(),
        )
        assert abs(search["y"] - show["y"]) < 2  # «Показать» on the filters' row, not alone below
        page.goto(f"{site.url}/admin/films/{film['id']}/edit")
        assert page.locator("#film-form").bounding_box()["width"] > 560  # not a 320 px column on a wide screen
        for button in page.locator("#download button").all():
            assert button.bounding_box()["height"] < 50, button.inner_text()  # one line each
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-film-desktop.png"))
    finally:
        context.close()
