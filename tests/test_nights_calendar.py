"""The calendar files, parsed back with icalendar: one night and the subscription feed; UID
stable, SEQUENCE growing with each reschedule, STATUS:CANCELLED, the time zone and the film."""

from datetime import timedelta

import icalendar
from sqlalchemy import update

from movie_lottery.extensions import db
from movie_lottery.models import Film, Night, utcnow

from .helpers import ADMIN_TOKEN
from .test_nights import at, bearer, create


def events(response) -> list:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    assert str(calendar["VERSION"]) == "2.0" and "movie_lottery" in str(calendar["PRODID"])
    return calendar.walk("VEVENT")


def test_one_night_with_its_film_place_zone_and_growing_sequence(app, client):
    with app.app_context():
        film = Film(title="Сталкер", year=1979)
        db.session.add(film)
        db.session.commit()
        film_id = film.id
    assert client.put("/api/me", json={"name": "Аня"}).status_code == 200  # a member: the place is theirs to see
    night = create(client, title="Тарковский", place="У Ани", film_id=film_id)
    (event,) = events(client.get(f"/n/{night['id']}.ics"))
    uid = str(event["UID"])
    assert str(event["SUMMARY"]) == "Тарковский" and str(event["LOCATION"]) == "У Ани"
    assert "Сталкер (1979)" in str(event["DESCRIPTION"]) and str(event["URL"]) == night["url"]
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Moscow" and start.isoformat() == night["starts_at"]
    assert event.decoded("DTEND") - start == timedelta(hours=3)
    assert event.decoded("SEQUENCE") == 0 and str(event["STATUS"]) == "CONFIRMED" and "DTSTAMP" in event
    for hours in (60, 70):
        client.post(f"/api/nights/{night['id']}/schedule", json={"starts_at": at(hours)}, headers=bearer(ADMIN_TOKEN))
    (event,) = events(client.get(f"/n/{night['id']}.ics"))
    assert str(event["UID"]) == uid and event.decoded("SEQUENCE") == 2
    client.post(f"/api/nights/{night['id']}/cancel", headers=bearer(night["manage_token"]))
    (event,) = events(client.get(f"/n/{night['id']}.ics"))
    assert str(event["STATUS"]) == "CANCELLED" and event.decoded("SEQUENCE") == 3 and str(event["UID"]) == uid
    assert client.get("/n/nope.ics").status_code == 404


def test_the_feed_has_upcoming_and_last_month_nights_only(app, client):
    upcoming = create(client, title="Скоро")
    planning = create(client, title="Выбираем", date_options=[at(30), at(40)])
    recent, old = create(client, title="Недавно"), create(client, title="Давно")
    with app.app_context():
        for public_id, days in ((recent["id"], 3), (old["id"], 45)):
            when = utcnow() - timedelta(days=days)
            db.session.execute(update(Night).where(Night.public_id == public_id).values(starts_at=when, sort_at=when))
        db.session.commit()
    found = {str(e["SUMMARY"]): e for e in events(client.get("/calendar.ics"))}
    assert set(found) == {"Скоро", "Выбираем", "Недавно"}
    assert str(found["Выбираем"]["STATUS"]) == "TENTATIVE"
    assert len({str(e["UID"]) for e in found.values()}) == 3
    assert upcoming["id"] in str(found["Скоро"]["UID"]) and planning["id"] in str(found["Выбираем"]["UID"])


def test_the_feed_costs_the_same_sql_however_many_nights_have_films(app, client, count_queries):
    with app.app_context():
        films = [Film(title=f"Фильм {n}", year=2000 + n) for n in range(6)]
        db.session.add_all(films)
        db.session.commit()
        film_ids = [f.id for f in films]
    lottery = client.post("/api/lotteries", json={"entries": [{"title": "Брат"}, {"title": "Брат 2"}]}).get_json()
    client.post(f"/api/lotteries/{lottery['id']}/draw")
    create(client, title="С лотереей", lottery_id=lottery["id"])

    def feed_queries() -> int:
        with count_queries() as counter:
            events(client.get("/calendar.ics"))
        return counter.count

    create(client, title="Первый", film_id=film_ids[0])
    few = feed_queries()
    for film_id in film_ids[1:]:
        create(client, title="Ещё", film_id=film_id)
    assert feed_queries() == few


def test_sequence_grows_when_a_date_poll_gets_its_date_and_with_every_change(client):
    night = create(client, title="Выбираем", date_options=[at(30), at(40)])
    (event,) = events(client.get(f"/n/{night['id']}.ics"))
    assert event.decoded("SEQUENCE") == 0 and str(event["STATUS"]) == "TENTATIVE"
    token = bearer(night["manage_token"])
    steps = [
        ("schedule", {"option_id": night["date_options"][1]["id"]}, "CONFIRMED"),  # planning -> scheduled
        ("schedule", {"starts_at": at(50)}, "CONFIRMED"),
        ("cancel", None, "CANCELLED"),
    ]
    for sequence, (action, body, status) in enumerate(steps, start=1):
        assert client.post(f"/api/nights/{night['id']}/{action}", json=body, headers=token).status_code == 200
        (event,) = events(client.get(f"/n/{night['id']}.ics"))
        assert (event.decoded("SEQUENCE"), str(event["STATUS"])) == (sequence, status), action
