""" "Seen it", per person, through HTTP on SQLite and Postgres: a mark (API and forms, a name in the
same step), a score and a past night gone to all count; the film page lists who has seen it, the
member page counts it, the library card toggles it; Telegram /seen; merges and deletions
(backups: tests/backup_data.py holds a mark)."""

from datetime import timedelta

from sqlalchemy import select, update

from movie_lottery.extensions import db
from movie_lottery.models import Night, SeenMark, utcnow
from movie_lottery.services.ratings import seen

from .helpers import csrf_token_from
from .test_ratings import add_film, named, rate


def member_id(client) -> int:
    return client.get("/api/me").get_json()["member"]["id"]


def test_marks_scores_and_past_nights_gone_to_all_count_as_seen(app, client):
    film_id = add_film(app, title="Сталкер", year=1979)
    other_id = add_film(app, title="Зеркало")
    refused = client.put(f"/api/me/seen/{film_id}")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "name_required"
    first = client.put(f"/api/me/seen/{film_id}", json={"name": "Аня"})
    assert first.status_code == 200
    assert first.get_json() == {"film_id": film_id, "seen": True, "seen_by": ["Аня"]}
    assert client.put(f"/api/me/seen/{film_id}").get_json()["seen_by"] == ["Аня"]  # idempotent
    assert client.put("/api/me/seen/999999").status_code == 404
    boris = named(app, "Борис")
    rate(boris, film_id, 8)  # a score is a "seen"
    vera, gleb = named(app, "Вера"), named(app, "Глеб")
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    night = client.post(
        "/api/nights", json={"title": "Пятница", "starts_at": start.isoformat(), "film_id": film_id}
    ).get_json()
    assert vera.post(f"/api/nights/{night['id']}/rsvp", json={"answer": "going"}).status_code == 200
    assert gleb.post(f"/api/nights/{night['id']}/rsvp", json={"answer": "maybe"}).status_code == 200
    assert client.get(f"/api/films/{film_id}").get_json()["seen_by"] == ["Аня", "Борис"]  # the night is ahead
    with app.app_context():
        db.session.execute(update(Night).values(starts_at=utcnow() - timedelta(hours=3)))
        db.session.commit()
        assert seen.seen_by(db.session, [film_id, other_id]) == {film_id: ["Аня", "Борис", "Вера"], other_id: []}
    assert client.get(f"/api/films/{film_id}").get_json()["seen_by"] == ["Аня", "Борис", "Вера"]
    assert client.get(f"/api/members/{member_id(vera)}").get_json()["seen"] == 1
    assert client.delete(f"/api/me/seen/{film_id}").status_code == 204
    assert client.delete(f"/api/me/seen/{film_id}").status_code == 204  # nothing to take back is fine
    assert app.test_client().delete(f"/api/me/seen/{film_id}").status_code == 204  # a device without a member
    assert client.get(f"/api/films/{film_id}").get_json()["seen_by"] == ["Борис", "Вера"]
    assert boris.delete(f"/api/me/seen/{film_id}").status_code == 204  # the score still counts
    assert "Борис" in client.get(f"/api/films/{film_id}").get_json()["seen_by"]


def test_seen_by_is_one_statement_whatever_the_number_of_films(app, count_queries):
    films = [add_film(app, title=f"Фильм {n}") for n in range(8)]
    people = [named(app, f"Друг {n}") for n in range(3)]
    for person in people:
        for film_id in films:
            assert person.put(f"/api/me/seen/{film_id}").status_code in (200, 422)
    with app.app_context():
        with count_queries() as counter:
            found = seen.seen_by(db.session, films)
        assert counter.count == 1
        assert all(names == ["Друг 0", "Друг 1", "Друг 2"] for names in found.values())


def test_film_page_member_page_and_library_card_toggle(app, client):
    film_id = add_film(app, title="Солярис", year=1972)
    html = client.get(f"/films/{film_id}").get_data(as_text=True)
    assert "Кто видел" in html and "Я видел(а)" in html and 'aria-pressed="false"' in html
    csrf = csrf_token_from(html)
    nameless = client.post(f"/films/{film_id}/seen", data={"csrf_token": csrf})
    assert nameless.status_code == 303
    assert "Чтобы отметить фильм, назовитесь." in client.get(f"/films/{film_id}").get_data(as_text=True)
    client.post(f"/films/{film_id}/seen", data={"name": "Вера", "csrf_token": csrf})
    html = client.get(f"/films/{film_id}").get_data(as_text=True)
    assert 'id="seen-by">Вера<' in html and 'aria-pressed="true"' in html
    me = member_id(client)
    assert "видел(а) фильмов: 1" in client.get(f"/m/{me}").get_data(as_text=True)
    library = client.get("/library").get_data(as_text=True)
    assert f'action="/films/{film_id}/seen"' in library and 'aria-pressed="true"' in library
    back = client.post(f"/films/{film_id}/seen", data={"seen": "0", "next": "/library", "csrf_token": csrf})
    assert back.headers["Location"].endswith("/library")
    assert 'aria-pressed="false"' in client.get("/library").get_data(as_text=True)
    assert "видел(а) фильмов: 0" in client.get(f"/m/{me}").get_data(as_text=True)
    english = client.get(f"/films/{film_id}?lang=en").get_data(as_text=True)
    assert "I've seen it" in english and "Who has seen it" in english


def test_telegram_seen_in_a_private_chat(app):
    from movie_lottery.services.bot.commands import reply

    film_id = add_film(app, title="Сталкер", year=1979, kinopoisk_id=43911)
    add_film(app, title="Сталкер 2")
    user = {"id": 777, "first_name": "Тая", "language_code": "ru"}
    private = {"id": 777, "type": "private"}

    def say(text, chat=private, who=user):
        with app.app_context():
            answer = reply(
                db.session,
                {"chat": chat, "from": who, "text": text},
                bot_username="fake_bot",
                fixed_chat_id=None,
                site_url=None,
            )
            db.session.commit()
            return answer

    assert "Сталкер (1979)" in say("/seen сталкер")
    assert "Сталкер (1979)" in say("/seen https://www.kinopoisk.ru/film/43911/")
    assert "Не нашёл" in say("/seen Несуществующий")
    assert "/seen" in say("/seen")
    assert "Marked" in say("/seen Сталкер", who={**user, "language_code": "en"})
    assert say("/seen Сталкер", chat={"id": -5, "type": "group"}) is None  # a group: not ours to answer
    with app.app_context():
        assert seen.seen_by(db.session, [film_id]) == {film_id: ["Тая"]}


def test_merges_carry_marks_deletions_drop_them_and_backups_keep_them(app, admin_client, csrf):
    films = [add_film(app, title=t) for t in ("Аэлита", "Бег")]
    anna, boris = named(app, "Аня"), named(app, "Борис")
    anna.put(f"/api/me/seen/{films[0]}")
    boris.put(f"/api/me/seen/{films[0]}")
    boris.put(f"/api/me/seen/{films[1]}")
    anna_id, boris_id = member_id(anna), member_id(boris)
    assert (
        admin_client.post(
            f"/admin/members/{boris_id}/merge", data={"into": str(anna_id), "csrf_token": csrf}
        ).status_code
        == 303
    )
    with app.app_context():
        assert sorted(db.session.execute(select(SeenMark.member_id, SeenMark.film_id)).all()) == [
            (anna_id, films[0]),
            (anna_id, films[1]),
        ]
    assert admin_client.get(f"/api/films/{films[1]}").get_json()["seen_by"] == ["Аня"]
    assert admin_client.post(f"/admin/members/{anna_id}/delete", data={"csrf_token": csrf}).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(SeenMark)).all() == []
