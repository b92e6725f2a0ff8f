"""End to end in a real browser against the real gunicorn: build a lottery, share it,
draw with the show, and watch the result appear for a friend who waits on the link."""

import re

import pytest
import requests

from .fakes.kinopoisk_api import INTOUCHABLES, SPARSE, FakeKinopoisk
from .servers import ROOT, e2e_site

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory, make_httpserver):
    with e2e_site(tmp_path_factory.mktemp("e2e"), make_httpserver.url_for("").rstrip("/")) as server:
        yield server


def test_build_share_and_draw_a_lottery(site, browser):
    host = browser.new_page(viewport={"width": 1200, "height": 900})
    host.goto(site.url + "/")
    titles = host.locator('input[name="entry-title"]')
    titles.nth(0).fill("Сталкер")
    titles.nth(1).fill("Солярис")
    host.click("#add-row")
    titles.nth(2).fill("Зеркало")
    host.locator('input[name="entry-weight"]').nth(2).fill("3")
    host.fill('input[name="title"]', "Тарковский-вечер")
    host.click("button.primary[type=submit]")
    host.wait_for_url("**/l/*")
    lottery_url = host.url
    public_id = lottery_url.rsplit("/", 1)[1]
    assert host.locator("#entries .entry").count() == 3
    assert host.input_value("#share-url").endswith(f"/l/{public_id}")

    friend = browser.new_page()
    friend.goto(lottery_url)
    assert friend.locator("#result").is_hidden()

    host.click("#draw-form button")
    host.locator("#reel-wrap").wait_for(state="visible", timeout=5000)  # the show
    host.locator("#result").wait_for(state="visible", timeout=15000)
    winner = requests.get(f"{site.url}/api/lotteries/{public_id}", timeout=5).json()["winner"]
    assert winner["title"] in host.inner_text("#winner-title")
    assert host.locator(".entry.is-winner").count() == 1
    assert len(host.inner_text("#seed")) == 64
    # The result takes the focus and is announced; the stopped reel makes way for the winner's card.
    assert host.evaluate("document.activeElement.id") == "winner-heading"
    assert winner["title"] in host.inner_text("#winner-announcement")
    assert host.get_attribute("#winner-announcement", "aria-live") == "polite"
    assert host.locator("#reel-wrap").is_hidden() and host.locator(".poster").filter(visible=True).count() >= 1

    # The friend's page polls and plays the same result without a reload.
    friend.locator("#result").wait_for(state="visible", timeout=20000)
    assert winner["title"] in friend.inner_text("#winner-title")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    host.screenshot(path=str(ROOT / "test-artifacts" / "lottery.png"), full_page=True)


def test_library_picker_adds_a_film_with_the_keyboard(site, browser):
    from .helpers import ADMIN_TOKEN

    requests.post(
        f"{site.url}/api/library",
        json={"title": "Иваново детство", "year": 1962},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=5,
    ).raise_for_status()
    page = browser.new_page()
    page.goto(site.url + "/")
    page.fill("#library-q", "иванов")
    page.locator("#library-results li[id]").first.wait_for(timeout=5000)
    page.keyboard.press("Enter")
    assert page.locator('input[name="entry-title"]').nth(0).input_value() == "Иваново детство"
    assert page.locator('input[name="entry-year"]').nth(0).input_value() == "1962"


DEBOUNCE_MS = int(re.search(r"DEBOUNCE_MS = (\d+)", (ROOT / "movie_lottery/static/suggest.js").read_text()).group(1))


def test_live_kinopoisk_search_adds_films_with_the_keyboard(site, browser, httpserver):
    FakeKinopoisk(httpserver).serve_search([INTOUCHABLES, SPARSE])
    page = browser.new_page()
    page.clock.install()
    page.goto(site.url + "/")
    # The page's clock stands still while the test types, however slowly a loaded machine
    # delivers the keys; then it runs past the debounce: one search per typed query.
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    page.locator("#kp-q").press_sequentially("1+1", delay=30)
    page.clock.run_for(DEBOUNCE_MS + 50)
    page.locator("#kp-results li[id]").nth(1).wait_for(timeout=15000)
    sparse = page.locator("#kp-results li[id]").nth(1)  # no poster: the blank one, not a broken image
    assert sparse.locator("img").count() == 0 and sparse.locator(".poster-blank").count() == 1
    assert "★ 8.8" in page.inner_text("#kp-results li >> nth=0")
    page.keyboard.press("Enter")
    assert page.locator('input[name="entry-title"]').nth(0).input_value() == "1+1"
    assert page.locator('input[name="entry-kinopoisk_id"]').nth(0).input_value() == "535341"
    assert page.locator('input[name="entry-poster_url"]').nth(0).input_value() == INTOUCHABLES["poster"]["url"]
    page.locator("#kp-q").press_sequentially("untitled", delay=30)
    page.clock.run_for(DEBOUNCE_MS + 50)
    page.locator("#kp-results li[id]").first.wait_for(timeout=15000)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # ArrowDown moved to the second result
    assert page.locator('input[name="entry-title"]').nth(1).input_value() == "Untitled Short"
    page.locator("#kp-q").fill("x")
    page.keyboard.press("Escape")
    page.clock.resume()
    page.click("button.primary[type=submit]")
    page.wait_for_url("**/l/*")
    assert page.locator('a.kp[href="https://www.kinopoisk.ru/film/535341/"]').count() == 1
    searches = [r.args["query"] for r, _ in httpserver.log if r.path == "/v1.4/movie/search"]
    assert searches == ["1+1", "untitled"]  # one per typed query, thanks to the debounce


def test_search_errors_are_shown_not_swallowed(site, browser, httpserver):
    FakeKinopoisk(httpserver).fail("/v1.4/movie/search", 401, "Переданный токен некорректен!")
    page = browser.new_page()
    page.goto(site.url + "/")
    page.locator("#kp-q").fill("broken")
    page.locator("#search-error").wait_for(state="visible", timeout=5000)
    assert "KINOPOISK_API_KEY" in page.inner_text("#search-error")
