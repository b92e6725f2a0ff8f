"""The calendar files read right in the parsers calendar apps use, not only in icalendar: vobject
and Mozilla's ical.js (Thunderbird, Nextcloud). A 20:00 night in Moscow is 17:00 UTC in each of
them, and in Berlin nights on both sides of a clock change (and a year later) keep their own
offsets, in one night's file and in the feed."""

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from .test_nights import create

ICAL_JS = Path(__file__).parent / "ical"
NODE_TIMEOUT = 30


def ical_js_starts(body: bytes) -> dict[str, datetime]:
    assert (ICAL_JS / "node_modules" / "ical.js").is_dir(), (
        "ical.js is missing: run scripts/test.sh (npm ci --prefix tests/ical)"
    )
    done = subprocess.run(
        [shutil.which("node") or "node", str(ICAL_JS / "read.mjs")],
        input=body,
        capture_output=True,
        timeout=NODE_TIMEOUT,
        check=True,
        cwd=ICAL_JS,
    )
    return {e["uid"]: datetime.fromisoformat(e["start"].replace("Z", "+00:00")) for e in json.loads(done.stdout)}


def vobject_starts(body: bytes) -> dict[str, datetime]:
    calendar = vobject.readOne(body.decode())
    return {e.uid.value: e.dtstart.value.astimezone(timezone.utc) for e in calendar.vevent_list}


def icalendar_starts(body: bytes) -> dict[str, datetime]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e.decoded("DTSTART").astimezone(timezone.utc) for e in calendar.walk("VEVENT")}


PARSERS = {"icalendar": icalendar_starts, "vobject": vobject_starts, "ical.js": ical_js_starts}


def assert_read_right(body: bytes, expected: dict[str, datetime]) -> None:
    for name, read in PARSERS.items():
        found = read(body)
        wrong = {uid: (found.get(uid), when) for uid, when in expected.items() if found.get(uid) != when}
        assert not wrong, f"{name} reads (found, expected): {wrong}"


def next_change(zone: ZoneInfo, after: date) -> date:
    """The first day after `after` whose noon has another UTC offset than the day before's."""
    day = after
    while True:
        before = datetime.combine(day, datetime.min.time(), zone).replace(hour=12).utcoffset()
        day += timedelta(days=1)
        if datetime.combine(day, datetime.min.time(), zone).replace(hour=12).utcoffset() != before:
            return day


def at_local(zone: ZoneInfo, day: date, hour: int = 20) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def plan(client, when: datetime, **body) -> dict:
    return create(client, starts_at=when.isoformat(), **body)


def uid(night: dict) -> str:
    return f"night-{night['id']}@movie-lottery"


def test_a_moscow_night_reads_at_its_hour_everywhere(app, client):
    zone = ZoneInfo("Europe/Moscow")
    when = at_local(zone, date.today() + timedelta(days=10))
    night = plan(client, when)
    assert_read_right(client.get(f"/n/{night['id']}.ics").get_data(), {uid(night): when.astimezone(timezone.utc)})
    assert when.astimezone(timezone.utc).hour == 17


def test_berlin_nights_across_clock_changes_read_right_everywhere(sqlite_app):
    app = sqlite_app(SITE_TIMEZONE="Europe/Berlin")
    from movie_lottery.dbsetup import upgrade_database

    upgrade_database(app)
    client = app.test_client()
    zone = ZoneInfo("Europe/Berlin")
    change = next_change(zone, date.today() + timedelta(days=4))
    following = next_change(zone, change + timedelta(days=2))
    days = [
        change - timedelta(days=3),
        change + timedelta(days=3),
        following + timedelta(days=2),
        following + timedelta(days=200),
        following + timedelta(days=400),
    ]
    made = {
        uid(plan(client, at_local(zone, day), title=str(day))): at_local(zone, day).astimezone(timezone.utc)
        for day in days
    }
    assert len({when.hour for when in made.values()}) == 2  # summer and winter time both there
    across = create(client, date_options=[at_local(zone, days[0]).isoformat(), at_local(zone, days[1]).isoformat()])
    made[uid(across)] = at_local(zone, days[0]).astimezone(timezone.utc)  # a date poll sits at its first option
    assert_read_right(client.get("/calendar.ics").get_data(), made)
    for night_uid, when in made.items():
        public_id = night_uid.split("@")[0].removeprefix("night-")
        assert_read_right(client.get(f"/n/{public_id}.ics").get_data(), {night_uid: when})
