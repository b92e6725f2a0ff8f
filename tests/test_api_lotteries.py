import hashlib
import hmac
import io

from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Film

from .helpers import ADMIN_TOKEN


def entries(*titles, **extra):
    return [{"title": t, **extra} for t in titles]


def create(client, body):
    response = client.post("/api/lotteries", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_returns_the_documented_shape(client):
    body = create(
        client,
        {
            "title": "Friday",
            "entries": [
                {
                    "title": "1+1",
                    "year": 2011,
                    "kinopoisk_id": 535341,
                    "poster_url": "https://img.example/1.jpg",
                    "weight": 2,
                    "original_title": "Intouchables",
                    "rating": 8.8,
                    "genres": ["драма", "комедия"],
                    "description": "A true story.",
                },
                {"title": "Brother"},
            ],
        },
    )
    assert set(body) >= {"id", "url", "commitment", "entries", "winner", "created_at"}
    assert body["winner"] is None and "seed" not in body
    assert body["url"].endswith(f"/l/{body['id']}")
    assert len(body["commitment"]) == 64
    assert body["entries"][0] == {
        "position": 0,
        "title": "1+1",
        "year": 2011,
        "poster_url": "https://img.example/1.jpg",
        "kinopoisk_id": 535341,
        "weight": 2,
        "original_title": "Intouchables",
        "rating": 8.8,
        "genres": ["драма", "комедия"],
        "description": "A true story.",
    }
    assert body["entries"][1]["weight"] == 1
    assert body["entries"][1]["genres"] == [] and body["entries"][1]["rating"] is None


def test_draw_reveals_a_seed_matching_the_commitment_and_is_stable(client, app):
    created = create(client, {"entries": entries("A", "B", "C")})
    first = client.post(f"/api/lotteries/{created['id']}/draw")
    assert first.status_code == 200
    body = first.get_json()
    seed = bytes.fromhex(body["seed"])
    assert hashlib.sha256(seed).hexdigest() == created["commitment"] == body["commitment"]
    r = int.from_bytes(hmac.new(seed, created["id"].encode(), hashlib.sha256).digest(), "big") % 3
    assert body["winner"]["position"] == r  # equal weights: the r-th entry wins
    for _ in range(3):
        assert client.post(f"/api/lotteries/{created['id']}/draw").get_json() == body
    fetched = client.get(f"/api/lotteries/{created['id']}").get_json()
    assert fetched["winner"] == body["winner"] and fetched["seed"] == body["seed"]


def test_winner_joins_the_library_once_per_kinopoisk_id(client, app):
    for _ in range(2):
        created = create(client, {"entries": entries("Same film", "Same film", kinopoisk_id=777, year=2001)})
        client.post(f"/api/lotteries/{created['id']}/draw")
    with app.app_context():
        films = db.session.scalars(select(Film)).all()
        assert [(f.title, f.kinopoisk_id) for f in films] == [("Same film", 777)]


def test_validation_errors_are_422_with_fields(client):
    response = client.post("/api/lotteries", json={"entries": [{"title": ""}, {"title": "x", "weight": 101}]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"entries.0.title", "entries.1.weight"}

    too_few = client.post("/api/lotteries", json={"entries": entries("only one")})
    assert too_few.status_code == 422 and "entries" in too_few.get_json()["error"]["fields"]
    too_many = client.post("/api/lotteries", json={"entries": entries(*[f"f{i}" for i in range(101)])})
    assert too_many.status_code == 422
    bad_poster = client.post("/api/lotteries", json={"entries": entries("a", "b", poster_url="javascript:alert(1)")})
    assert bad_poster.status_code == 422


def test_json_booleans_are_not_numbers(client):
    """pydantic's lax mode would read true/false as 1/0 (found by schemathesis)."""
    for field in ("weight", "rating", "year", "kinopoisk_id"):
        response = client.post("/api/lotteries", json={"entries": [{"title": "a", field: True}, {"title": "b"}]})
        assert response.status_code == 422, field
        assert f"entries.0.{field}" in response.get_json()["error"]["fields"]
    film = client.post(
        "/api/library", json={"title": "x", "rating": False}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert film.status_code == 422


def test_malformed_bodies_are_400_never_500(client):
    assert client.post("/api/lotteries", data="{not json", content_type="application/json").status_code == 400
    assert client.post("/api/lotteries", json=["a", "b"]).status_code == 400
    assert client.post("/api/lotteries", json={"entries": "ab"}).status_code == 422
    assert client.post("/api/lotteries", json={"entries": entries("a", "b"), "extra": 1}).status_code == 422
    assert (
        client.post("/api/lotteries", data=b"x" * (5 * 1024 * 1024), content_type="application/json").status_code == 413
    )


def test_unknown_lottery_is_404_json(client):
    for response in (client.get("/api/lotteries/nope"), client.post("/api/lotteries/nope/draw")):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_listing_uses_cursor_pagination(client):
    ids = [create(client, {"entries": entries("a", "b")})["id"] for _ in range(5)]
    page = client.get("/api/lotteries?limit=2").get_json()
    seen = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = client.get(f"/api/lotteries?limit=2&cursor={page['next_cursor']}").get_json()
        seen += [item["id"] for item in page["items"]]
    assert seen == list(reversed(ids))
    assert client.get("/api/lotteries?cursor=%%%").status_code == 400
    assert client.get("/api/lotteries?limit=0").status_code == 400
    assert client.get("/api/lotteries?limit=2&limit=x").status_code == 400


def test_library_api_search_and_admin_writes(client, app):
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.post("/api/library", json={"title": "Зелёная миля"}).status_code == 401
    assert (
        client.post(
            "/api/library", json={"title": "Зелёная миля"}, headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 401
    )
    made = client.post("/api/library", json={"title": "Зелёная миля", "year": 1999, "kinopoisk_id": 435}, headers=auth)
    assert made.status_code == 201
    assert made.get_json()["film"]["added_at"].endswith("+00:00")  # RFC 3339: offset included
    again = client.post("/api/library", json={"title": "Другое имя", "kinopoisk_id": 435}, headers=auth)
    assert again.status_code == 200 and again.get_json()["created"] is False
    found = client.get("/api/library?q=ЗЕЛЁНАЯ").get_json()
    assert [f["title"] for f in found["items"]] == ["Зелёная миля"]
    film_id = made.get_json()["film"]["id"]
    huge = client.put(
        f"/api/library/{film_id}/torrent",
        headers=auth,
        data={"torrent": (io.BytesIO(b"d" * (3 * 1024 * 1024)), "x.torrent")},
    )
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"
    junk = client.put(
        f"/api/library/{film_id}/torrent", headers=auth, data={"torrent": (io.BytesIO(b"junk"), "x.torrent")}
    )
    assert junk.status_code == 422 and junk.get_json()["error"]["code"] == "invalid_magnet"
    assert client.delete(f"/api/library/{film_id}", headers=auth).status_code == 204
    assert client.delete(f"/api/library/{film_id}", headers=auth).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Film)) == 0
    assert client.get("/api/library?sort=bogus").status_code == 400
    # Ids past the database's integer range are unknown films, not driver overflow errors.
    huge = 2**63
    assert client.delete(f"/api/library/{huge}", headers=auth).status_code == 404
    assert client.put(f"/api/library/{huge}/magnet", json={"magnet": "x"}, headers=auth).status_code == 404
    assert client.get("/api/library?q=" + "x" * 201).status_code == 400


def test_admin_api_with_session_needs_csrf_header(admin_client, admin_csrf):
    no_header = admin_client.post("/api/library", json={"title": "X"})
    assert no_header.status_code == 403 and no_header.get_json()["error"]["code"] == "csrf_failed"
    ok = admin_client.post("/api/library", json={"title": "X"}, headers={"X-CSRFToken": admin_csrf})
    assert ok.status_code == 201


def test_polling_an_unchanged_lottery_is_a_cheap_304(client, count_queries):
    created = create(client, {"entries": entries("A", "B", "C")})
    url = f"/api/lotteries/{created['id']}"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Cache-Control"] == "no-cache"
    with count_queries() as counter:
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    assert counter.count == 1

    assert client.post(f"{url}/draw").status_code == 200
    after_draw = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after_draw.status_code == 200 and after_draw.get_json()["winner"] is not None
    assert after_draw.headers["ETag"] != first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": after_draw.headers["ETag"]}).status_code == 304
    assert client.get("/api/lotteries/nope", headers={"If-None-Match": "*"}).status_code == 404
