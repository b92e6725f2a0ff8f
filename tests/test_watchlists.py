"""Personal watchlists through HTTP on SQLite and Postgres: add (idempotent, a name in the same
step), remove, newest first, the film and member pages, the library's filters and cards in a
fixed number of statements, merges (a film on both lists keeps the earlier date) and deletions
(the list goes with the member)."""

from datetime import timedelta

from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import WatchlistEntry, utcnow

from .helpers import csrf_token_from
from .test_ratings import add_film, named


def member_id(client) -> int:
    return client.get("/api/me").get_json()["member"]["id"]


def want(client, film_id, **body):
    return client.put(f"/api/me/watchlist/{film_id}", json=body or None)


def test_add_is_idempotent_remove_is_204_and_the_list_is_newest_first(app, client):
    first, second = add_film(app, "Аэлита", year=1924), add_film(app, "Бег")
    refused = want(client, first)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "name_required"
    assert client.get("/api/me/watchlist").get_json() == {"items": []}
    added = want(client, first, name="Аня")
    assert added.status_code == 200
    body = added.get_json()
    assert body["film"]["id"] == first and body["film"]["title"] == "Аэлита" and body["added_at"]
    assert client.get("/api/me").get_json()["member"]["name"] == "Аня"
    again = want(client, first)
    assert again.status_code == 200 and again.get_json()["added_at"] == body["added_at"]  # unchanged
    assert want(client, second).status_code == 200
    with app.app_context():  # the first one is older
        db.session.execute(
            update(WatchlistEntry).where(WatchlistEntry.film_id == first).values(added_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
    items = client.get("/api/me/watchlist").get_json()["items"]
    assert [item["film"]["id"] for item in items] == [second, first]
    assert client.delete(f"/api/me/watchlist/{second}").status_code == 204
    assert client.delete(f"/api/me/watchlist/{second}").status_code == 204  # not there: fine
    assert [i["film"]["id"] for i in client.get("/api/me/watchlist").get_json()["items"]] == [first]
    assert want(client, 999999).status_code == 404
    assert client.put(f"/api/me/watchlist/{first}", json={"name": 5}).status_code == 422
    assert app.test_client().delete(f"/api/me/watchlist/{first}").status_code == 204  # no member: nothing to remove
    member = client.get(f"/api/members/{member_id(client)}").get_json()
    assert [w["film"]["id"] for w in member["watchlist"]] == [first]


def test_film_page_adds_and_shows_who_wants_it_and_the_member_page_lists_it(app, client):
    film_id = add_film(app, "Солярис", year=1972)
    boris = named(app, "Борис")
    assert want(boris, film_id).status_code == 200
    html = client.get(f"/films/{film_id}").get_data(as_text=True)
    assert "Хотят посмотреть:" in html and "Борис" in html and "Хочу посмотреть" in html
    csrf = csrf_token_from(html)
    anonymous = client.post(f"/films/{film_id}/want", data={"csrf_token": csrf})
    assert anonymous.status_code == 303
    assert "Чтобы добавить фильм в свой список, назовитесь." in client.get(f"/films/{film_id}").get_data(as_text=True)
    answer = client.post(f"/films/{film_id}/want", data={"csrf_token": csrf, "name": "Аня"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/films/{film_id}")
    html = client.get(f"/films/{film_id}").get_data(as_text=True)
    assert "«Солярис» в вашем списке «Хочу посмотреть»." in html
    assert "Борис</a>, <a" in html and "Аня" in html and "Убрать из списка" in html
    api = client.get(f"/api/films/{film_id}").get_json()
    assert [m["name"] for m in api["wanted_by"]] == ["Борис", "Аня"]
    anna_id = member_id(client)
    assert "Солярис" in client.get(f"/m/{anna_id}").get_data(as_text=True)
    assert client.post(f"/films/{film_id}/want/delete", data={"csrf_token": csrf}).status_code == 303
    html = client.get(f"/films/{film_id}").get_data(as_text=True)
    assert "Фильм убран из вашего списка." in html
    assert [m["name"] for m in client.get(f"/api/films/{film_id}").get_json()["wanted_by"]] == ["Борис"]
    assert "Список пока пуст." in client.get(f"/m/{anna_id}").get_data(as_text=True)
    assert client.post("/films/999999/want", data={"csrf_token": csrf}).status_code == 404
    english = client.get(f"/films/{film_id}?lang=en").get_data(as_text=True)
    assert "Want to watch" in english and "Wants to watch:" in english


def test_library_cards_and_filters_in_someones_and_my_list(app, client, count_queries):
    ids = [add_film(app, title=t) for t in ("Аэлита", "Бег", "Высота")]
    anna, boris = named(app, "Аня"), named(app, "Борис")
    want(boris, ids[1])

    def costs():
        out = {}
        for path in ("/library", "/library?wished=anyone", "/library?wished=mine"):
            anna.get(path)
            with count_queries() as counter:
                assert anna.get(path).status_code == 200
            out[path] = counter.count
        return out

    small = costs()
    want(anna, ids[0])
    for n in range(3):
        other = named(app, f"Друг {n}")
        for film_id in ids:
            want(other, film_id)
    assert costs() == small
    mine = anna.get("/library?wished=mine").get_data(as_text=True)
    assert f'data-film-id="{ids[0]}"' in mine and f'data-film-id="{ids[1]}"' not in mine
    assert "Убрать из списка" in mine
    want(boris, ids[2])
    app_client = app.test_client()
    anyone = app_client.get("/library?wished=anyone").get_data(as_text=True)
    assert all(f'data-film-id="{i}"' in anyone for i in ids)
    assert app_client.get("/library?wished=mine").status_code == 200  # no member: nothing is theirs
    assert app_client.get("/library?wished=everyone").status_code == 400
    csrf = csrf_token_from(mine)
    back = anna.post(f"/films/{ids[2]}/want", data={"csrf_token": csrf, "next": "/library?wished=mine"})
    assert back.headers["Location"].endswith("/library?wished=mine")
    assert f'data-film-id="{ids[2]}"' in anna.get("/library?wished=mine").get_data(as_text=True)


def test_merging_carries_lists_keeping_the_earlier_date_and_deleting_drops_the_list(app, admin_client, csrf):
    films = [add_film(app, title=t) for t in ("Аэлита", "Бег", "Высота")]
    anna, boris = named(app, "Аня"), named(app, "Борис")
    want(anna, films[0])
    want(boris, films[0])
    want(boris, films[1])
    anna_id, boris_id = member_id(anna), member_id(boris)
    earlier = utcnow() - timedelta(days=3)
    with app.app_context():  # Boris wanted the shared film first
        db.session.execute(
            update(WatchlistEntry)
            .where(WatchlistEntry.member_id == boris_id, WatchlistEntry.film_id == films[0])
            .values(added_at=earlier)
        )
        db.session.commit()
    assert (
        admin_client.post(
            f"/admin/members/{boris_id}/merge", data={"into": str(anna_id), "csrf_token": csrf}
        ).status_code
        == 303
    )
    with app.app_context():
        rows = db.session.execute(
            select(WatchlistEntry.member_id, WatchlistEntry.film_id, WatchlistEntry.added_at).order_by(
                WatchlistEntry.film_id
            )
        ).all()
    assert [(r.member_id, r.film_id) for r in rows] == [(anna_id, films[0]), (anna_id, films[1])]
    assert abs((rows[0].added_at.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds()) < 1
    assert admin_client.post(f"/admin/members/{anna_id}/delete", data={"csrf_token": csrf}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(WatchlistEntry.id)) is None
    assert admin_client.get(f"/api/films/{films[0]}").get_json()["wanted_by"] == []


def test_deleting_a_film_takes_it_off_every_list(app, admin_client):
    film_id = add_film(app)
    anna = named(app, "Аня")
    want(anna, film_id)
    from .helpers import ADMIN_TOKEN

    assert (
        admin_client.delete(f"/api/library/{film_id}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code
        == 204
    )
    assert anna.get("/api/me/watchlist").get_json() == {"items": []}


def test_lottery_and_poll_entries_add_their_library_film(app, client):
    stalker = add_film(app, "Сталкер", year=1979, original_title="Stalker", kinopoisk_id=43911)
    solaris = add_film(app, "Солярис", year=1972)
    lottery = client.post(
        "/api/lotteries",
        json={
            "entries": [
                {"title": "Stalker", "year": 1979},  # the original title, no Kinopoisk id: same_film
                {"title": "Зеркало", "year": 1974},  # a title the library lacks
                {"title": "1+1", "year": 2011, "kinopoisk_id": 535341},  # a Kinopoisk film the library lacks
            ]
        },
    ).get_json()
    html = client.get(f"/l/{lottery['id']}").get_data(as_text=True)
    assert html.count('class="want-form want-entry"') == 3
    csrf = csrf_token_from(html)
    path = f"/l/{lottery['id']}"

    def press(who, position, token=csrf, base=path):
        return who.post(f"{base}/entries/{position}/want", data={"csrf_token": token, "next": base})

    nameless = press(client, 0)
    assert nameless.headers["Location"].endswith(f"/films/{stalker}")  # the film page asks for the name
    anna = named(app, "Аня")
    token = csrf_token_from(anna.get(path).get_data(as_text=True))
    assert press(anna, 0, token).headers["Location"].endswith(path)
    assert press(anna, 1, token).status_code == 303
    assert "«Зеркало» нет в библиотеке" in anna.get(path).get_data(as_text=True)
    assert press(anna, 2, token).status_code == 303  # added to the library from the entry's copy
    assert press(anna, 9, token).status_code == 404
    titles = [i["film"]["title"] for i in anna.get("/api/me/watchlist").get_json()["items"]]
    assert titles == ["1+1", "Сталкер"]
    poll = client.post("/api/polls", json={"entries": [{"film_id": solaris}, {"title": "Зеркало"}]}).get_json()
    page = anna.get(f"/p/{poll['id']}").get_data(as_text=True)
    assert page.count('class="want-form want-entry"') == 2
    pressed = press(anna, poll["entries"][0]["id"], csrf_token_from(page), f"/p/{poll['id']}")
    assert pressed.headers["Location"].endswith(f"/p/{poll['id']}")
    assert anna.get("/api/me/watchlist").get_json()["items"][0]["film"]["id"] == solaris
    assert press(anna, 10**6, token, f"/p/{poll['id']}").status_code == 404
