"""Ratings through HTTP on SQLite and Postgres: scores 1–10 per member per film (changeable,
removable, a name in the same step), the film page, the library's card, sort and filter, merges
(the most recent score stands), deletions (scores stay, anonymous), the member page and the API."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import Film, FilmRating, utcnow
from movie_lottery.services.lotteries import lottery
from movie_lottery.services.library import FilmData
from movie_lottery.services.lotteries.lottery import EntryData

from .helpers import csrf_token_from


def add_film(app, title="Сталкер", **fields) -> int:
    with app.app_context():
        film = Film(title=title, **fields)
        db.session.add(film)
        db.session.commit()
        return film.id


def rate(client, film_id, score, **extra):
    return client.put(f"/api/films/{film_id}/rating", json={"score": score, **extra})


def named(app, name):
    client = app.test_client()
    assert client.put("/api/me", json={"name": name}).status_code == 200
    return client


def test_scores_are_set_changed_and_removed_with_a_name_in_the_same_step(app, client):
    film_id = add_film(app, rating=8.1)
    refused = rate(client, film_id, 7)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "name_required"
    first = rate(client, film_id, 7, name="Аня")
    assert first.status_code == 200
    assert first.get_json() == {"average": 7.0, "count": 1, "my_score": 7}
    assert client.get("/api/me").get_json()["member"]["name"] == "Аня"
    other = named(app, "Борис")
    assert rate(other, film_id, 10).get_json() == {"average": 8.5, "count": 2, "my_score": 10}
    assert rate(client, film_id, 4).get_json() == {"average": 7.0, "count": 2, "my_score": 4}  # changed, not added
    removed = client.delete(f"/api/films/{film_id}/rating")
    assert removed.status_code == 200
    assert removed.get_json() == {"average": 10.0, "count": 1, "my_score": None}
    body = client.get(f"/api/films/{film_id}").get_json()
    assert body["ratings"]["average"] == 10.0 and body["ratings"]["count"] == 1
    assert [(s["member"]["name"], s["score"]) for s in body["ratings"]["scores"]] == [("Борис", 10)]
    assert body["trailer_url"] is None


@pytest.mark.parametrize("bad", [0, 11, 7.5, "7", True, None, -1, 10**20])
def test_a_score_outside_one_to_ten_or_not_an_integer_is_a_422(app, client, bad):
    film_id = add_film(app)
    response = rate(client, film_id, bad, name="Аня")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    with app.app_context():
        assert db.session.scalar(select(FilmRating.id)) is None


def test_unknown_film_and_bad_bodies(app, client):
    assert rate(client, 999999, 5, name="Аня").status_code == 404
    assert client.get("/api/films/999999").status_code == 404
    assert client.get("/api/members/999999").status_code == 404
    assert client.put("/api/films/1/rating", data="nope", content_type="application/json").status_code == 400
    film_id = add_film(app)
    assert rate(client, film_id, 5, name="   ").status_code == 422
    assert client.delete(f"/api/films/{film_id}/rating").get_json() == {"average": None, "count": 0, "my_score": None}


def test_film_page_rates_from_a_form_with_a_name_and_shows_everything(app, client):
    film_id = add_film(
        app,
        title="Солярис",
        original_title="Solaris",
        year=1972,
        rating=8.0,
        genres=["драма", "фантастика"],
        description="Океан думает.",
        poster_url="https://img.example/s.jpg",
    )
    page = client.get(f"/films/{film_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "Солярис",
        "Solaris",
        "1972",
        "драма, фантастика",
        "Океан думает.",
        "Ещё никто не оценил.",
        'property="og:title"',
        'name="name"',
    ):
        assert text in html, text
    csrf = csrf_token_from(html)
    answer = client.post(f"/films/{film_id}/rating", data={"score": "9", "name": "Вера", "csrf_token": csrf})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/films/{film_id}")
    html = client.get(f"/films/{film_id}").get_data(as_text=True)
    assert "Оценка 9 сохранена." in html and "Вера" in html and "👥 Мы 9.0" in html
    assert 'name="name"' not in html  # a member now
    assert client.post(f"/films/{film_id}/rating", data={"score": "11", "csrf_token": csrf}).status_code == 303
    assert "Выберите оценку от 1 до 10." in client.get(f"/films/{film_id}").get_data(as_text=True)
    assert client.post(f"/films/{film_id}/rating/delete", data={"csrf_token": csrf}).status_code == 303
    assert "Оценка убрана." in client.get(f"/films/{film_id}").get_data(as_text=True)
    assert client.get("/films/999999").status_code == 404
    anonymous = app.test_client()
    token = csrf_token_from(anonymous.get("/").get_data(as_text=True))
    anonymous.post(f"/films/{film_id}/rating", data={"score": "5", "csrf_token": token})
    assert "Чтобы оценить фильм, назовитесь." in anonymous.get(f"/films/{film_id}").get_data(as_text=True)


def test_film_page_in_english(app, client):
    film_id = add_film(app, title="Сталкер")
    rate(client, film_id, 8, name="Аня")
    html = client.get(f"/films/{film_id}?lang=en").get_data(as_text=True)
    assert "Your score" in html and "Ratings" in html and "1 rating" in html


def test_library_links_cards_shows_group_score_sorts_and_filters_unrated(app, client):
    ids = [add_film(app, title=t) for t in ("Аэлита", "Бег", "Высота")]
    rate(client, ids[0], 6, name="Аня")
    rate(client, ids[2], 9)
    other = named(app, "Борис")
    rate(other, ids[0], 8)
    html = client.get("/library?sort=group").get_data(as_text=True)
    assert f'href="/films/{ids[0]}"' in html
    assert "👥 7.0" in html and "(2)" in html
    order = [html.index(f'data-film-id="{i}"') for i in (ids[2], ids[0], ids[1])]
    assert order == sorted(order)  # 9.0, 7.0, unrated
    assert "Ваша оценка: 9" in html
    unrated = client.get("/library?unrated=1").get_data(as_text=True)
    assert f'data-film-id="{ids[1]}"' in unrated and f'data-film-id="{ids[0]}"' not in unrated
    csrf = csrf_token_from(html)
    back = client.post(
        f"/films/{ids[1]}/rating", data={"score": "3", "next": "/library?sort=group", "csrf_token": csrf}
    )
    assert back.headers["Location"].endswith("/library?sort=group")
    api = client.get("/api/library?sort=group").get_json()["items"]
    assert [item["group_rating"] for item in api] == [
        {"average": 9.0, "count": 1},
        {"average": 7.0, "count": 2},
        {"average": 3.0, "count": 1},
    ]


def test_merging_members_merges_scores_the_most_recent_standing(app, admin_client, csrf):
    films = [add_film(app, title=t) for t in ("Аэлита", "Бег")]
    anna, boris = named(app, "Аня"), named(app, "Борис")
    rate(anna, films[0], 2)
    rate(boris, films[0], 9)
    rate(boris, films[1], 5)
    with app.app_context():  # Anna's score is the most recent
        db.session.execute(
            update(FilmRating).where(FilmRating.score == 9).values(rated_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
    anna_id = anna.get("/api/me").get_json()["member"]["id"]
    boris_id = boris.get("/api/me").get_json()["member"]["id"]
    assert (
        admin_client.post(
            f"/admin/members/{boris_id}/merge", data={"into": str(anna_id), "csrf_token": csrf}
        ).status_code
        == 303
    )
    first = admin_client.get(f"/api/films/{films[0]}").get_json()["ratings"]
    assert (first["average"], first["count"]) == (2.0, 1)
    assert [s["member"]["id"] for s in first["scores"]] == [anna_id]
    member = admin_client.get(f"/api/members/{anna_id}").get_json()
    assert sorted(r["score"] for r in member["ratings"]) == [2, 5]
    assert admin_client.post(f"/admin/members/{anna_id}/delete", data={"csrf_token": csrf}).status_code == 303
    after = admin_client.get(f"/api/films/{films[1]}").get_json()["ratings"]
    assert after["count"] == 1 and after["scores"][0]["member"] is None  # still counted, anonymous


def test_member_page_and_taste_twin(app, client):
    films = [add_film(app, title=f"Фильм {n}") for n in range(4)]
    anna, boris, vera = named(app, "Аня"), named(app, "Борис"), named(app, "Вера")
    for film_id, (a, b, v) in zip(films, ((8, 7, 2), (6, 6, 9), (9, 8, 1), (3, 3, 10))):
        rate(anna, film_id, a)
        rate(boris, film_id, b)
        rate(vera, film_id, v)
    anna_id = anna.get("/api/me").get_json()["member"]["id"]
    body = client.get(f"/api/members/{anna_id}").get_json()
    assert body["taste_twin"]["member"]["name"] == "Борис"
    assert body["taste_twin"]["common"] == 4 and body["taste_twin"]["difference"] == 0.5
    assert len(body["ratings"]) == 4
    html = client.get(f"/m/{anna_id}").get_data(as_text=True)
    assert "Аня" in html and "Борис" in html and "Фильм 3" in html
    assert client.get("/m/999999").status_code == 404


def test_stats_find_best_worst_divisive_twins_critics_and_kinopoisk_gaps_in_constant_statements(
    app, client, count_queries
):
    client.get("/stats")
    with count_queries() as empty:
        assert client.get("/stats").status_code == 200
    films = {
        t: add_film(app, title=t, rating=kp)
        for t, kp in (("Аэлита", 8.0), ("Бег", 5.0), ("Высота", 7.0), ("Гараж", None))
    }
    people = {n: named(app, n) for n in ("Аня", "Борис", "Вера", "Гоша")}
    scores = {  # film: Аня, Борис, Вера, Гоша
        "Аэлита": (9, 9, 8, 10),
        "Бег": (2, 3, 10, 9),
        "Высота": (4, 4, 3, 6),
        "Гараж": (7, 7, None, None),
    }
    for title, row in scores.items():
        for (name, person), score in zip(people.items(), row):
            if score is not None:
                rate(person, films[title], score)
    body = client.get("/api/stats").get_json()
    with count_queries() as full:
        html = client.get("/stats").get_data(as_text=True)
    # Гараж has 2 ratings only; three rated films: the upper two are the best, the last the worst
    assert [f["title"] for f in body["best"]] == ["Аэлита", "Бег"]
    assert [f["title"] for f in body["worst"]] == ["Высота"]
    assert body["divisive"][0]["title"] == "Бег" and body["divisive"][0]["spread"] == 8
    # Высота: 4.25 against 7.0; Аэлита 9.0 against 8.0 and Бег 6.0 against 5.0 tie (by id)
    assert [f["title"] for f in body["versus_kinopoisk"]] == ["Высота", "Аэлита", "Бег"]
    twins = body["taste_twins"][0]
    assert (
        {m["name"] for m in twins["members"]} == {"Аня", "Борис"}
        and twins["common"] == 4
        and twins["difference"] == 0.25
    )
    assert body["harshest"]["name"] == "Аня" and body["kindest"]["name"] == "Гоша"
    assert "draws_last_year" in body
    assert "Вкусовые близнецы" in html and "Самый строгий:" in html
    assert full.count == empty.count <= 9


def test_library_film_and_member_pages_cost_a_fixed_number_of_statements(app, client, count_queries):
    films = [add_film(app, title=f"Фильм {n}") for n in range(6)]
    people = [named(app, f"Друг {n}") for n in range(4)]
    me = people[0]
    me_id = me.get("/api/me").get_json()["member"]["id"]

    def costs() -> dict[str, int]:
        paths = {
            "library": "/library?sort=group",
            "unrated": "/library?unrated=1",
            "film": f"/films/{films[0]}",
            "member": f"/m/{me_id}",
        }
        out = {}
        for name, path in paths.items():
            me.get(path)
            with count_queries() as counter:
                assert me.get(path).status_code == 200
            out[name] = counter.count
        return out

    rate(me, films[0], 5)
    small = costs()
    for person in people:  # a bigger history: every member rates every film, polls and lotteries around it
        for n, film_id in enumerate(films):
            rate(person, film_id, 1 + n * 3 % 10)
    with app.app_context():
        for _ in range(3):
            entries = [EntryData(FilmData(title="Фильм 0"), film_id=films[0]), EntryData(FilmData(title="Другой"))]
            lottery.create_lottery(db.session, None, entries, "single")
        db.session.commit()
    big = costs()
    assert big == small, (small, big)
    assert big["library"] <= 3 and big["unrated"] <= 3
    # The film page's two more are who has seen it and this member's mark; the member page's, its seen count.
    assert big["film"] <= 9 and big["member"] <= 8


def test_a_nights_page_rates_its_film_once_the_night_has_started(app, client):
    from movie_lottery.models import Night

    film_id = add_film(app, title="Зеркало")
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    night = client.post(
        "/api/nights", json={"title": "Пятница", "starts_at": start.isoformat(), "film_id": film_id}
    ).get_json()
    assert 'id="night-rating"' not in client.get(f"/n/{night['id']}").get_data(as_text=True)  # not before the start
    with app.app_context():
        db.session.execute(
            update(Night).where(Night.public_id == night["id"]).values(starts_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    html = client.get(f"/n/{night['id']}").get_data(as_text=True)
    assert 'id="night-rating"' in html and 'name="name"' in html
    answer = client.post(
        f"/films/{film_id}/rating",
        data={
            "score": "7",
            "name": "Аня",
            "next": f"/n/{night['id']}#night-rating",
            "csrf_token": csrf_token_from(html),
        },
    )
    assert answer.headers["Location"].endswith(f"/n/{night['id']}#night-rating")
    html = client.get(f"/n/{night['id']}").get_data(as_text=True)
    assert "👥 7.0" in html and "Ваша оценка: 7" in html
    assert [n["id"] for n in client.get(f"/api/films/{film_id}").get_json()["nights"]] == [night["id"]]
