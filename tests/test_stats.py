"""/stats through the real app: the numbers, the SVG charts, and a constant number of SQL statements."""

import re
from datetime import timedelta

from sqlalchemy import update

from movie_lottery.extensions import db
from movie_lottery.models import Film, Lottery, utcnow
from movie_lottery.services import library
from movie_lottery.services.lotteries import lottery

FILMS = {  # title: (year, genres)
    "Alien": (1979, ("ужасы", "фантастика")),
    "Heat": (1995, ("криминал", "драма")),
    "Up": (2009, ("мультфильм", "комедия")),
    "Fargo": (1996, ("криминал", "комедия")),
}


def play(app, rounds):
    """Each round: a lottery of (title, ...) drawn, with the winner forced to the given title."""
    with app.app_context():
        for title in FILMS:
            year, genres = FILMS[title]
            library.add_film(db.session, library.FilmData(title=title, year=year, genres=genres))
        for entries, winner in rounds:
            created = lottery.create_lottery(
                db.session,
                None,
                [lottery.EntryData(film=library.FilmData(title=t, year=FILMS.get(t, (None,))[0])) for t in entries],
            )
            db.session.flush()
            lottery.draw(db.session, created.public_id)
            # Force the winner so the expected numbers are known (the draw itself is tested elsewhere).
            film = db.session.query(Film).filter_by(title=winner).one()
            position = entries.index(winner)
            db.session.execute(
                update(Lottery).where(Lottery.id == created.id).values(winner_position=position, winner_film_id=film.id)
            )
            db.session.commit()


def test_stats_numbers(app, client):
    play(
        app,
        [
            (["Alien", "Heat", "Nope"], "Alien"),
            (["Heat", "Fargo", "Nope"], "Fargo"),
            (["Up", "Nope", "Heat"], "Up"),
            (["Alien", "Nope"], "Alien"),
        ],
    )
    with app.app_context():  # a watchlist: Heat waits longest
        films = {f.title: f for f in db.session.query(Film)}
        films["Heat"].watchlist_at = utcnow() - timedelta(days=30)
        films["Up"].watchlist_at = utcnow() - timedelta(days=2)
        db.session.commit()
    html = client.get("/stats").get_data(as_text=True)
    assert 'id="draws-last-year">4<' in html
    genres = re.findall(r'<g class="bar"><title>([^<]+)</title>', html.split('id="chart-genres"')[1].split("</svg>")[0])
    assert genres == ["комедия: 2", "ужасы: 2", "фантастика: 2", "криминал: 1", "мультфильм: 1"]
    decades = re.findall(
        r'<g class="bar"><title>([^<]+)</title>', html.split('id="chart-decades"')[1].split("</svg>")[0]
    )
    assert decades == ["1970-е: 2", "1990-е: 1", "2000-е: 1"]
    never_won = html.split('id="never-won"')[1].split("</section>")[0]
    assert never_won.index("Nope") < never_won.index("Heat")  # 4 entries, then 3
    assert "Alien" not in never_won and "Fargo" not in never_won
    waiting = html.split('id="waiting"')[1].split("</section>")[0]
    assert waiting.index("Heat") < waiting.index("Up")
    months = re.findall(r'<g class="column"><title>[^:]+: (\d+)</title>', html)
    assert len(months) == 12 and months[-1] == "4"


def test_stats_page_is_csp_clean_svg_in_both_languages(client):
    html = client.get("/stats").get_data(as_text=True)
    assert "<svg" in html and "style=" not in html and "<style" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # no inline script
    english = client.get("/stats?lang=en").get_data(as_text=True)
    assert "Draws per month" in english and "Winners by genre" in english


def test_genres_are_named_in_the_pages_language(app, client):
    play(app, [(["Alien", "Heat"], "Alien")])
    english = client.get("/stats?lang=en").get_data(as_text=True).split('id="chart-genres"')[1].split("</svg>")[0]
    assert "<title>horror: 1</title>" in english and "ужасы" not in english


def test_stats_page_costs_the_same_sql_statements_at_any_size(app, client, count_queries):
    with count_queries() as empty:
        assert client.get("/stats").status_code == 200
    play(app, [(["Alien", "Heat", "Up", "Fargo", f"X{i}"], ["Alien", "Heat", "Up", "Fargo"][i % 4]) for i in range(30)])
    with count_queries() as full:
        assert client.get("/stats").status_code == 200
    assert full.count == empty.count <= 9  # 5 for the draws, 4 for the ratings (services/ratings/taste.py)
