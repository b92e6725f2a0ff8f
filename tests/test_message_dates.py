"""Dates in what is sent out (pushes, Telegram texts) are written the way the reader's language
writes them (Babel), in the site's time zone: not 08.12.2030 for an English subscriber."""

from __future__ import annotations

import json

from flask_babel import force_locale
from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Notification
from movie_lottery.services.nights import telegram as night_telegram
from movie_lottery.services.push import messages

STARTS_AT = "2030-12-08T17:00:00+00:00"  # 20:00 in Moscow, the default site zone


def test_a_night_push_writes_its_date_in_the_subscribers_language(sqlite_app):
    app = sqlite_app()
    night = app.test_client().post("/api/nights", json={"title": "Кино", "starts_at": STARTS_AT})
    assert night.status_code == 201, night.get_json()
    with app.app_context():
        notification = db.session.scalar(select(Notification).where(Notification.kind == "night_announced"))
        english = json.loads(messages.compose(db.session, notification, "en"))
        russian = json.loads(messages.compose(db.session, notification, "ru"))
    english_text, russian_text = english["title"] + english["body"], russian["title"] + russian["body"]
    assert "08.12.2030" not in english_text and "Sun, Dec 8, 2030, 8:00" in english_text, english_text
    assert "вс, 8 дек. 2030\u202fг., 20:00" in russian_text, russian_text


def test_telegram_times_follow_the_language_they_are_written_in(sqlite_app):
    from datetime import datetime, timezone

    value = datetime(2030, 12, 8, 17, 0, tzinfo=timezone.utc)
    with sqlite_app().app_context():
        with force_locale("en"):
            english = night_telegram.when_text(value)
        with force_locale("ru"):
            russian = night_telegram.when_text(value)
    assert english == "Sun, Dec 8, 2030, 8:00\u202fPM" and russian == "вс, 8 дек. 2030\u202fг., 20:00"
