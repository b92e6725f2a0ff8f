"""The phone flow of a poll in a real browser against the real gunicorn and Postgres: the
creator builds it in the lottery builder, two friends on phones (two browser contexts,
two voter cookies) vote and see each other's votes arrive without a reload, the creator
closes it (a tie, shown as a tie) and draws among the tied leaders."""
import pytest
import requests

from .helpers import ADMIN_TOKEN, BANNED_UNTIL
from .servers import ROOT, migrated_site

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LIVE_WAIT_MS = 20000  # the page polls every 3 s; generous for a loaded machine


@pytest.fixture(scope="module")
def site(make_postgres_database, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("e2e-polls") / "gunicorn.log"
    with migrated_site(make_postgres_database(), log_path, WEB_CONCURRENCY="2") as server:
        yield server


def entry(page, title):
    return page.locator(".ballot-entry", has_text=title)


def votes_of(page, title) -> str:
    return entry(page, title).locator(".votes").inner_text()


def wait_votes(page, title, expected: str) -> None:
    entry(page, title).locator(".votes", has_text=expected).wait_for(timeout=LIVE_WAIT_MS)


def test_two_phones_vote_and_watch_each_other_live(site, browser):
    creator_ctx, friend_ctx = browser.new_context(**PHONE), browser.new_context(**PHONE)
    try:
        creator = creator_ctx.new_page()
        creator.goto(site.url + "/")
        titles = creator.locator('input[name="entry-title"]')
        titles.nth(0).fill("Сталкер")
        titles.nth(1).fill("Солярис")
        creator.click("#add-row")
        titles.nth(2).fill("Зеркало")
        creator.fill('input[name="title"]', "Что смотрим?")
        creator.click(".poll-options summary")
        creator.select_option('select[name="closes_in_minutes"]', "60")
        creator.click("#create-poll")
        creator.locator("#poll-created").wait_for()
        poll_url = creator.input_value("#share-url")
        assert "/manage#" in creator.input_value("#manage-url")
        creator.click("#open-manage")
        creator.wait_for_url("**/manage")  # the key left the address bar for local storage
        creator.locator("#manage").wait_for(state="visible")

        friend = friend_ctx.new_page()
        friend.goto(poll_url)
        assert friend.locator(".ballot-entry").count() == 3
        box = friend.locator(".vote-button").first.bounding_box()
        assert box["width"] > 200 and box["height"] >= 44  # a big button for a thumb
        for page in (creator, friend):
            page.evaluate("window.__notReloaded = true")

        entry(creator, "Сталкер").locator(".vote-button").click()
        entry(creator, "Сталкер").locator(".if-mine").wait_for(state="visible")
        assert votes_of(creator, "Сталкер") == "1"
        wait_votes(friend, "Сталкер", "1")  # arrives on the friend's phone by itself

        entry(friend, "Зеркало").locator(".vote-button").click()
        wait_votes(friend, "Зеркало", "1")
        wait_votes(creator, "Зеркало", "1")
        creator.locator("#tie-note").wait_for(state="visible", timeout=LIVE_WAIT_MS)
        assert entry(creator, "Сталкер").get_attribute("class").count("is-leader") == 1
        assert entry(creator, "Зеркало").locator(".pct").inner_text() == "50"

        entry(friend, "Солярис").locator(".vote-button").click()  # a changed vote moves, not adds
        wait_votes(creator, "Солярис", "1")
        wait_votes(creator, "Зеркало", "0")

        creator.click("#close-poll")
        creator.locator("#winner-tie").wait_for(state="visible")
        friend.locator("#winner-tie").wait_for(state="visible", timeout=LIVE_WAIT_MS)
        assert "Сталкер" in friend.inner_text("#winner-tie") and "Солярис" in friend.inner_text("#winner-tie")
        assert friend.locator(".vote-button:disabled").count() == 3
        for page in (creator, friend):
            assert page.evaluate("window.__notReloaded") is True

        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        friend.screenshot(path=str(ROOT / "test-artifacts" / "poll-phone.png"), full_page=True)

        creator.click("#lottery-leaders")
        creator.wait_for_url("**/l/*")
        assert creator.locator("#entries .entry").count() == 2
        assert creator.locator("#source-poll").get_attribute("href").endswith(poll_url.rsplit("/", 1)[1])
        friend.locator("#lottery-link-row").wait_for(state="visible", timeout=LIVE_WAIT_MS)
    finally:
        creator_ctx.close()
        friend_ctx.close()


def test_the_creator_sees_why_a_banned_film_stops_the_lottery_and_draws_without_it(site, browser):
    made = requests.post(f"{site.url}/api/polls", timeout=10, json={"entries": [
        {"title": "Сталкер"}, {"title": "Солярис"}, {"title": "Зеркало"}]}).json()
    for ballot_entry in made["entries"]:
        requests.post(f"{site.url}/api/polls/{made['id']}/vote", json={"entry_id": ballot_entry["id"]}, timeout=10)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    film = requests.post(f"{site.url}/api/library", json={"title": "Солярис"}, headers=admin, timeout=10).json()["film"]
    requests.patch(f"{site.url}/api/library/{film['id']}/badges", json={"banned_until": BANNED_UNTIL}, headers=admin, timeout=10)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(made["manage_url"])
        page.locator("#manage").wait_for(state="visible")
        assert "в бане" in entry(page, "Солярис").inner_text()
        page.click("#lottery-weighted")
        error = page.locator("#manage-error")
        error.wait_for(state="visible")
        assert "«Солярис» нельзя добавить" in error.inner_text() and BANNED_UNTIL[:4] in error.inner_text()
        page.check("#lottery-eliminate")  # a lottery made from a poll can be in eliminate mode
        page.click("#lottery-without-banned")
        page.wait_for_url("**/l/**")
        assert page.locator("#lottery").get_attribute("data-mode") == "eliminate"
        assert "Солярис" not in page.locator("main").inner_text() and "Зеркало" in page.locator("main").inner_text()
    finally:
        context.close()
