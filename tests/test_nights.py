"""Movie nights through HTTP on SQLite and Postgres: planning with a date poll or a fixed time,
RSVP with names, the creator's token (stored hashed), reschedule and cancel, the lists, the
live ETag, merges of members with answers, and the pages (PRG, link previews, constant SQL)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import Night, utcnow

from .helpers import ADMIN_TOKEN, csrf_token_from


def at(hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def create(client, expect=201, **body):
    body.setdefault("title", "Пятничное кино")
    if "date_options" not in body:
        body.setdefault("starts_at", at(48))
    response = client.post("/api/nights", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def rsvp(client, night, answer, expect=200, **extra):
    response = client.post(f"/api/nights/{night['id']}/rsvp", json={"answer": answer, **extra})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def start_passes(app, public_id):
    with app.app_context():
        db.session.execute(
            update(Night)
            .where(Night.public_id == public_id)
            .values(starts_at=utcnow() - timedelta(minutes=1), sort_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()


def test_a_fixed_night_has_the_documented_shape_and_a_hashed_token(app, client):
    night = create(client, place="У Ани, Ленина 5", reminders_minutes=[60, 1440])
    assert {
        "id",
        "url",
        "manage_token",
        "ics_url",
        "status",
        "starts_at",
        "rsvp",
        "my_rsvp",
        "film",
        "date_options",
        "place",
        "title",
    } <= set(night)
    assert night["status"] == "scheduled" and night["date_options"] == [] and night["film"] is None
    assert night["starts_at"].endswith("+03:00")  # the group's zone (Europe/Moscow by default)
    assert night["rsvp"] == {"going": [], "maybe": [], "no": []} and night["my_rsvp"] is None
    assert night["url"].endswith(f"/n/{night['id']}") and night["ics_url"].endswith(f"/n/{night['id']}.ics")
    assert night["reminders_minutes"] == [1440, 60]
    with app.app_context():
        stored = db.session.scalar(select(Night))
        assert night["manage_token"] not in stored.manage_token_hash and len(stored.manage_token_hash) == 64


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x"},  # neither a time nor options
        {"title": "x", "starts_at": at(5), "date_options": [at(6), at(7)]},  # both
        {"title": "x", "starts_at": at(-1)},  # in the past
        {"title": "x", "starts_at": "2030-01-01T20:00:00"},  # no offset
        {"title": "x", "date_options": [at(5)]},  # one option
        {"title": "x", "date_options": [at(h) for h in range(5, 13)]},  # eight
        {"title": "x", "date_options": [at(5), at(5)]},  # the same twice
        {"title": "x", "starts_at": at(5), "reminders_minutes": [0]},
        {"title": "x", "starts_at": at(5), "reminders_minutes": [10081]},
        {"title": "", "starts_at": at(5)},
        {"title": "x", "starts_at": at(5), "lottery_id": "nope"},
        {"title": "x", "starts_at": at(5), "film_id": 99999},
        {"title": "x", "starts_at": at(5), "film_id": 1, "poll_id": "abc"},
    ],
)
def test_bad_nights_are_refused_with_the_error_shape(client, body):
    response = client.post("/api/nights", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_rsvp_names_counts_name_in_the_same_step_and_changes(app, client):
    night = create(client)
    refused = rsvp(client, night, "going", expect=422)
    assert refused["error"]["code"] == "name_required"
    body = rsvp(client, night, "going", name="Аня")
    assert body["rsvp"]["going"] == ["Аня"] and body["my_rsvp"] == "going"
    assert client.get("/api/me").get_json()["member"]["name"] == "Аня"
    friend = app.test_client()
    rsvp(friend, night, "maybe", name="Боря")
    body = rsvp(client, night, "no")  # changed, not added
    assert body["rsvp"] == {"going": [], "maybe": ["Боря"], "no": ["Аня"]}
    assert body["rsvp_counts"] == {"going": 0, "maybe": 1, "no": 1}
    assert friend.get(f"/api/nights/{night['id']}").get_json()["my_rsvp"] == "maybe"
    start_passes(app, night["id"])
    late = rsvp(client, night, "going", expect=409)
    assert late["error"]["code"] == "night_started"
    assert client.get(f"/api/nights/{night['id']}").get_json()["status"] == "past"


def test_the_date_poll_then_the_creator_picks_a_time(app, client):
    night = create(client, date_options=[at(30), at(54), at(78)])
    assert night["status"] == "planning" and night["starts_at"] is None
    options = [o["id"] for o in night["date_options"]]
    friend = app.test_client()
    response = client.post(f"/api/nights/{night['id']}/availability", json={"option_ids": options[:2], "name": "Аня"})
    assert response.status_code == 200
    response = friend.post(f"/api/nights/{night['id']}/availability", json={"option_ids": [options[1]], "name": "Боря"})
    body = response.get_json()
    assert [o["count"] for o in body["date_options"]] == [1, 2, 0]
    assert body["date_options"][1]["members"] == ["Аня", "Боря"] and body["best_option_ids"] == [options[1]]
    assert body["my_options"] == [options[1]]
    bad = friend.post(f"/api/nights/{night['id']}/availability", json={"option_ids": [999999]})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "unknown_option"
    for headers, status in (({}, 403), (bearer("wrong"), 403)):
        assert (
            client.post(
                f"/api/nights/{night['id']}/schedule", json={"option_id": options[1]}, headers=headers
            ).status_code
            == status
        )
    scheduled = client.post(
        f"/api/nights/{night['id']}/schedule", json={"option_id": options[1]}, headers=bearer(night["manage_token"])
    )
    assert scheduled.status_code == 200, scheduled.get_json()
    body = scheduled.get_json()
    assert body["status"] == "scheduled" and body["starts_at"] == body["date_options"][1]["starts_at"]
    late = friend.post(f"/api/nights/{night['id']}/availability", json={"option_ids": [options[0]]})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "night_not_planning"


def test_reschedule_and_cancel_by_the_creator_or_the_admin(client):
    night = create(client)
    moved = client.post(f"/api/nights/{night['id']}/schedule", json={"starts_at": at(72)}, headers=bearer(ADMIN_TOKEN))
    assert moved.status_code == 200 and moved.get_json()["starts_at"] != night["starts_at"]
    past = client.post(f"/api/nights/{night['id']}/schedule", json={"starts_at": at(-2)}, headers=bearer(ADMIN_TOKEN))
    assert past.status_code == 422
    assert client.post(f"/api/nights/{night['id']}/cancel").status_code == 403
    cancelled = client.post(f"/api/nights/{night['id']}/cancel", headers=bearer(night["manage_token"]))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert rsvp(client, night, "going", expect=409, name="Аня")["error"]["code"] == "night_cancelled"
    assert (
        client.post(
            f"/api/nights/{night['id']}/schedule", json={"starts_at": at(80)}, headers=bearer(night["manage_token"])
        ).status_code
        == 409
    )


def test_the_lists_are_upcoming_first_then_past_keyset_paged(app, client):
    made = [create(client, title=f"Вечер {n}", starts_at=at(10 + n)) for n in range(5)]
    start_passes(app, made[0]["id"])
    page = client.get("/api/nights?when=upcoming&limit=2").get_json()
    assert [n["title"] for n in page["items"]] == ["Вечер 1", "Вечер 2"]
    rest = client.get(f"/api/nights?when=upcoming&limit=5&cursor={page['next_cursor']}").get_json()
    assert [n["title"] for n in rest["items"]] == ["Вечер 3", "Вечер 4"] and rest["next_cursor"] is None
    assert [n["title"] for n in client.get("/api/nights?when=past").get_json()["items"]] == ["Вечер 0"]
    assert client.get("/api/nights?when=later").status_code == 400
    assert client.get("/api/nights?cursor=bad").status_code == 400


def test_an_unchanged_night_is_a_304(client):
    night = create(client)
    first = client.get(f"/api/nights/{night['id']}")
    etag = first.headers["ETag"]
    assert client.get(f"/api/nights/{night['id']}", headers={"If-None-Match": etag}).status_code == 304
    rsvp(client, night, "going", name="Аня")
    assert client.get(f"/api/nights/{night['id']}", headers={"If-None-Match": etag}).status_code == 200
    assert client.get("/api/nights/nope").status_code == 404


def test_merging_members_keeps_the_latest_answer_and_deleting_keeps_it_anonymous(app, client, admin_client, csrf):
    night = create(client)
    laptop = app.test_client()
    rsvp(client, night, "going", name="Аня")
    rsvp(laptop, night, "no", name="Аня с ноутбука")  # later
    assert rsvp(client, night, "going")["rsvp_counts"]["going"] == 1
    rsvp(laptop, night, "maybe")  # the latest of all
    code = client.post("/api/me/device-code").get_json()["code"]
    laptop_member = laptop.get("/api/me").get_json()["member"]
    assert laptop.post(f"/api/join/{code}").status_code == 200
    body = client.get(f"/api/nights/{night['id']}").get_json()
    assert body["rsvp"] == {"going": [], "maybe": ["Аня"], "no": []} and body["my_rsvp"] == "maybe"
    assert laptop.get("/api/me").get_json()["member"]["id"] != laptop_member["id"]
    me = client.get("/api/me").get_json()["member"]
    assert admin_client.post(f"/admin/members/{me['id']}/delete", data={"csrf_token": csrf}).status_code == 303
    body = client.get(f"/api/nights/{night['id']}").get_json()
    assert body["rsvp"]["maybe"] == [] and body["rsvp_counts"]["maybe"] == 1 and body["my_rsvp"] is None


def test_pages_plan_answer_and_manage_with_prg(app, client):
    page = client.get("/nights")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    local = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/nights",
        data={
            "csrf_token": token,
            "title": "Кино у Ани",
            "mode": "fixed",
            "starts_at": local,
            "tz": "UTC",
            "reminders": ["1440", "60"],
        },
    )
    assert response.status_code == 303 and "/manage" in response.headers["Location"]
    manage = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Кино у Ани" in manage and "#" in manage and 'id="cancel-night"' in manage
    public_id = response.headers["Location"].split("/n/")[1].split("/")[0]
    with app.app_context():
        assert db.session.scalar(select(Night.starts_at)).strftime("%H:%M") == local[-5:]  # typed in UTC
    answered = client.post(f"/n/{public_id}/rsvp", data={"csrf_token": token, "answer": "going", "name": "Аня"})
    assert answered.status_code == 303
    page = client.get(f"/n/{public_id}").get_data(as_text=True)
    assert 'property="og:title"' in page and "по Москве" in page and "Аня" in page
    assert 'id="cancel-night"' not in page  # the friends' page has no controls
    stranger = app.test_client()
    stranger_token = csrf_token_from(stranger.get(f"/n/{public_id}").get_data(as_text=True))
    assert stranger.post(f"/n/{public_id}/cancel", data={"csrf_token": stranger_token}).status_code == 403
    assert client.post(f"/n/{public_id}/cancel", data={"csrf_token": token}).status_code == 303
    assert "Вечер отменён" in client.get(f"/n/{public_id}").get_data(as_text=True)
    assert "Cancelled" in client.get(f"/n/{public_id}?lang=en").get_data(as_text=True)


def test_the_night_page_costs_the_same_sql_however_many_answer(app, client, count_queries):
    night = create(client, date_options=[at(30), at(54)])
    client.get(f"/n/{night['id']}")

    def page_queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/n/{night['id']}").status_code == 200
        return counter.count

    few = page_queries()
    for n in range(6):
        friend = app.test_client()
        rsvp(friend, night, "going", name=f"Друг {n}")
        friend.post(f"/api/nights/{night['id']}/availability", json={"option_ids": [night["date_options"][0]["id"]]})
    assert page_queries() == few <= 6


def test_the_planner_offers_the_watchlist_and_a_lottery_link(app, client):
    from movie_lottery.models import Film

    with app.app_context():
        film = Film(title="Солярис", year=1972, watchlist_at=utcnow())
        db.session.add(film)
        db.session.commit()
        film_id = film.id
    lottery = client.post("/api/lotteries", json={"entries": [{"title": "Брат"}, {"title": "Брат 2"}]}).get_json()
    page = client.get("/nights").get_data(as_text=True)
    assert "Солярис (1972)" in page
    token = csrf_token_from(page)
    local = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    made = client.post(
        "/nights", data={"csrf_token": token, "title": "Из списка", "starts_at": local, "film_id": str(film_id)}
    )
    public_id = made.headers["Location"].split("/n/")[1].split("/")[0]
    assert client.get(f"/api/nights/{public_id}").get_json()["film"]["title"] == "Солярис"
    made = client.post(
        "/nights", data={"csrf_token": token, "title": "Лотерея", "starts_at": local, "watch": lottery["url"]}
    )
    public_id = made.headers["Location"].split("/n/")[1].split("/")[0]
    assert client.get(f"/api/nights/{public_id}").get_json()["film"] is None  # not drawn yet
    client.post(f"/api/lotteries/{lottery['id']}/draw")
    assert client.get(f"/api/nights/{public_id}").get_json()["film"]["title"].startswith("Брат")
    bad = client.post(
        "/nights", data={"csrf_token": token, "title": "Нет такой", "starts_at": local, "watch": "/l/nope"}
    )
    assert bad.status_code == 422 and "Не нашли такую лотерею" in bad.get_data(as_text=True)
    assert 'value="/l/nope"' in bad.get_data(as_text=True)  # what was typed comes back


def test_importing_a_backup_arms_the_upcoming_nights_reminders_again(tmp_path):
    from movie_lottery.dbsetup import upgrade_database
    from movie_lottery.models import DueJob

    from .helpers import build_app

    origin = build_app(f"sqlite:///{tmp_path}/origin.db")
    upgrade_database(origin)
    night = create(origin.test_client(), starts_at=at(30), reminders_minutes=[1440, 2880])  # 48 h before: past
    result = origin.test_cli_runner().invoke(args=["export", str(tmp_path / "backup.json.gz")])
    assert result.exit_code == 0, result.output
    target = build_app(f"sqlite:///{tmp_path}/target.db")
    result = target.test_cli_runner().invoke(args=["import", str(tmp_path / "backup.json.gz")])
    assert result.exit_code == 0 and "due jobs armed from the restored data: 3" in result.output, result.output
    with target.app_context():
        keys = sorted(db.session.scalars(select(DueJob.key)))
    assert keys == ["night:1:remind:1440:s0", "night:1:watched:s0", "rate:night:1:request"]
    assert target.test_client().get(f"/api/nights/{night['id']}").status_code == 200


def test_a_night_that_has_started_cannot_be_rescheduled(app, client):
    night = create(client)
    start_passes(app, night["id"])
    moved = client.post(f"/api/nights/{night['id']}/schedule", json={"starts_at": at(24)}, headers=bearer(ADMIN_TOKEN))
    assert moved.status_code == 409 and moved.get_json()["error"]["code"] == "night_started"
    assert "rescheduled" in moved.get_json()["error"]["message"]
    token = csrf_token_from(client.get("/nights").get_data(as_text=True))
    with client.session_transaction() as session:
        session["night_tokens"] = {night["id"]: night["manage_token"]}
    manage = client.get(f"/n/{night['id']}/manage").get_data(as_text=True)
    assert 'id="cancel-night"' in manage and 'id="reschedule"' not in manage
    local = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        f"/n/{night['id']}/schedule", data={"csrf_token": token, "starts_at": local}, follow_redirects=True
    )
    assert "перенести его нельзя" in refused.get_data(as_text=True)
    assert client.get(f"/api/nights/{night['id']}").get_json()["status"] == "past"


def test_past_and_cancelled_nights_show_no_dead_controls(app, client):
    polled = create(client, date_options=[at(30), at(40)])
    fixed = create(client)
    rsvp(client, fixed, "going", name="Аня")
    live = client.get(f"/n/{fixed['id']}").get_data(as_text=True)
    assert 'id="rsvp-going"' in live and "disabled" not in live
    client.post(
        f"/api/nights/{polled['id']}/schedule",
        json={"option_id": polled["date_options"][0]["id"]},
        headers=bearer(polled["manage_token"]),
    )
    start_passes(app, fixed["id"])
    client.post(f"/api/nights/{create(client)['id']}/cancel", headers=bearer(ADMIN_TOKEN))
    cancelled = client.get("/api/nights?when=upcoming").get_json()["items"][-1]
    for public_id in (fixed["id"], polled["id"], cancelled["id"]):
        page = client.get(f"/n/{public_id}").get_data(as_text=True)
        assert "disabled" not in page and 'name="option_ids"' not in page, public_id
    past = client.get(f"/n/{fixed['id']}").get_data(as_text=True)
    assert 'id="rsvp-going"' not in past and "Аня" in past  # who came is still there
    assert 'id="rsvp-going"' not in client.get(f"/n/{cancelled['id']}").get_data(as_text=True)
