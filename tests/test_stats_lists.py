"""/stats: a film is among the best or the worst, never both (few rated films are split between
the two lists), and «Мы против Кинопоиска» says how many rated films it cannot compare."""

from __future__ import annotations

from sqlalchemy import delete

from movie_lottery.extensions import db
from movie_lottery.models import Film
from movie_lottery.services.ratings import taste


def films_rated(averages, kinopoisk=None) -> None:
    db.session.execute(delete(Film))
    for n, average in enumerate(averages):
        db.session.add(
            Film(
                title=f"Фильм {n}", ratings_average=average, ratings_count=3, rating=kinopoisk[n] if kinopoisk else 7.0
            )
        )
    db.session.commit()


def test_best_and_worst_never_share_a_film(sqlite_app):
    with sqlite_app().app_context():
        for count in (1, 2, 3, 5, 10, 11, 19, 20, 21, 25):
            films_rated([1 + 8 * n / count for n in range(count)])
            found = taste.collect(db.session)
            best, worst = [f.title for f in found.best], [f.title for f in found.worst]
            assert not set(best) & set(worst), (count, best, worst)
            assert len(best) == min(taste.TOP, (count + 1) // 2) and len(worst) == min(taste.TOP, count // 2), count
            assert best[0] == f"Фильм {count - 1}" and (not worst or worst[0] == "Фильм 0"), count
        for count in (4, 25):  # every film with the same average: still apart
            films_rated([7.0] * count)
            found = taste.collect(db.session)
            assert not {f.id for f in found.best} & {f.id for f in found.worst}, count


def test_versus_kinopoisk_says_how_many_films_lack_its_rating(sqlite_app):
    app = sqlite_app()
    with app.app_context():
        films_rated([8.0, 6.0, 4.0, 5.0], kinopoisk=[7.0, None, None, None])
    client = app.test_client()
    russian = client.get("/stats", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    english = client.get("/stats", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "У 3 фильмов нет оценки Кинопоиска" in russian
    assert "3 films have no Kinopoisk rating" in english
    with app.app_context():
        films_rated([8.0, 6.0])
    assert 'id="without-kinopoisk"' not in client.get("/stats").get_data(as_text=True)
    with app.app_context():
        films_rated([8.0], kinopoisk=[None])
    page = client.get("/stats").get_data(as_text=True)
    assert "У 1 фильма нет оценки Кинопоиска" in page
