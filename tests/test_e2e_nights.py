"""The phone flow of a movie night in a real browser against the real gunicorn and Postgres:
the creator (Russian) plans a night with a date poll, a friend (English) gives their name with
their answer, marks the times that work and says "Going"; the creator sees it arrive without a
reload and picks the time."""

import json
import urllib.request
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from .servers import ROOT, migrated_site
from .test_e2e_polls import PHONE
from .test_nights_ics_parsers import next_change

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIVE_WAIT_MS = 20000  # the page polls every 4 s
# Nothing wider than the phone: neither the page nor any element of its content sticks out.
FITS = """() => document.documentElement.scrollWidth <= window.innerWidth && Array.from(
    document.querySelectorAll("main *")).every((el) => el.getBoundingClientRect().right <= window.innerWidth + 1)"""


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
        assert friend.locator("input[name=option_ids]").count() == 0  # the date is picked: no controls left
        assert friend.locator("#names-going").inner_text() == "Bob"
    finally:
        creator_ctx.close()
        friend_ctx.close()


def test_a_friend_in_berlin_plans_across_the_clock_change(site, browser):
    """Chromium in Europe/Berlin: each typed time keeps its own offset (summer or winter time); the
    planner shows only the fields of the chosen mode, and the page names the visitor's zone."""
    berlin = ZoneInfo("Europe/Berlin")
    change = next_change(berlin, date.today() + timedelta(days=3))
    days = (change - timedelta(days=2), change + timedelta(days=5))
    context = browser.new_context(**PHONE, timezone_id="Europe/Berlin")
    try:
        page = context.new_page()
        page.goto(site.url + "/nights")
        assert page.locator("#night-form .visitor-zone").inner_text() == " (Europe/Berlin)"
        assert page.locator("input.date-option").first.is_hidden() and page.locator("#night-starts-at").is_visible()
        page.fill("#night-title", "Берлинское кино")
        page.check("#mode-poll")
        assert page.locator("#night-starts-at").is_hidden()
        options = page.locator("input.date-option")
        for n, day in enumerate(days):
            options.nth(n).fill(f"{day.isoformat()}T20:00")
        page.click("#create-night")
        page.wait_for_url("**/manage")
        public_id = page.url.split("/n/")[1].split("/")[0]
        body = api(f"{site.url}/api/nights/{public_id}")
        found = [datetime.fromisoformat(o["starts_at"]).astimezone(timezone.utc) for o in body["date_options"]]
        expected = [datetime(d.year, d.month, d.day, 20, tzinfo=berlin).astimezone(timezone.utc) for d in days]
        assert found == expected and found[0].hour != found[1].hour
        # The visitor's own page shows them back at 20:00, Berlin time.
        assert [t.split(", ")[-1] for t in page.locator(".date-option-row time").all_inner_texts()] == [
            "20:00",
            "20:00",
        ]
    finally:
        context.close()


def test_a_long_title_fits_a_phone(site, browser):
    title = ("Оченьдлинноеназваниекиновечерабезпробелов" * 5)[:200]  # no place to break a line
    night = api(
        site.url + "/api/nights",
        {"title": title, "starts_at": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()},
    )
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        for url in (night["url"], site.url + "/nights"):
            page.goto(url)
            assert page.evaluate(FITS), url
        page.goto(night["url"])
        artifacts = ROOT / "test-artifacts" / "screenshots"
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts / "night-long-title-phone.png"), full_page=True)
    finally:
        context.close()


def api(url: str, body: dict | None = None) -> dict:
    """GET, or POST JSON, and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
