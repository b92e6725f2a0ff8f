"""Bringing one's history in a real browser on a phone, against the real gunicorn: the member page's
upload form, the import page while matching, the preview with its counts and the score mapping,
confirming — in Russian and in English. The worker's due jobs run in the test process on the same
database (the matching itself is tested with the real worker in test_imports.py)."""

import pytest

from movie_lottery.extensions import db
from movie_lottery.models import Film
from movie_lottery.services import due_jobs

from .fakes.kinopoisk_api import API_KEY, FakeKinopoisk
from .helpers import build_app
from .servers import e2e_site
from .test_import_exports import letterboxd_zip
from .test_imports import CATALOGUE, HISTORY

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


def add_stalker(app):
    with app.app_context():
        db.session.add(Film(title="Сталкер", original_title="Stalker", year=1979))
        db.session.commit()


@pytest.fixture(scope="module")
def site(tmp_path_factory, make_httpserver):
    make_httpserver.clear()  # the session's one server: an earlier module's handlers would answer first
    FakeKinopoisk(make_httpserver).serve_catalogue(CATALOGUE)
    workdir = tmp_path_factory.mktemp("imports")
    with e2e_site(workdir, make_httpserver.url_for("").rstrip("/"), prepare=add_stalker) as server:
        server.worker_app = build_app(
            f"sqlite:///{workdir}/e2e.db",
            KINOPOISK_API_KEY=API_KEY,
            KINOPOISK_API_URL=make_httpserver.url_for("").rstrip("/"),
        )
        yield server


@pytest.mark.parametrize(
    ("locale", "name", "preview", "done"),
    [
        ("ru-RU", "Аня", "будет добавлено: 3 просмотренных, 3 оценок", "история добавлена"),
        ("en-US", "Anna", "will be added: 3 seen, 3 scores", "your history has been added"),
    ],
    ids=["ru", "en"],
)
def test_upload_preview_and_confirm_on_a_phone(site, browser, locale, name, preview, done):
    context = browser.new_context(viewport=PHONE, locale=locale)
    context.request.put(site.url + "/api/me", data={"name": name})
    member = context.request.get(site.url + "/api/me").json()["member"]["id"]
    page = context.new_page()
    page.goto(f"{site.url}/m/{member}")
    page.set_input_files(
        "#import-form input[type=file]",
        files=[
            {"name": "letterboxd.zip", "mimeType": "application/zip", "buffer": letterboxd_zip(**HISTORY).getvalue()}
        ],
    )
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/imports/*")
    assert page.locator("#import").get_attribute("data-status") == "matching"
    due_jobs.load_handlers()
    with site.worker_app.app_context():
        due_jobs.run_due(db.session)
    page.reload()
    assert page.locator("#import").get_attribute("data-status") == "preview"
    assert preview in page.locator("#will-add").inner_text()
    assert "½ ★ = 1" in page.locator("#score-mapping").inner_text()
    assert "Nowhere Film" in page.locator("#unmatched").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the phone
    page.click("#import-confirm")
    page.wait_for_load_state()
    assert page.locator("#import").get_attribute("data-status") == "done"
    assert done in page.locator("#import-status").inner_text().lower()
    context.close()
