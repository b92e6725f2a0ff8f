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
from movie_lottery.models import Film, Lottery, LotteryEntry, search_key
from movie_lottery.services import polls
from movie_lottery.services.library import KNOWN_GENRES, film_data
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
        rows.append({
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
        })
    return rows


def lottery_rows(count: int, film_ids: list[int], rng: random.Random) -> tuple[list[dict], list[list[dict]]]:
    lotteries, entries = [], []
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for i in range(count):
        seed = rng.randbytes(32)
        undrawn = i >= count - DRAW_TARGETS - 1
        position = None if undrawn else rng.randrange(ENTRIES_PER_LOTTERY)
        picked = rng.sample(film_ids, ENTRIES_PER_LOTTERY)
        lotteries.append({
            "public_id": f"b{i:07d}",
            "title": f"Киновечер {i}",
            "created_at": start + timedelta(hours=i),
            "commitment": hashlib.sha256(seed).hexdigest(),
            "seed": seed,
            "drawn_at": None if undrawn else start + timedelta(hours=i, minutes=5),
            "winner_position": position,
            "winner_film_id": None if undrawn else picked[position],
        })
        entries.append([
            {"position": p, "weight": 1 + p % 3, "title": f"Фильм {film_id:05d}", "year": 1990 + p,
             "poster_url": f"https://image.example.org/poster/{film_id}.jpg", "kinopoisk_id": 100_000 + film_id,
             "film_id": film_id}
            for p, film_id in enumerate(picked)
        ])
    return lotteries, entries


def fill(url: str, films: int, lotteries: int, seed: int = 13) -> Dataset:
    """Migrate the empty database at ``url`` and fill it; returns what the benchmarks need."""
    rng = random.Random(seed)
    app = build_app(url)
    upgrade_database(app)
    with app.app_context():
        rows = film_rows(films, rng)
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(Film), rows[start:start + CHUNK])
        film_ids = list(db.session.scalars(select(Film.id)))
        lottery_data, entry_data = lottery_rows(lotteries, film_ids, rng)
        db.session.execute(insert(Lottery), lottery_data)
        ids = dict(db.session.execute(select(Lottery.public_id, Lottery.id)).all())
        flat = [{**e, "lottery_id": ids[lot["public_id"]]} for lot, es in zip(lottery_data, entry_data) for e in es]
        for start in range(0, len(flat), CHUNK):
            db.session.execute(insert(LotteryEntry), flat[start:start + CHUNK])
        db.session.commit()
        ballot = [polls.PollEntryData(film_data(film), film.id) for film in db.session.scalars(select(Film).limit(8))]
        poll = polls.create_poll(db.session, "Пятница", ballot, closes_in_minutes=polls.MAX_MINUTES).poll
        db.session.commit()
        sample_poll = poll.public_id
        db.engine.dispose()
    undrawn = [lot["public_id"] for lot in lottery_data if lot["drawn_at"] is None]
    return Dataset(url, films, lotteries, sample_lottery=undrawn[0], sample_poll=sample_poll,
                   draw_targets=undrawn[1:1 + DRAW_TARGETS])
