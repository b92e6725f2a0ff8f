"""The film page in a real browser against the real gunicorn: the trailer is a poster with a play
button and nothing is requested from YouTube until the click; the click loads the
youtube-nocookie.com player, which the page's CSP lets through. Scoring from the page with a
name in the same step. Every request leaving the site is intercepted (loopback only)."""

from urllib.parse import urlsplit

import pytest

from movie_lottery.extensions import db
from movie_lottery.models import Film

from . import servers
from .servers import e2e_site

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ARTIFACTS = servers.ROOT / "test-artifacts" / "screenshots"
EMBED = "https://www.youtube-nocookie.com/embed/ou8w0gQHlRE"


def add_film(app):
    with app.app_context():
        db.session.add(
            Film(
                title="Назад в будущее",
                year=1985,
                kinopoisk_id=476,
                rating=8.6,
                trailer_url=EMBED,
                description="Марти попадает в 1955 год.",
            )
        )
        db.session.commit()


@pytest.fixture(scope="module")
def site(tmp_path_factory, make_httpserver):
    with e2e_site(tmp_path_factory.mktemp("film"), make_httpserver.url_for("").rstrip("/"), prepare=add_film) as server:
        yield server


def test_the_trailer_loads_from_youtube_only_after_the_click(site, browser):
    context = browser.new_context()
    outside: list[str] = []
    site_host = urlsplit(site.url).netloc

    def intercept(route):
        url = route.request.url
        if urlsplit(url).netloc == site_host:
            return route.continue_()
        outside.append(url)
        if urlsplit(url).netloc == "www.youtube-nocookie.com":
            return route.fulfill(
                status=200, content_type="text/html", body="<!doctype html><title>player</title><p>player</p>"
            )
        return route.abort()

    context.route("**/*", intercept)
    violations: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(site.url + "/films/1")
    page.wait_for_load_state("networkidle")
    assert page.locator("#trailer-play").is_visible()
    assert page.locator("iframe").count() == 0
    assert not [url for url in outside if "youtube" in url], outside  # nothing left for YouTube before the click

    page.click("#trailer-play")
    frame = page.locator("iframe#trailer-frame")
    frame.wait_for(timeout=5000)
    assert frame.get_attribute("src") == EMBED + "?autoplay=1"
    page.wait_for_function("() => document.querySelector('#trailer-frame').contentDocument === null", timeout=5000)
    assert [url for url in outside if "youtube" in url] == [EMBED + "?autoplay=1"]
    assert page.frame_locator("#trailer-frame").locator("p").inner_text(timeout=5000) == "player"  # the CSP let it in
    assert violations == []
    context.close()


def test_rating_from_the_film_page_with_a_name(site, browser):
    page = browser.new_page()
    page.goto(site.url + "/films/1")
    page.fill('.rating-form input[name="name"]', "Марти")
    page.click('.score-buttons button[value="8"]')
    page.wait_for_url("**/films/1")
    assert "Оценка 8 сохранена." in page.inner_text("body")
    assert "Марти" in page.inner_text("#scores")
    assert page.locator('.score-buttons button[value="8"]').get_attribute("aria-pressed") == "true"
    page.click(".rating-remove button")
    page.wait_for_url("**/films/1")
    assert "Оценка убрана." in page.inner_text("body")
    page.close()


def test_on_a_desktop_each_heading_sits_right_above_its_content(site, browser):
    """At 1280 px no heading ends a column with its content in the next one (screenshot kept)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site.url + "/films/1")
        placed = page.evaluate("""() => [...document.querySelectorAll('#film h2')].map((heading) => {
            const own = heading.getBoundingClientRect(), next = heading.nextElementSibling.getBoundingClientRect();
            return {heading: heading.textContent.trim(), left: next.left - own.left, gap: next.top - own.bottom}; })""")
        assert len(placed) >= 5, placed
        for item in placed:
            assert abs(item["left"]) < 2 and 0 <= item["gap"] < 40, item
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "film-page-1280.png"), full_page=True)
    finally:
        page.close()


def test_want_to_watch_from_the_film_page_on_a_phone(site, browser):
    """A visitor without a name taps «Хочу посмотреть» with their name on a phone: the film is on
    their list, the page names them among who wants it, and a tap takes it off again."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site.url + "/films/1")
    form = page.locator(".want-form")
    assert form.locator("button.want").is_visible()
    box = form.locator("button.want").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # on the phone's screen
    form.locator('input[name="name"]').fill("Док")
    with page.expect_navigation():
        form.locator("button.want").tap()
    assert "в вашем списке «Хочу посмотреть»" in page.inner_text("body")
    assert "Док" in page.inner_text("#wanted-by")
    me = page.evaluate("() => fetch('/api/me/watchlist').then((r) => r.json())")
    assert [item["film"]["title"] for item in me["items"]] == ["Назад в будущее"]
    with page.expect_navigation():
        page.locator(".want-form.is-wanted button").tap()
    assert "Фильм убран из вашего списка." in page.inner_text("body")
    assert page.locator("#wanted-by").count() == 0
    context.close()
