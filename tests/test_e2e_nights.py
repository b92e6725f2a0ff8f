"""The phone flow of a movie night in a real browser against the real gunicorn and Postgres:
the creator (Russian) plans a night with a date poll, a friend (English) gives their name with
their answer, marks the times that work and says "Going"; the creator sees it arrive without a
reload and picks the time."""
from datetime import datetime, timedelta

import pytest

from .servers import migrated_site
from .test_e2e_polls import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIVE_WAIT_MS = 20000  # the page polls every 4 s


@pytest.fixture(scope="module")
def site(make_postgres_database, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("e2e-nights") / "gunicorn.log"
    with migrated_site(make_postgres_database(), log_path, WEB_CONCURRENCY="2") as server:
        yield server


def local(days: int, hour: int) -> str:
    return (datetime.now() + timedelta(days=days)).replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def test_plan_a_date_poll_answer_in_two_languages_and_pick_the_time(site, browser):
    creator_ctx = browser.new_context(**PHONE)
    friend_ctx = browser.new_context(**PHONE, locale="en-US")
    try:
        creator = creator_ctx.new_page()
        creator.goto(site.url + "/nights")
        assert creator.locator("h1").inner_text() == "Киновечера"
        creator.fill("#night-title", "Пятничное кино")
        creator.check("#mode-poll")
        options = creator.locator("input.date-option")
        options.nth(0).fill(local(3, 19))
        options.nth(1).fill(local(4, 20))
        creator.click("#create-night")
        creator.wait_for_url("**/manage")
        assert "/manage#" in creator.input_value("#manage-url")
        share_url = creator.input_value("#share-url")
        creator.evaluate("window.__notReloaded = true")

        friend = friend_ctx.new_page()
        friend.goto(share_url)
        assert friend.locator("h2", has_text="When suits you?").count() == 1
        assert friend.locator("#rsvp-going").inner_text() == "Going"
        box = friend.locator("#rsvp-going").bounding_box()
        assert box["height"] >= 44  # a big button for a thumb
        friend.fill("#rsvp-name", "Bob")
        rows = friend.locator(".date-option-row")
        rows.nth(1).locator("input[type=checkbox]").check()
        friend.click("#save-availability")
        friend.locator(".date-option-row.is-best .names", has_text="Bob").wait_for()
        assert friend.locator("#nav-me").inner_text() == "Me"
        friend.click("#rsvp-going")
        friend.locator("#names-going", has_text="Bob").wait_for()
        assert friend.locator("#rsvp-going").get_attribute("aria-pressed") == "true"

        # The creator's page follows by itself (no reload), in Russian.
        creator.locator("#names-going", has_text="Bob").wait_for(timeout=LIVE_WAIT_MS)
        creator.locator(".date-option-row.is-best .names", has_text="Bob").wait_for(timeout=LIVE_WAIT_MS)
        assert creator.evaluate("window.__notReloaded") is True
        assert creator.locator("#count-going").inner_text() == "1"
        assert creator.locator("h2", has_text="Кто придёт").count() == 1

        creator.locator(".date-option-row.is-best .pick-option").click()
        creator.locator(".flash", has_text="Время вечера назначено").wait_for()
        assert creator.locator("#night-when time").count() == 1
        friend.reload()
        assert friend.locator("input[name=option_ids]").first.is_disabled()
        assert friend.locator("#names-going").inner_text() == "Bob"
    finally:
        creator_ctx.close()
        friend_ctx.close()
