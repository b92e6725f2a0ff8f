"""Members in a real browser against the real gunicorn (issue 29): the admin's list of members
fits a 360 px phone (no sideways scrolling, every control on screen), and /me lists the
member's devices with a button that signs one out."""

import pytest
import requests

from .browser import log_in_as_admin
from .servers import migrated_site
from .test_e2e_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e_members")
    with migrated_site(f"sqlite:///{workdir}/e2e.db", workdir / "gunicorn.log") as server:
        yield server


def named_visitor(site, name: str) -> requests.Session:
    visitor = requests.Session()
    response = visitor.put(f"{site.url}/api/me", json={"name": name}, timeout=10)
    response.raise_for_status()
    return visitor


def test_the_admins_members_list_fits_a_small_phone(site, browser):
    for who in ("Анастасия Владимировна Длиннофамильная", "Боря", "Вера с очень длинным ником"):
        named_visitor(site, who)
    page = browser.new_page(viewport=SMALL_PHONE, bypass_csp=True)  # the site's CSP forbids the injected axe
    try:
        log_in_as_admin(page, site)
        page.goto(site.url + "/admin/members")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.querySelector('main').scrollWidth]")
        assert max(widths) <= SMALL_PHONE["width"], widths
        controls = page.locator("#members-admin input:not([type=hidden]), #members-admin select, #members-admin button")
        assert controls.count() == 15  # each of 3 members: the name, rename, whom to merge into, merge, delete
        for index in range(controls.count()):
            box = controls.nth(index).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"], (index, box)
        assert violations(page) == []
    finally:
        page.close()


def test_me_lists_devices_and_signs_one_out(site, browser):
    context = browser.new_context(viewport=SMALL_PHONE, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(site.url + "/me")
        page.fill("#member-name", "Оля")
        page.click(".name-form button[type=submit]")
        page.wait_for_selector("#devices")
        other = named_visitor(site, "Оля-временно")
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        code = requests.post(f"{site.url}/api/me/device-code", cookies=cookies, timeout=10).json()["code"]
        assert other.post(f"{site.url}/api/join/{code}", timeout=10).status_code == 200
        page.reload()
        rows = page.locator("ul.devices li")
        assert rows.count() == 2 and "это устройство" in rows.nth(0).inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
        assert violations(page) == []
        rows.nth(1).get_by_role("button", name="Выйти на этом устройстве").click()
        page.wait_for_selector(".flash-success")
        assert page.locator("ul.devices li").count() == 1
        assert other.get(f"{site.url}/api/me", timeout=10).json() == {"member": None}
    finally:
        context.close()
