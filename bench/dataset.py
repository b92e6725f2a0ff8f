"""A throwaway Postgres database, migrated, filled with generated films and lotteries.

Rows go in through the models' tables in bulk (SQLAlchemy's executemany), so 10 000
films and 2 000 lotteries take seconds, not minutes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import psycopg
from sqlalchemy import insert, select

from movie_lottery.dbsetup import upgrade_database
from movie_lottery.extensions import db
from movie_lottery.models import Film, FilmRating, Lottery, LotteryEntry, Member, search_key
from movie_lottery.services import members, nights, polls
from movie_lottery.services.library import KNOWN_GENRES, film_data
from movie_lottery.services.ratings.scores import refresh_summaries
from tests.helpers import build_app

SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ENTRIES_PER_LOTTERY = 5
DRAW_TARGETS = 20  # undrawn lotteries kept for the concurrent-draw benchmark
CHUNK = 2000


@dataclass(frozen=True)
class Dataset:
    url: str
    films: int
    lotteries: int
    sample_lottery: str  # public id of an undrawn lottery (what viewers poll)
    sample_poll: str  # public id of an open poll of eight library films
    sample_night: str  # public id of a night voting on three dates, with friends' answers
    draw_targets: list[str]


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"ml_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def film_rows(count: int, rng: random.Random) -> list[dict]:
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(count):
        title = f"Фильм {i:05d} {rng.choice(('Ночь', 'Город', 'Путь', 'Море', 'Зима'))}"
        original = f"Film {i:05d}"
        rows.append(
            {
                "kinopoisk_id": 100_000 + i,
                "title": title,
                "original_title": original,
                "year": 1950 + i % 75,
                "poster_url": f"https://image.example.org/poster/{i}.jpg",
                "rating": round(rng.uniform(4, 9.5), 1),
                "genres": rng.sample(KNOWN_GENRES, 2),
                "description": "Описание фильма. " * 20,
                "search_text": search_key(title, original),
                "added_at": start + timedelta(minutes=i),
            }
        )
    return rows


def lottery_rows(count: int, film_ids: list[int], rng: random.Random) -> tuple[list[dict], list[list[dict]]]:
    lotteries, entries = [], []
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for i in range(count):
        seed = rng.randbytes(32)
        undrawn = i >= count - DRAW_TARGETS - 1
        position = None if undrawn else rng.randrange(ENTRIES_PER_LOTTERY)
        picked = rng.sample(film_ids, ENTRIES_PER_LOTTERY)
        lotteries.append(
            {
                "public_id": f"b{i:07d}",
                "title": f"Киновечер {i}",
                "created_at": start + timedelta(hours=i),
                "commitment": hashlib.sha256(seed).hexdigest(),
                "seed": seed,
                "drawn_at": None if undrawn else start + timedelta(hours=i, minutes=5),
                "winner_position": position,
                "winner_film_id": None if undrawn else picked[position],
            }
        )
        entries.append(
            [
                {
                    "position": p,
                    "weight": 1 + p % 3,
                    "title": f"Фильм {film_id:05d}",
                    "year": 1990 + p,
                    "poster_url": f"https://image.example.org/poster/{film_id}.jpg",
                    "kinopoisk_id": 100_000 + film_id,
                    "film_id": film_id,
                }
                for p, film_id in enumerate(picked)
            ]
        )
    return lotteries, entries


def rating_rows(count: int, film_ids: list[int], member_ids: list[int], rng: random.Random) -> list[dict]:
    """``count`` scores, one per (film, member): most go to a popular tenth of the films (as a
    group rates what it watched together), so members share films and taste twins exist."""
    popular = film_ids[: max(1, len(film_ids) // 10)]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    taste = {m: rng.uniform(-2, 2) for m in member_ids}  # each member's leaning
    seen: set[tuple[int, int]] = set()
    rows = []
    while len(rows) < min(count, len(film_ids) * len(member_ids)):
        film_id = rng.choice(popular) if rng.random() < 0.8 else rng.choice(film_ids)
        member_id = rng.choice(member_ids)
        if (film_id, member_id) in seen:
            continue
        seen.add((film_id, member_id))
        score = min(10, max(1, round(6 + taste[member_id] + rng.gauss(0, 2))))
        rows.append(
            {
                "film_id": film_id,
                "member_id": member_id,
                "score": score,
                "rated_at": start + timedelta(minutes=len(rows)),
            }
        )
    return rows


def fill(url: str, films: int, lotteries: int, seed: int = 13, members: int = 0, ratings: int = 0) -> Dataset:
    """Migrate the empty database at ``url`` and fill it; returns what the benchmarks need.
    ``members`` members and ``ratings`` scores are added when asked for (the ratings pages)."""
    rng = random.Random(seed)
    app = build_app(url)
    upgrade_database(app)
    with app.app_context():
        rows = film_rows(films, rng)
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(Film), rows[start : start + CHUNK])
        film_ids = list(db.session.scalars(select(Film.id)))
        lottery_data, entry_data = lottery_rows(lotteries, film_ids, rng)
        db.session.execute(insert(Lottery), lottery_data)
        ids = dict(db.session.execute(select(Lottery.public_id, Lottery.id)).all())
        flat = [{**e, "lottery_id": ids[lot["public_id"]]} for lot, es in zip(lottery_data, entry_data) for e in es]
        for start in range(0, len(flat), CHUNK):
            db.session.execute(insert(LotteryEntry), flat[start : start + CHUNK])
        if members:
            db.session.execute(insert(Member), [{"name": f"Участник {i}"} for i in range(members)])
            member_ids = list(db.session.scalars(select(Member.id)))
            scores = rating_rows(ratings, film_ids, member_ids, rng)
            for start in range(0, len(scores), CHUNK):
                db.session.execute(insert(FilmRating), scores[start : start + CHUNK])
            rated = sorted({row["film_id"] for row in scores})
            for start in range(0, len(rated), CHUNK):
                refresh_summaries(db.session, rated[start : start + CHUNK])
        db.session.commit()
        ballot = [polls.PollEntryData(film_data(film), film.id) for film in db.session.scalars(select(Film).limit(8))]
        poll = polls.create_poll(db.session, "Пятница", ballot, closes_in_minutes=polls.MAX_MINUTES).poll
        db.session.commit()
        sample_poll = poll.public_id
        sample_night = night_with_answers(rng)
        db.engine.dispose()
    undrawn = [lot["public_id"] for lot in lottery_data if lot["drawn_at"] is None]
    return Dataset(
        url,
        films,
        lotteries,
        sample_lottery=undrawn[0],
        sample_poll=sample_poll,
        sample_night=sample_night,
        draw_targets=undrawn[1 : 1 + DRAW_TARGETS],
    )


def night_with_answers(rng: random.Random, friends: int = 8) -> str:
    """A night choosing between three dates; each friend has answered and marked some dates."""
    soon = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)
    night = nights.create_night(
        db.session,
        nights.NightPlan(title="Пятничное кино", date_options=tuple(soon + timedelta(days=d) for d in range(3))),
    ).night
    db.session.flush()
    options = [option.id for option in night.options]
    for index in range(friends):
        member = members.set_device_name(db.session, f"bench-device-{index}", f"Друг {index + 1}")
        db.session.flush()
        nights.answer_rsvp(db.session, night, member.id, rng.choice(("going", "maybe", "no")))
        nights.set_availability(db.session, night, member.id, rng.sample(options, rng.randint(1, 3)))
    db.session.commit()
    return night.public_id
