"""A member's devices on /me (issue 29): each with its browser and when it was last seen, and a
way to end it — a copied voter cookie stops being the member on its next request, in every
process, since the link lives in the database. Last seen is written at most once per
devices.SEEN_EVERY, not on every request."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import MemberDevice, utcnow
from movie_lottery.services.members import devices

from .helpers import build_app, csrf_token_from
from .test_members import device_code, name, new_poll, poll_votes, vote

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"


def browser(app, user_agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def two_devices(app):
    """Аня on her phone, then on her laptop through a join code."""
    phone, laptop = browser(app, PHONE_UA), browser(app, LAPTOP_UA)
    member = name(phone, "Аня")
    code = device_code(phone)["code"]
    assert laptop.post(f"/api/join/{code}").status_code == 200
    return phone, laptop, member


def end_buttons(html: str) -> list[str]:
    return re.findall(r'action="(/me/devices/[^"]+/end)"', html)


def test_me_lists_the_devices_and_ending_one_from_another_ends_it_everywhere(app):
    phone, laptop, member = two_devices(app)
    poll = new_poll(phone)
    vote(phone, poll, 0)
    page = phone.get("/me").get_data(as_text=True)
    assert "Chrome" in page and "Android" in page and "Firefox" in page and "Linux" in page
    assert "это устройство" in page
    assert page.count("Выйти на этом устройстве") == 2 and len(end_buttons(page)) == 2

    listed = phone.get("/api/me/devices").get_json()["devices"]
    assert [d["current"] for d in listed].count(True) == 1
    laptop_entry = next(d for d in listed if not d["current"])
    assert "Firefox" in laptop_entry["label"] and laptop_entry["last_seen_at"]
    assert len(laptop_entry["id"]) == 16  # a digest: the device id itself (the cookie's content) never leaves

    # another process (a second app instance on the same database) serves the laptop from now on
    other_process = build_app(app.config["SQLALCHEMY_DATABASE_URI"]).test_client()
    other_process.set_cookie("voter", laptop.get_cookie("voter").value)
    assert other_process.get("/api/me").get_json()["member"]["id"] == member["id"]

    token = csrf_token_from(page)
    laptop_button = next(a for a in end_buttons(page) if laptop_entry["id"] in a)
    ended = phone.post(laptop_button, data={"csrf_token": token})
    assert ended.status_code == 303
    assert "Firefox" in phone.get("/me").get_data(as_text=True)  # the flash says which one ended
    assert other_process.get("/api/me").get_json() == {"member": None}
    assert laptop.get("/api/me").get_json() == {"member": None}
    assert "Как вас зовут?" in laptop.get("/me").get_data(as_text=True)
    assert phone.get("/api/me").get_json()["member"]["id"] == member["id"]  # the phone goes on
    assert len(phone.get("/api/me/devices").get_json()["devices"]) == 1
    vote(laptop, poll, 1)  # now an anonymous browser like any other: it cannot change Аня's vote
    assert poll_votes(phone, poll) == [1, 1, 0]


def test_the_api_ends_a_device_and_nobody_else_can(app):
    phone, laptop, _member = two_devices(app)
    stranger = browser(app, LAPTOP_UA)
    name(stranger, "Боря")
    laptop_id = next(d["id"] for d in phone.get("/api/me/devices").get_json()["devices"] if not d["current"])
    refused = stranger.delete(f"/api/me/devices/{laptop_id}")
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    page = stranger.get("/me").get_data(as_text=True)
    assert stranger.post(f"/me/devices/{laptop_id}/end", data={"csrf_token": csrf_token_from(page)}).status_code == 303
    assert laptop.get("/api/me").get_json()["member"]["name"] == "Аня"  # still hers
    assert phone.post(f"/me/devices/{laptop_id}/end").status_code == 400  # without the CSRF token
    assert laptop.get("/api/me").get_json()["member"]["name"] == "Аня"
    assert app.test_client().get("/api/me/devices").status_code == 422  # no member, no devices
    assert phone.delete(f"/api/me/devices/{laptop_id}").status_code == 204
    assert laptop.get("/api/me").get_json() == {"member": None}
    assert phone.delete(f"/api/me/devices/{laptop_id}").status_code == 404  # ended already


def test_a_device_can_end_itself(app):
    phone, laptop, _member = two_devices(app)
    mine = next(d["id"] for d in laptop.get("/api/me/devices").get_json()["devices"] if d["current"])
    assert laptop.delete(f"/api/me/devices/{mine}").status_code == 204
    assert laptop.get("/api/me").get_json() == {"member": None}
    assert phone.get("/api/me").get_json()["member"]["name"] == "Аня"


def seen_at(app, device_count=2):
    with app.app_context():
        rows = db.session.execute(
            select(MemberDevice.device_id, MemberDevice.last_seen_at, MemberDevice.user_agent)
            .where(MemberDevice.member_id.is_not(None))
            .order_by(MemberDevice.device_id)
        ).all()
    assert len(rows) == device_count
    return {row.device_id: (row.last_seen_at, row.user_agent) for row in rows}


def test_last_seen_is_written_at_most_once_per_interval(app):
    phone, laptop, _member = two_devices(app)
    first = seen_at(app)
    assert all(seen is not None and agent for seen, agent in first.values())  # named and joined: recorded
    for _ in range(3):
        assert laptop.get("/api/me").status_code == 200
        assert phone.get("/me").status_code == 200
    assert seen_at(app) == first  # within the interval: no write per request
    with app.app_context():
        db.session.execute(
            update(MemberDevice).values(last_seen_at=utcnow() - devices.SEEN_EVERY - timedelta(seconds=5))
        )
        db.session.commit()
    laptop.environ_base["HTTP_USER_AGENT"] = PHONE_UA  # the laptop's browser now says something else
    assert laptop.get("/api/me").status_code == 200
    later = seen_at(app)
    moved = [device for device in later if later[device][0] > first[device][0] - timedelta(seconds=1)]
    assert len(moved) == 1 and later[moved[0]][1] == PHONE_UA


def test_browser_labels_are_short_and_safe():
    assert devices.describe(PHONE_UA) == "Chrome, Android"
    assert devices.describe(LAPTOP_UA) == "Firefox, Linux"
    assert (
        devices.describe(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
        )
        == "Safari, iPhone"
    )
    assert (
        devices.describe(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
        )
        == "Edge, Windows"
    )
    assert devices.describe(None) is None and devices.describe("") is None
    assert devices.describe("<script>alert(1)</script>") is None
    assert devices.describe("x" * 10_000) is None
