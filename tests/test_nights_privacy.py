"""A night's place (often a home address) is for members only: a device whose member has a
name, a Telegram account that pressed a button, and a member's personal calendar feed
(/calendar/<secret>.ics). Anonymous visitors — the public feed, the lists, the pages, the API,
the .ics files, link previews and Web Push texts — never see it; a wrong or reset secret is a 404."""

import re

import icalendar

from movie_lottery.extensions import db
from movie_lottery.models import Notification

from .helpers import csrf_token_from
from .test_nights import at, bearer, create

PLACE = "Ленина 5, кв. 12"


def events(response) -> list:
    assert response.status_code == 200 and response.mimetype == "text/calendar", response.status_code
    return icalendar.Calendar.from_ical(response.get_data()).walk("VEVENT")


def anonymous_surfaces(client, night) -> dict[str, str]:
    public_id = night["id"]
    return {
        path: client.get(path).get_data(as_text=True)
        for path in (
            "/calendar.ics",
            "/nights",
            "/api/nights",
            "/api/nights?when=upcoming",
            f"/n/{public_id}",
            f"/n/{public_id}.ics",
            f"/api/nights/{public_id}",
            f"/n/{public_id}/manage",
        )
    }


def named(app, name="Аня"):
    member = app.test_client()
    assert member.put("/api/me", json={"name": name}).status_code == 200
    return member


def feed_url(client) -> str:
    page = client.get("/me").get_data(as_text=True)
    found = re.search(r'value="(https?://[^"]+/calendar/[^"]+\.ics)"', page)
    return found.group(1) if found else ""


def new_feed(client) -> str:
    token = csrf_token_from(client.get("/me").get_data(as_text=True))
    assert client.post("/me/calendar", data={"csrf_token": token}).status_code == 303
    url = feed_url(client)
    assert url, "the /me page shows the personal feed's address"
    return url.split("://", 1)[1].split("/", 1)[1]  # the path


def test_anonymous_visitors_never_see_the_place(app, client):
    night = create(client, place=PLACE)
    planning = create(client, place=PLACE, date_options=[at(30), at(40)])
    stranger = app.test_client()
    for surface, body in anonymous_surfaces(stranger, night).items():
        assert PLACE not in body and "Ленина" not in body, surface
    for path in (f"/n/{planning['id']}", f"/n/{planning['id']}.ics", f"/api/nights/{planning['id']}"):
        assert "Ленина" not in stranger.get(path).get_data(as_text=True), path
    (event,) = [e for e in events(stranger.get("/calendar.ics")) if night["id"] in str(e["UID"])]
    assert "LOCATION" not in event
    page = stranger.get(f"/n/{night['id']}").get_data(as_text=True)
    preview = re.search(r'property="og:description" content="([^"]*)"', page).group(1)
    assert "Ленина" not in preview
    assert stranger.get(f"/api/nights/{night['id']}").get_json()["place"] is None


def test_a_member_sees_the_place_and_link_previews_never_carry_it(app, client):
    night = create(client, place=PLACE)
    member = named(app)
    assert member.get(f"/api/nights/{night['id']}").get_json()["place"] == PLACE
    assert [n["place"] for n in member.get("/api/nights").get_json()["items"]] == [PLACE]
    page = member.get(f"/n/{night['id']}").get_data(as_text=True)
    assert PLACE in page.split('property="og:description"')[1].split(">", 1)[1]  # in the page, not the preview
    assert "Ленина" not in re.search(r'property="og:description" content="([^"]*)"', page).group(1)
    (event,) = events(member.get(f"/n/{night['id']}.ics"))
    assert str(event["LOCATION"]) == PLACE
    # The one who made it (their management token) sees what they typed.
    assert client.get(f"/api/nights/{night['id']}", headers=bearer(night["manage_token"])).get_json()["place"] == PLACE
    assert night["place"] == PLACE  # the creation's answer


def test_the_personal_feed_shows_the_place_and_a_reset_secret_is_gone(app, client):
    night = create(client, place=PLACE)
    member = named(app)
    assert "/calendar/" not in feed_url(app.test_client())  # nobody's feed on an anonymous /me
    path = new_feed(member)
    assert re.fullmatch(r"calendar/[A-Za-z0-9_-]{20,}\.ics", path), path
    assert new_feed(named(app, "Боря")) != path  # one secret per member
    stranger = app.test_client()  # the secret is the key: no cookie needed (a calendar app)
    (event,) = events(stranger.get("/" + path))
    assert str(event["LOCATION"]) == PLACE and night["id"] in str(event["UID"])
    assert stranger.get("/" + path).headers["Cache-Control"].startswith("private")
    assert feed_url(member).endswith(path)  # /me keeps showing it
    assert stranger.get("/calendar/" + "x" * 32 + ".ics").status_code == 404
    assert stranger.get("/calendar/.ics").status_code == 404

    reset = new_feed(member)
    assert reset != path
    assert stranger.get("/" + path).status_code == 404
    assert str(events(stranger.get("/" + reset))[0]["LOCATION"]) == PLACE


def test_a_personal_feed_goes_with_its_member(app, client, admin_client, csrf):
    member = named(app)
    path = new_feed(member)
    me = member.get("/api/me").get_json()["member"]
    assert admin_client.post(f"/admin/members/{me['id']}/delete", data={"csrf_token": csrf}).status_code == 303
    assert app.test_client().get("/" + path).status_code == 404


def test_web_push_texts_leave_the_place_out(app, client):
    from movie_lottery.services.push import messages

    night = create(client, place=PLACE)
    with app.app_context():
        announced = db.session.query(Notification).filter_by(kind="night_announced").one()
        assert night["id"] in str(announced.payload)
        body = messages.compose(db.session, announced, "ru").decode()
    assert "Ленина" not in body and "Киновечер" in body
