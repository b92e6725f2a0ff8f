"""Issue 12 in a real browser (Debian's chromium) against the real gunicorn on Postgres:
eliminate mode played to the end, badges and bans, the stats page on a phone, link previews."""

from datetime import date, timedelta

import pytest
import requests

from .conftest import migrated
from .browser import log_in_as_admin
from .helpers import ADMIN_TOKEN, BASE_SETTINGS
from .servers import ROOT, Gunicorn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SITE_URL = "https://kino.example.com"


@pytest.fixture(scope="module")
def site(make_postgres_database, tmp_path_factory):
    url = migrated(make_postgres_database())
    env = {**BASE_SETTINGS, "DATABASE_URL": url, "WEB_CONCURRENCY": "2", "SITE_URL": SITE_URL}
    server = Gunicorn(env, tmp_path_factory.mktemp("e2e-night") / "gunicorn.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        server.wait_healthy(timeout=60)
        yield server
    finally:
        server.stop()


def api(site, method, path, **kwargs):
    response = requests.request(method, site.url + path, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def poster(i):
    return f"/static/demo/poster-{i % 6 + 1}.svg"


def add_films(site, titles, first_kinopoisk_id):
    return {
        t: api(
            site,
            "POST",
            "/api/library",
            json={"title": t, "year": 1970 + i * 7, "genres": ["драма"], "kinopoisk_id": first_kinopoisk_id + i},
            headers=ADMIN,
        )["film"]
        for i, t in enumerate(titles)
    }


def test_eliminate_mode_is_played_to_the_end_for_the_drawer_and_a_friend(site, browser):
    titles = ["Сталкер", "Солярис", "Зеркало", "Ностальгия", "Жертвоприношение"]
    body = {
        "title": "Тарковский на вылет",
        "mode": "eliminate",
        "entries": [
            {"title": t, "weight": 1 + i % 2, "year": 1972 + 3 * i, "poster_url": site.url + poster(i)}
            for i, t in enumerate(titles)
        ],
    }
    created = api(site, "POST", "/api/lotteries", json=body)
    drawer = browser.new_page(viewport=DESKTOP)
    friend = browser.new_context(viewport=PHONE).new_page()  # another browser context: no shared state
    for page in (drawer, friend):
        page.goto(f"{site.url}/l/{created['id']}")
        assert page.locator(".mode-note").is_visible()
    drawer.click("#draw-form button")
    drawer.locator("#reel-wrap").wait_for(state="visible", timeout=10000)
    for page in (drawer, friend):
        page.locator("#result").wait_for(state="visible", timeout=60000)
    drawn = api(site, "GET", f"/api/lotteries/{created['id']}")
    assert len(drawn["eliminated"]) == len(titles) - 1
    for page in (drawer, friend):
        shown = [
            int(p) for p in page.locator("#eliminations li").evaluate_all("(els) => els.map((e) => e.dataset.position)")
        ]
        assert shown == drawn["eliminated"]  # the rounds in the draw's order
        assert page.get_attribute("#lottery", "data-reel-starts") == str(
            len(titles) - 1
        )  # one spin per round, friend too
        assert page.locator("#entries .entry.is-out").count() == len(titles) - 1
        assert drawn["winner"]["title"] in page.inner_text("#winner-title")
    round_one = titles[drawn["eliminated"][0]]
    assert f"Раунд 1: выбывает «{round_one}»" in drawer.inner_text("#eliminations")
    drawer.screenshot(path=str(ARTIFACTS / "lottery-eliminate.png"), full_page=True)
    drawer.screenshot(path=str(ARTIFACTS / "lottery-eliminate-top.png"))  # what docs/screenshot.png shows
    friend.screenshot(path=str(ARTIFACTS / "lottery-eliminate-phone.png"), full_page=True)
    # Reloaded, the page shows the same rounds from the server.
    drawer.reload()
    assert [
        int(p) for p in drawer.locator("#eliminations li").evaluate_all("(els) => els.map((e) => e.dataset.position)")
    ] == drawn["eliminated"]


def test_reduced_motion_gets_the_eliminations_at_once(site, browser):
    created = api(site, "POST", "/api/lotteries", json={"mode": "eliminate", "entries": [{"title": t} for t in "ABCD"]})
    context = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    page = context.new_page()
    page.goto(f"{site.url}/l/{created['id']}")
    page.click("#draw-form button")
    page.locator("#result").wait_for(state="visible", timeout=5000)
    assert page.locator("#eliminations li").count() == 3
    assert page.locator("#reel-wrap").is_hidden()


def test_badges_set_filtered_and_a_ban_refused_with_its_message(site, browser):
    films = add_films(site, ["Андрей Рублёв", "Иваново детство", "Каток и скрипка"], 5000)
    page = browser.new_page(viewport=DESKTOP)
    log_in_as_admin(page, site)
    page.goto(site.url + "/library?q=андрей")
    card = page.locator(f'li.film[data-film-id="{films["Андрей Рублёв"]["id"]}"]')
    card.locator(".badge-form summary").click()
    until = date.today() + timedelta(days=30)
    card.locator('input[name="banned_until"]').fill(until.isoformat())
    card.locator('input[name="favourite"]').check()
    card.locator(".badge-form button").click()
    page.wait_for_load_state()
    assert "Метки фильма «Андрей Рублёв» сохранены." in page.inner_text(".flash")
    card = page.locator(f'li.film[data-film-id="{films["Иваново детство"]["id"]}"]')
    page.goto(site.url + "/library?q=иваново")
    card.locator(".badge-form summary").click()
    card.locator('input[name="watchlist"]').check()
    card.locator(".badge-form button").click()
    page.wait_for_load_state()
    page.goto(site.url + "/library")
    page.select_option('select[name="badge"]', "banned")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**badge=banned**")
    assert page.locator("li.film").all_inner_texts()[0].startswith("Андрей Рублёв")
    assert page.locator("li.film").count() == 1 and page.locator('[data-badge="banned"]').count() == 1
    page.screenshot(path=str(ARTIFACTS / "library-badges.png"), full_page=True)
    page.select_option('select[name="badge"]', "watchlist")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**badge=watchlist**")
    assert [t.split("\n")[0] for t in page.locator("li.film strong").all_inner_texts()] == ["Иваново детство"]
    # "New lottery from the watchlist", then the banned film typed in by hand: refused, by name and date.
    page.click("#lottery-from-watchlist")
    assert page.locator('input[name="entry-title"]').nth(0).input_value() == "Иваново детство"
    page.click("#add-row")
    page.locator('input[name="entry-title"]').nth(1).fill("андрей рублёв")
    page.click("button.primary[type=submit]")
    page.locator("div.form-errors").wait_for(state="visible", timeout=10000)
    message = page.inner_text("div.form-errors")
    assert "«Андрей Рублёв» нельзя добавить" in message and str(until.year) in message
    assert page.locator('input[name="entry-title"]').nth(1).input_value() == "андрей рублёв"


def test_stats_page_on_a_phone_has_no_horizontal_scroll(site, browser):
    films = add_films(site, ["Амели", "Брат", "Брат 2", "Жмурки"], 6000)
    for i in range(6):
        entries = [
            {"title": t, "year": 1970 + j * 7, "kinopoisk_id": 6000 + j, "poster_url": f"{site.url}{poster(j)}"}
            for j, t in enumerate(films)
        ]
        created = api(site, "POST", "/api/lotteries", json={"entries": entries})
        api(site, "POST", f"/api/lotteries/{created['id']}/draw")
    api(site, "PATCH", f"/api/library/{films['Жмурки']['id']}/badges", json={"watchlist": True}, headers=ADMIN)
    for viewport, name in ((PHONE, "stats-phone.png"), (DESKTOP, "stats.png")):
        page = browser.new_page(viewport=viewport)
        page.goto(site.url + "/stats")
        assert page.locator("svg.chart").count() >= 3
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        box = page.locator("#chart-months").bounding_box()
        assert box["width"] <= viewport["width"] and box["height"] > 40  # scaled, still readable
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_preview_tags_and_the_qr_code(site, browser):
    created = api(
        site,
        "POST",
        "/api/lotteries",
        json={
            "title": "Пятница",
            "entries": [{"title": "Без постера"}, {"title": "С постером", "poster_url": "https://img.example/p.jpg"}],
        },
    )
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{site.url}/l/{created['id']}")
    meta = lambda key: page.locator(f'meta[property="{key}"], meta[name="{key}"]').get_attribute("content")  # noqa: E731
    assert meta("og:url") == f"{SITE_URL}/l/{created['id']}"
    assert meta("og:image") == "https://img.example/p.jpg"
    assert meta("twitter:card") == "summary_large_image" and "С постером" in meta("og:description")
    for key in ("og:url", "og:image", "twitter:image"):
        assert meta(key).startswith("https://")
    page.click("#qr-block summary")
    qr = page.locator("#qr-block img")
    qr.wait_for(state="visible")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    page.screenshot(path=str(ARTIFACTS / "lottery-qr.png"), full_page=True)


def test_the_builder_offers_eliminate_mode(site, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(site.url + "/")
    titles = page.locator('input[name="entry-title"]')
    titles.nth(0).fill("Кин-дза-дза!")
    titles.nth(1).fill("Осенний марафон")
    page.check('input[name="mode"][value="eliminate"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("button.primary[type=submit]")
    page.wait_for_url("**/l/*")
    public_id = page.url.rsplit("/", 1)[1]
    assert api(site, "GET", f"/api/lotteries/{public_id}")["mode"] == "eliminate"
    assert page.locator(".mode-note").is_visible()
