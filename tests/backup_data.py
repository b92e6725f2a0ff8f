"""A database with a row in every table a backup holds, made through the site's own paths
(the JSON API and the services), for the backup tests."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Lottery, NightMessage, Poll, PollMessage, RatingMessage
from movie_lottery.services.library import badges
from movie_lottery.services.torrents import downloads, magnets
from movie_lottery.services import library, members, nights, notifications
from movie_lottery.services.polls import telegram as poll_telegram
from movie_lottery.services.backup.tables import backed_up
from movie_lottery.services.push import subscriptions as push_subscriptions

from .helpers import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MAGNET = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Stalker"


def fill(app) -> dict:
    """Films with badges, a magnet and a .torrent; drawn (single and eliminate) and undrawn
    lotteries; a poll with votes, a Telegram announcement and its lottery; subscribed chats; a
    device's Web Push subscription.
    Returns the public ids."""
    client = app.test_client()
    with app.app_context():
        stalker, _ = library.add_film(
            db.session,
            library.FilmData(
                title="Сталкер",
                original_title="Stalker",
                year=1979,
                kinopoisk_id=43911,
                rating=8.1,
                genres=("драма", "фантастика"),
                description="Зона & «комната».",
                poster_url="https://img.example.org/s.jpg",
            ),
        )
        solaris, _ = library.add_film(db.session, library.FilmData(title="Солярис", year=1972, genres=("драма",)))
        db.session.flush()
        badges.set_badges(stalker, watched_on=date(2026, 3, 1), favourite=True)
        badges.set_badges(solaris, watchlist=True, banned_until=date(2027, 1, 31))
        downloads.attach(db.session, stalker, magnets.parse_magnet(MAGNET), b"d8:announce0:4:infod4:name1:xee\x00\xff")
        notifications.set_subscription(db.session, -1001234567890, True, "Киноклуб")
        notifications.set_subscription(db.session, 4242, False, "Петя")
        push_subscriptions.subscribe(
            db.session,
            push_subscriptions.Owner(device="d:backup-phone"),
            "https://fcm.googleapis.com/fcm/send/backup-phone",
            "BLc4xRzKlKORKWlbdgFaBrrPK3ydWAHo4M0gs0i1oEKgPpWC5cW8OCzVrOQRv-1npXRWk8udnW3oYhIO4475rds",
            "8eDyX_uCN0XRhSbY5hs7Hg",
            ["polls", "results"],
            "en",
        )
        db.session.commit()
        stalker_id, solaris_id = stalker.id, solaris.id

    def lottery(body: dict, draw: bool) -> str:
        created = client.post("/api/lotteries", json=body)
        assert created.status_code == 201, created.get_json()
        public_id = created.get_json()["id"]
        if draw:
            assert client.post(f"/api/lotteries/{public_id}/draw").status_code == 200
        return public_id

    single = lottery(
        {
            "title": "Пятница",
            "entries": [
                {"title": "Сталкер", "year": 1979, "kinopoisk_id": 43911},
                {"title": "Зеркало", "year": 1974, "weight": 3},
            ],
        },
        True,
    )
    eliminate = lottery(
        {"mode": "eliminate", "entries": [{"title": t, "weight": w} for t, w in (("А", 1), ("Б", 2), ("В", 3))]}, True
    )
    undrawn = lottery({"entries": [{"title": "Иваново детство", "year": 1962}, {"title": "Ностальгия"}]}, False)

    poll = client.post(
        "/api/polls",
        json={
            "title": "Что смотрим?",
            "allow_suggestions": True,
            "entries": [{"film_id": stalker_id}, {"title": "Жертвоприношение"}],
        },
    )
    assert poll.status_code == 201, poll.get_json()
    poll = poll.get_json()
    assert client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": poll["entries"][1]["id"]}).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(Poll).where(Poll.public_id == poll["id"]))
        db.session.add(
            PollMessage(poll_id=row.id, chat_id="-1001234567890", message_id=77, shown=poll_telegram.state_of(row))
        )
        row.lottery_id = db.session.scalar(select(func.min(Lottery.id)))
        db.session.commit()

    # Members and movie nights: a named device with a join code, a date poll and a fixed night
    # answered from the site and from Telegram, and a night's Telegram announcement.
    assert client.put("/api/me", json={"name": "Аня"}).status_code == 200
    assert client.post("/api/me/device-code").status_code == 201
    evening = (datetime.now(timezone(timedelta(hours=3))) + timedelta(days=150)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    date_poll = client.post(
        "/api/nights",
        json={"title": "Когда?", "date_options": [evening.isoformat(), (evening + timedelta(days=1)).isoformat()]},
    ).get_json()
    assert (
        client.post(
            f"/api/nights/{date_poll['id']}/availability", json={"option_ids": [date_poll["date_options"][0]["id"]]}
        ).status_code
        == 200
    )
    fixed = client.post(
        "/api/nights",
        json={
            "title": "Кино у Ани",
            "starts_at": (evening + timedelta(days=7, minutes=30)).isoformat(),
            "place": "Ленина, 5",
            "film_id": stalker_id,
        },
    ).get_json()
    assert client.post(f"/api/nights/{fixed['id']}/rsvp", json={"answer": "going"}).status_code == 200
    with app.app_context():
        telegram_member = members.member_for_telegram(db.session, {"id": 4242, "first_name": "Петя"})
        night = nights.get_night(db.session, fixed["id"])
        nights.answer_rsvp(db.session, night, telegram_member.id, "maybe")
        db.session.add(NightMessage(night_id=night.id, chat_id="-1001234567890", message_id=78, shown="1:scheduled"))
        db.session.commit()

    # A member's score of the film and the bot's rating request about it; the film on their watchlist.
    assert client.put(f"/api/films/{stalker_id}/rating", json={"score": 9}).status_code == 200
    assert client.put(f"/api/me/watchlist/{solaris_id}").status_code == 200
    assert client.put(f"/api/me/seen/{stalker_id}").status_code == 200  # and their "seen" mark
    with app.app_context():
        db.session.add(RatingMessage(film_id=stalker_id, chat_id="-1001234567890", message_id=79, shown="1:9.0"))
        db.session.commit()
    return {"lotteries": [single, eliminate, undrawn], "drawn": [single, eliminate], "poll": poll["id"]}


def empty_tables(app) -> list[str]:
    """Tables a backup holds that `fill` left empty (each must have rows, or the round trip
    proves nothing about it)."""
    with app.app_context():
        return [t.name for t in backed_up(db.metadata) if not db.session.scalar(select(func.count()).select_from(t))]


def export(app, path: Path) -> str:
    result = app.test_cli_runner().invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    return read(path)


def read(path: Path) -> str:
    import gzip

    data = path.read_bytes()
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8")


def without_export_time(document: str) -> str:
    header = json.loads(document.split("\n", 1)[0].removesuffix('"tables":[').rstrip(",") + "}")
    assert header["exported_at"]
    return re.sub(r'"exported_at":"[^"]*"', '"exported_at":"-"', document, count=1)
