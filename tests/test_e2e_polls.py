"""The phone flow of a poll in a real browser against the real gunicorn and Postgres: the
creator builds it in the lottery builder, two friends on phones (two browser contexts,
two voter cookies) vote and see each other's votes arrive without a reload, the creator
closes it (a tie, broken by the committed seed) and draws among the tied leaders. Then the
ballots of every type on a phone: approval checkboxes, a ranking made with the keyboard and the
↑ ↓ buttons (and by dragging), kept after a reload in both languages, and the closed poll's rounds."""

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
        creator.locator("#winner").wait_for(state="visible")
        friend.locator("#winner").wait_for(state="visible", timeout=LIVE_WAIT_MS)
        # a tie is never left open: the committed seed names one, and the rounds say so
        assert friend.inner_text("#winner .winner-names") in ("Сталкер", "Солярис")
        assert "ничья решена по зерну" in friend.inner_text("#tie-broken")
        assert friend.locator("#rounds .round-bar").count() == 3 and friend.locator("#tiebreak-seed").count() == 1
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
    made = requests.post(
        f"{site.url}/api/polls",
        timeout=10,
        json={"entries": [{"title": "Сталкер"}, {"title": "Солярис"}, {"title": "Зеркало"}]},
    ).json()
    for ballot_entry in made["entries"]:
        requests.post(f"{site.url}/api/polls/{made['id']}/vote", json={"entry_id": ballot_entry["id"]}, timeout=10)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    film = requests.post(f"{site.url}/api/library", json={"title": "Солярис"}, headers=admin, timeout=10).json()["film"]
    requests.patch(
        f"{site.url}/api/library/{film['id']}/badges", json={"banned_until": BANNED_UNTIL}, headers=admin, timeout=10
    )
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


def api_poll(site, **body) -> dict:
    titles = body.pop("titles", ("Сталкер", "Рублёв", "Зеркало"))
    made = requests.post(f"{site.url}/api/polls", timeout=10, json={"entries": [{"title": t} for t in titles], **body})
    assert made.status_code == 201, made.text
    return made.json()


def my_ballot(page, poll) -> dict:
    return page.evaluate(
        "(url) => fetch(url).then((r) => r.json()).then((p) => p.my_ballot)", f"/api/polls/{poll['id']}"
    )


def ranked_titles(page) -> list[str]:
    return page.locator("#ranking .rank-item").evaluate_all("(items) => items.map((li) => li.dataset.title)")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_phone_ranks_films_by_keyboard_and_the_order_survives_a_reload(site, browser, lang):
    poll = api_poll(site, ballot="ranked", vetoes_per_member=1, titles=("Сталкер", "Рублёв", "Зеркало", "Ностальгия"))
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(poll["url"] + ("?lang=en" if lang == "en" else ""))
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator(".rank-select").first.is_hidden()  # the no-JavaScript selects give way to buttons
        unranked = page.locator("#unranked .rank-item")
        assert unranked.count() == 4 and page.locator("#ranking-empty").is_visible()
        # Keyboard only: Tab to a film's "+" and press Enter; the focus moves on to the next film's "+".
        entry(page, "Рублёв").locator(".rank-add").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.closest('.rank-item').dataset.title") == "Зеркало"
        page.keyboard.press("Enter")  # Зеркало
        entry(page, "Сталкер").locator(".rank-add").focus()
        page.keyboard.press("Space")
        assert ranked_titles(page) == ["Рублёв", "Зеркало", "Сталкер"]
        # Focus a film's ⠿ and move it with the arrow keys; the live region says the new place.
        handle = entry(page, "Сталкер").locator(".rank-handle")
        handle.focus()
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        assert ranked_titles(page) == ["Сталкер", "Рублёв", "Зеркало"]
        said = page.inner_text("#rank-live")
        assert said == ("Сталкер — теперь 1-й" if lang == "ru" else "Сталкер is now number 1")
        assert page.evaluate("document.activeElement.classList.contains('rank-handle')")  # the focus stays on it
        assert entry(page, "Сталкер").locator(".rank-place").inner_text().strip() == "1."
        # The ↓ button (a thumb's way) moves Рублёв below Зеркало.
        down = entry(page, "Рублёв").locator(".rank-down")
        box = down.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        down.click()
        assert ranked_titles(page) == ["Сталкер", "Зеркало", "Рублёв"]
        assert page.inner_text("#rank-live") == ("Рублёв — теперь 3-й" if lang == "ru" else "Рублёв is now number 3")
        # A veto, with the budget shown.
        entry(page, "Ностальгия").locator(".veto-toggle").click()
        assert page.inner_text("#vetoes-left") == "0"
        assert entry(page, "Зеркало").locator('input[name="vetoes"]').is_disabled()
        page.click("#ballot-submit")
        page.locator("#ballot-status", has_text="Бюллетень сохранён." if lang == "ru" else "Ballot saved.").wait_for()
        ids = {e["title"]: e["id"] for e in poll["entries"]}
        assert my_ballot(page, poll) == {
            "voter": None,
            "ranking": [ids["Сталкер"], ids["Зеркало"], ids["Рублёв"]],
            "vetoes": [ids["Ностальгия"]],
        }
        page.reload()
        assert ranked_titles(page) == ["Сталкер", "Зеркало", "Рублёв"]
        assert page.locator("#unranked .rank-item").count() == 1
        assert entry(page, "Ностальгия").locator('input[name="vetoes"]').is_checked()
        # Dragging ⠿ (the mouse here; a finger sends the same pointer events) puts Рублёв above Зеркало.
        entry(page, "Рублёв").evaluate("(li) => li.scrollIntoView({block: 'center'})")
        source = entry(page, "Рублёв").locator(".rank-handle").bounding_box()
        target = entry(page, "Зеркало").bounding_box()
        page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
        page.mouse.down()
        page.mouse.move(target["x"] + 30, target["y"] + 10, steps=8)
        page.mouse.up()
        assert ranked_titles(page) == ["Сталкер", "Рублёв", "Зеркало"]
        assert page.inner_text("#rank-live") == ("Рублёв — теперь 2-й" if lang == "ru" else "Рублёв is now number 2")
        entry(page, "Зеркало").locator(".rank-remove").click()  # a partial ranking is fine
        page.click("#ballot-submit")
        page.locator("#ballot-status", has_text="Бюллетень сохранён." if lang == "ru" else "Ballot saved.").wait_for()
        assert my_ballot(page, poll)["ranking"] == [ids["Сталкер"], ids["Рублёв"]]
        if lang == "ru":
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "test-artifacts" / "poll-ranked-phone.png"), full_page=True)
    finally:
        context.close()


def test_approval_checkboxes_keep_to_the_limit(site, browser):
    poll = api_poll(site, ballot="approval", max_approvals=2)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(poll["url"])
        assert "Можно отметить не больше 2 фильмов." in page.inner_text("#ballot-form")
        entry(page, "Сталкер").locator(".mark-toggle").click()
        entry(page, "Зеркало").locator(".mark-toggle").click()
        assert page.inner_text("#marks-used") == "2"
        assert entry(page, "Рублёв").locator('input[name="entry_ids"]').is_disabled()  # the limit, kept as you mark
        page.click("#ballot-submit")
        page.locator("#ballot-status", has_text="Бюллетень сохранён.").wait_for()
        wait_votes(page, "Зеркало", "1")
        page.reload()
        marked = [
            entry(page, t).locator('input[name="entry_ids"]').is_checked() for t in ("Сталкер", "Рублёв", "Зеркало")
        ]
        assert marked == [True, False, True]
    finally:
        context.close()


def test_the_closed_ranked_poll_shows_its_rounds_without_a_reload(site, browser):
    poll = api_poll(site, ballot="ranked")
    a, b, c = (e["id"] for e in poll["entries"])
    for ranking in ([a, b], [b, a], [c, b]):
        requests.post(
            f"{site.url}/api/polls/{poll['id']}/vote", json={"ranking": ranking}, timeout=10
        ).raise_for_status()
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(poll["url"] + "?lang=en")
        page.evaluate("window.__notReloaded = true")
        closed = requests.post(
            f"{site.url}/api/polls/{poll['id']}/close",
            timeout=10,
            headers={"Authorization": f"Bearer {poll['manage_token']}"},
        ).json()
        page.locator("#rounds").wait_for(timeout=LIVE_WAIT_MS)
        assert page.evaluate("window.__notReloaded") is True
        winner = {e["id"]: e["title"] for e in closed["entries"]}[closed["result"]["winner"]]
        assert page.inner_text("#winner .winner-names") == winner
        assert page.locator("#rounds .round").count() == len(closed["result"]["rounds"]) == 2
        assert "Round 2" in page.inner_text("#rounds") and "Out:" in page.inner_text("#rounds")
        widths = page.locator("#rounds .bar-fill").evaluate_all(
            "(bars) => bars.map((b) => b.getBoundingClientRect().width)"
        )
        assert max(widths) > 0  # the bars are drawn
        assert page.locator("#ballot-form select:disabled, #ballot-form button:disabled").count() > 0
        assert page.locator(".ballot-actions").is_hidden()
    finally:
        context.close()
