"""The night forms without the API: each typed time is read in the visitor's own time zone (the
browser's IANA name goes with the form), so times on the other side of a clock change keep their
hour; a refused form comes back (422) with everything typed, showing the fields of its mode; the
planner sits above the list."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Night, NightOption, as_utc

from .helpers import csrf_token_from
from .test_nights_ics_parsers import next_change

BERLIN = ZoneInfo("Europe/Berlin")


def typed(day: date, hour: int = 20) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"


def instant(day: date, hour: int = 20) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(timezone.utc)


def post_night(client, **form):
    token = csrf_token_from(client.get("/nights").get_data(as_text=True))
    return client.post("/nights", data={"csrf_token": token, "title": "Кино", **form})


def test_each_typed_time_keeps_its_own_offset_across_a_clock_change(app, client):
    change = next_change(BERLIN, date.today() + timedelta(days=3))
    before, after = change - timedelta(days=2), change + timedelta(days=5)
    assert instant(before).hour != instant(after).hour  # one in winter, one in summer time (or back)
    fixed = post_night(client, mode="fixed", starts_at=typed(after), tz="Europe/Berlin")
    assert fixed.status_code == 303, fixed.get_data(as_text=True)[:500]
    poll = post_night(
        client, title="Опрос", mode="poll", date_options=[typed(before), typed(after)], tz="Europe/Berlin"
    )
    assert poll.status_code == 303
    with app.app_context():
        assert as_utc(db.session.scalar(select(Night.starts_at).where(Night.title == "Кино"))) == instant(after)
        options = sorted(as_utc(t) for t in db.session.scalars(select(NightOption.starts_at)))
    assert options == [instant(before), instant(after)]

    # The creator moves the night to the other side of the change, from the manage page.
    manage = client.get(fixed.headers["Location"]).get_data(as_text=True)
    public_id = fixed.headers["Location"].split("/n/")[1].split("/")[0]
    moved = client.post(
        f"/n/{public_id}/schedule",
        data={"csrf_token": csrf_token_from(manage), "starts_at": typed(before, 21), "tz": "Europe/Berlin"},
    )
    assert moved.status_code == 303
    with app.app_context():
        assert as_utc(db.session.scalar(select(Night.starts_at).where(Night.public_id == public_id))) == instant(
            before, 21
        )


def test_a_missing_or_unknown_zone_means_the_groups_zone(app, client):
    day = date.today() + timedelta(days=5)
    for zone in (None, "Mars/Olympus", "../../etc/passwd", "x" * 300):
        response = post_night(
            client, title=f"Зона {zone!s:.10}", mode="fixed", starts_at=typed(day), **({"tz": zone} if zone else {})
        )
        assert response.status_code == 303, zone
    moscow = datetime(day.year, day.month, day.day, 20, tzinfo=ZoneInfo("Europe/Moscow")).astimezone(timezone.utc)
    with app.app_context():
        assert {as_utc(t) for t in db.session.scalars(select(Night.starts_at))} == {moscow}


def test_a_refused_form_comes_back_with_everything_typed(client):
    day = date.today() + timedelta(days=4)
    # The radio left on «Точное время» while the candidate times were typed.
    refused = post_night(
        client,
        title="Пятничное кино",
        place="У Ани",
        mode="fixed",
        starts_at="",
        date_options=[typed(day), typed(day + timedelta(days=1))],
        reminders=["60"],
        watch="",
        tz="Europe/Berlin",
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'value="Пятничное кино"' in page and 'value="У Ани"' in page
    assert f'value="{typed(day)}"' in page and f'value="{typed(day + timedelta(days=1))}"' in page
    assert 'id="mode-fixed" checked' in page and 'id="mode-poll" checked' not in page
    assert 'name="reminders" value="60" checked' in page and 'name="reminders" value="1440" checked' not in page
    assert "Выберите время или варианты" in page  # the reason, in the page
    assert page.index('id="night-form"') < page.index('id="upcoming"')  # the planner above the list
    again = post_night(client, title="", mode="poll", date_options=[typed(day)])
    assert again.status_code == 422 and 'id="mode-poll" checked' in again.get_data(as_text=True)


def test_the_planner_is_above_the_list_and_says_whose_zone(client):
    page = client.get("/nights").get_data(as_text=True)
    assert page.index('id="night-form"') < page.index('id="upcoming"')
    assert 'name="tz"' in page and 'name="tz_offset"' not in page
