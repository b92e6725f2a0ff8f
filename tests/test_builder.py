"""The lottery builder's server side (issue 14): demo data passes the site's own validation,
hidden fields of a row that looks empty are ignored, a picked film's details reach the
library when it wins, ё/е search, and posters never load over plain http."""

from flask_migrate import upgrade
from sqlalchemy import select, text

from movie_lottery.dbsetup import init_migrations
from movie_lottery.extensions import db
from movie_lottery.models import Film, Lottery
from movie_lottery.web.library.schemas import FilmIn

from .helpers import ADMIN_TOKEN, BANNED_UNTIL, build_app

ROW_FIELDS = (
    "title",
    "year",
    "poster_url",
    "weight",
    "kinopoisk_id",
    "original_title",
    "rating",
    "genres",
    "description",
)


def builder_form(csrf, *rows, title=""):
    """The builder as the browser posts it: every row has every field, hidden ones included."""
    data = {"csrf_token": csrf, "title": title}
    for name in ROW_FIELDS:
        data[f"entry-{name}"] = [str(row.get(name, "1" if name == "weight" else "")) for row in rows]
    return data


def only_lottery(app):
    with app.app_context():
        lottery = db.session.scalar(select(Lottery))
        return lottery.public_id, [(e.title, e.kinopoisk_id) for e in lottery.entries]


def test_a_row_that_looks_empty_is_skipped_whatever_it_hides(client, csrf, app):
    cleared_pick = {
        "title": "",
        "year": "",
        "kinopoisk_id": "41519",
        "original_title": "Brat",
        "rating": "8.3",
        "genres": "драма",
    }
    response = client.post(
        "/lotteries", data=builder_form(csrf, {"title": "Сталкер"}, cleared_pick, {"title": "Солярис", "year": "1972"})
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    _id, entries = only_lottery(app)
    assert entries == [("Сталкер", None), ("Солярис", None)]


def test_a_year_alone_is_still_a_row_and_gets_a_visible_error(client, csrf):
    response = client.post(
        "/lotteries", data=builder_form(csrf, {"title": "Сталкер"}, {"year": "1972"}, {"title": "Солярис"})
    )
    assert response.status_code == 422
    assert "Фильм №2" in response.get_data(as_text=True)


PICKED = {
    "1+1": {
        "title": "1+1",
        "year": "2011",
        "poster_url": "https://img.example/1.jpg",
        "kinopoisk_id": "535341",
        "original_title": "Intouchables",
        "rating": "8.8",
        "genres": "драма, комедия, биография",
        "description": "Аристократ на коляске нанимает в помощники обитателя гетто.",
    },
    "Брат": {
        "title": "Брат",
        "year": "1997",
        "kinopoisk_id": "41519",
        "rating": "8.3",
        "genres": "криминал",
        "description": "Демобилизованный Данила едет в Петербург.",
    },
}


def test_a_picked_films_details_reach_the_library_when_it_wins(client, csrf, app):
    response = client.post("/lotteries", data=builder_form(csrf, *PICKED.values()))
    assert response.status_code == 302
    public_id, _entries = only_lottery(app)
    winner = client.post(f"/api/lotteries/{public_id}/draw").get_json()["winner"]
    expected = PICKED[winner["title"]]  # whichever wins, its own details go with it
    with app.app_context():
        film = db.session.scalar(select(Film))
        assert film.kinopoisk_id == int(expected["kinopoisk_id"])
        assert film.original_title == expected.get("original_title")
        assert film.rating == float(expected["rating"])
        assert film.genres == [g.strip() for g in expected["genres"].split(",")]
        assert film.description == expected["description"]
    assert winner["genres"] == [g.strip() for g in expected["genres"].split(",")]


def test_the_api_carries_details_into_the_library(client, app):
    body = {
        "entries": [
            {"title": "A", "original_title": "Orig A", "rating": 7.5, "genres": ["драма"], "description": "Про A."},
            {"title": "B", "original_title": "Orig B", "rating": 6.0, "genres": ["комедия"], "description": "Про B."},
        ]
    }
    created = client.post("/api/lotteries", json=body).get_json()
    winner = client.post(f"/api/lotteries/{created['id']}/draw").get_json()["winner"]
    sent = next(e for e in body["entries"] if e["title"] == winner["title"])
    with app.app_context():
        film = db.session.scalar(select(Film))
        assert (film.original_title, film.rating, film.genres, film.description) == (
            sent["original_title"],
            sent["rating"],
            sent["genres"],
            sent["description"],
        )
    assert (
        client.get("/api/library", query_string={"genre": sent["genres"][0]}).get_json()["items"][0]["title"]
        == sent["title"]
    )


def test_demo_films_pass_the_sites_own_validation(app, client, csrf):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        films = db.session.scalars(select(Film)).all()
        demo = [f.to_dict() for f in films]
    for film in demo:
        assert film["poster_url"].startswith("/static/demo/")
        FilmIn.model_validate(
            {k: v for k, v in film.items() if k not in ("id", "added_at", "badges", "group_rating")}
        )  # what the site computes, never sent
    rows = [
        {"title": f["title"], "year": f["year"], "poster_url": f["poster_url"], "kinopoisk_id": f["kinopoisk_id"]}
        for f in demo[:2]
    ]
    response = client.post("/lotteries", data=builder_form(csrf, *rows))
    assert response.status_code == 302, response.get_data(as_text=True)
    lottery_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'src="{demo[0]["poster_url"]}"' in lottery_page
    assert client.get(demo[0]["poster_url"]).status_code == 200


def test_an_admin_saves_an_edit_of_a_demo_film(app, admin_client, admin_csrf):
    app.test_cli_runner().invoke(args=["seed-demo"])
    with app.app_context():
        film = db.session.scalar(select(Film).where(Film.title == "Брат"))
        film_id, poster = film.id, film.poster_url
    form = admin_client.get(f"/admin/films/{film_id}/edit").get_data(as_text=True)
    assert 'type="url"' not in form  # the browser must not refuse a /static/ poster path
    saved = admin_client.post(
        f"/admin/films/{film_id}/edit",
        data={
            "csrf_token": admin_csrf,
            "title": "Брат",
            "year": "1997",
            "poster_url": poster,
            "kinopoisk_id": "41519",
            "rating": "8.4",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Film, film_id).rating == 8.4


def test_posters_must_be_http_or_site_static(client):
    for bad in ("javascript:alert(1)", "/etc/passwd", "//evil.example/p.jpg", "static/x.svg"):
        body = {"entries": [{"title": "a", "poster_url": bad}, {"title": "b"}]}
        response = client.post("/api/lotteries", json=body)
        assert response.status_code == 422, bad
        assert "entries.0.poster_url" in response.get_json()["error"]["fields"]


def test_http_posters_are_shown_over_https(client):
    body = {"entries": [{"title": "a", "poster_url": "http://img.example/a.jpg"}, {"title": "b"}]}
    created = client.post("/api/lotteries", json=body).get_json()
    html = client.get(f"/l/{created['id']}").get_data(as_text=True)
    assert 'src="https://img.example/a.jpg"' in html and "http://img.example" not in html


def test_library_search_treats_yo_and_ye_alike(client, app):
    from .helpers import ADMIN_TOKEN

    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    client.post("/api/library", json={"title": "Унесённые призраками", "year": 2001}, headers=headers)
    client.post("/api/library", json={"title": "Зеленая миля", "year": 1999}, headers=headers)
    for query, title in (
        ("Унесенные", "Унесённые призраками"),
        ("унесённые", "Унесённые призраками"),
        ("Зелёная", "Зеленая миля"),
    ):
        items = client.get("/api/library", query_string={"q": query}).get_json()["items"]
        assert [i["title"] for i in items] == [title], query
    assert "Унесённые призраками" in client.get("/library?q=унесенные").get_data(as_text=True)


def test_migration_0005_folds_yo_in_existing_search_text(make_postgres_database, tmp_path):
    for url in (make_postgres_database(), f"sqlite:///{tmp_path}/fold.db"):
        app = build_app(url)
        init_migrations(app)
        with app.app_context():
            upgrade(revision="0004")
            db.session.execute(
                text(
                    "INSERT INTO films (title, search_text, genres, added_at) VALUES ('Унесённые призраками', 'унесённые призраками', '[]', CURRENT_TIMESTAMP)"
                )
            )
            db.session.commit()
            upgrade()
            assert db.session.scalar(text("SELECT search_text FROM films")) == "унесенные призраками"
            db.session.remove()
            db.engine.dispose()


def test_a_library_film_that_wins_is_not_added_twice(client, app):
    from .helpers import ADMIN_TOKEN

    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    films = [
        {"title": "Амели", "original_title": "Le fabuleux destin d'Amélie Poulain", "year": 2001, "rating": 7.9},
        {"title": "Сталкер", "original_title": "Stalker", "year": 1979, "genres": ["драма"]},
    ]
    for film in films:
        client.post("/api/library", json=film, headers=headers)
    # The builder posts a library pick with the details it got from /api/library.
    picked = client.get("/api/library").get_json()["items"]
    entries = [{k: item[k] for k in ("title", "original_title", "year", "rating", "genres")} for item in picked]
    created = client.post("/api/lotteries", json={"entries": entries}).get_json()
    client.post(f"/api/lotteries/{created['id']}/draw")
    with app.app_context():
        assert len(db.session.scalars(select(Film)).all()) == 2
        lottery = db.session.scalar(select(Lottery))
        assert lottery.winner_film.title == lottery.winner.title


def test_booleans_are_not_numbers(client):
    # Found by the API fuzzer: lax validation read false as a 0.0 rating and true as weight 1.
    for field, value in (("rating", False), ("weight", True), ("year", True), ("kinopoisk_id", True)):
        response = client.post("/api/lotteries", json={"entries": [{"title": "a", field: value}, {"title": "b"}]})
        assert response.status_code == 422, field
        assert f"entries.0.{field}" in response.get_json()["error"]["fields"]


def test_check_only_shows_the_builder_again_and_creates_nothing(client, csrf, app):
    """What the builder sends after a language switch on a refused form: checked, never created."""
    valid = builder_form(csrf, {"title": "Сталкер"}, {"title": "Солярис"}) | {"check_only": "1"}
    checked = client.post("/lotteries?lang=en", data=valid)
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'value="Сталкер"' in html and 'value="Солярис"' in html
    one = client.post("/lotteries?lang=en", data=builder_form(csrf, {"title": "Сталкер"}) | {"check_only": "1"})
    assert one.status_code == 422 and "The lottery could not be created:" in one.get_data(as_text=True)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    film = client.post("/api/library", json={"title": "Солярис"}, headers=admin).get_json()["film"]
    client.patch(f"/api/library/{film['id']}/badges", json={"banned_until": BANNED_UNTIL}, headers=admin)
    banned = client.post("/polls?lang=en", data=valid)
    assert banned.status_code == 422 and "banned" in banned.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Lottery)) is None
        assert db.session.scalar(text("SELECT count(*) FROM polls")) == 0
