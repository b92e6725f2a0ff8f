"""The group's time zone as people say it, in the group's language: «по Москве», «по Берлину»,
"Moscow time" — in Telegram announcements and reminders and in link previews; never
"Europe/Moscow"."""

from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from movie_lottery.services.nights.zones import dative_ru, spoken

from .test_nights import create


@pytest.mark.parametrize(
    ("city", "dative"),
    [
        ("Москва", "Москве"),
        ("Берлин", "Берлину"),
        ("Нью-Йорк", "Нью-Йорку"),
        ("Самара", "Самаре"),
        ("Дубай", "Дубаю"),
        ("Никосия", "Никосии"),
        ("Токио", "Токио"),
        ("UTC", "UTC"),
        ("Астрахань", None),
        ("Петропавловск-Камчатский", None),
        ("Kyiv", None),
        ("Азорские о-ва", None),
    ],
)
def test_russian_city_names_in_the_dative_or_left_as_they_are(city, dative):
    assert dative_ru(city) == dative


def test_the_zone_is_named_in_the_groups_language(app):
    with app.app_context():
        for locale, zone, said in (
            ("ru", "Europe/Moscow", "по Москве"),
            ("ru", "Europe/Berlin", "по Берлину"),
            ("en", "Europe/Moscow", "Moscow time"),
            ("ru", "Europe/Astrakhan", "(время: Астрахань)"),
        ):
            with force_locale(locale):
                assert spoken(ZoneInfo(zone)) == said
        with force_locale("ru"):
            assert spoken() == "по Москве"  # SITE_TIMEZONE's default


def test_link_previews_say_the_zone_as_people_do(client):
    night = create(client)
    page = client.get(f"/n/{night['id']}").get_data(as_text=True)
    assert "по Москве" in page.split('property="og:description" content="')[1].split('"')[0]
    assert "Europe/Moscow" not in page
    english = client.get(f"/n/{night['id']}?lang=en").get_data(as_text=True)
    assert "Moscow time" in english.split('property="og:description" content="')[1].split('"')[0]
