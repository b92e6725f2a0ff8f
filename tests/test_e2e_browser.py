"""End to end in a real browser against the real gunicorn: build a lottery, share it,
draw with the show, and watch the result appear for a friend who waits on the link."""
import pytest
import requests

from .browser import browser  # noqa: F401  (fixture)
from .helpers import BASE_SETTINGS
from .servers import ROOT, Gunicorn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{workdir}/e2e.db"
    from .helpers import build_app
    from movie_lottery.dbsetup import upgrade_database

    upgrade_database(build_app(db_url))
    server = Gunicorn({**BASE_SETTINGS, "DATABASE_URL": db_url, "WEB_CONCURRENCY": "1"}, workdir / "gunicorn.log")
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


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

    # The friend's page polls and plays the same result without a reload.
    friend.locator("#result").wait_for(state="visible", timeout=20000)
    assert winner["title"] in friend.inner_text("#winner-title")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    host.screenshot(path=str(ROOT / "test-artifacts" / "lottery.png"), full_page=True)


def test_library_picker_adds_a_film_with_the_keyboard(site, browser):
    from .helpers import ADMIN_TOKEN

    requests.post(f"{site.url}/api/library", json={"title": "Иваново детство", "year": 1962},
                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5).raise_for_status()
    page = browser.new_page()
    page.goto(site.url + "/")
    page.fill("#library-q", "иванов")
    page.locator("#library-results li").first.wait_for(timeout=5000)
    page.keyboard.press("Enter")
    assert page.locator('input[name="entry-title"]').nth(0).input_value() == "Иваново детство"
    assert page.locator('input[name="entry-year"]').nth(0).input_value() == "1962"
