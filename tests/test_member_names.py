"""Names (issue 29): a newcomer is asked their name once on a night's page; two members never
share a name (a name taken is refused on the site with a way to join instead, a Telegram
newcomer gets «Аня (2)»); /me links to the member's own page."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Member

from .helpers import csrf_token_from
from .test_members import name, new_poll, telegram_press


def test_a_newcomer_is_asked_their_name_once_on_a_nights_page(app, client):
    starts, later = (
        (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat() for days in (2, 3)
    )
    for body in ({"starts_at": starts}, {"date_options": [starts, later]}):
        night = client.post("/api/nights", json={"title": "Пятница", **body}).get_json()
        html = app.test_client().get(f"/n/{night['id']}").get_data(as_text=True)
        assert html.count("Как вас зовут?") == 1, body
        assert html.count('name="name"') == 1 + (1 if "date_options" in body else 0)  # the date poll's copy is hidden
        assert 'id="rsvp-name"' in html


def test_the_rsvp_with_the_one_name_field_names_the_newcomer(app, client):
    starts = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).isoformat()
    night = client.post("/api/nights", json={"title": "Пятница", "starts_at": starts}).get_json()
    visitor = app.test_client()
    html = visitor.get(f"/n/{night['id']}").get_data(as_text=True)
    answered = visitor.post(
        f"/n/{night['id']}/rsvp", data={"csrf_token": csrf_token_from(html), "answer": "going", "name": "Оля"}
    )
    assert answered.status_code == 303
    html = visitor.get(f"/n/{night['id']}").get_data(as_text=True)
    assert "Как вас зовут?" not in html and 'id="names-going">Оля<' in html


def test_me_links_to_the_members_own_page(client):
    member = name(client, "Аня")
    html = client.get("/me").get_data(as_text=True)
    assert f'href="/m/{member["id"]}"' in html


def test_a_name_taken_by_another_member_is_refused_with_a_way_to_join(app, client):
    name(client, "Аня")
    other = app.test_client()
    refused = other.put("/api/me", json={"name": "Аня"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "name_taken"
    assert other.get("/api/me").get_json() == {"member": None}
    page = other.get("/me").get_data(as_text=True)
    response = other.post("/me", data={"name": " Аня ", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 303
    html = other.get("/me").get_data(as_text=True)
    assert "уже есть" in html and "код" in html
    assert other.get("/api/me").get_json() == {"member": None}
    starts = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).isoformat()
    night = client.post("/api/nights", json={"title": "Пятница", "starts_at": starts}).get_json()
    answered = other.post(f"/api/nights/{night['id']}/rsvp", json={"answer": "going", "name": "Аня"})
    assert answered.status_code == 409 and answered.get_json()["error"]["code"] == "name_taken"
    assert name(client, "Аня")["name"] == "Аня"  # keeping one's own name is fine
    assert name(other, "Аня К.")["name"] == "Аня К."


def test_a_telegram_newcomer_with_a_taken_name_is_told_apart(app, client):
    name(client, "Боря")
    poll = new_poll(client)
    telegram_press(app, poll, 0, user_id=5, first_name="Боря")
    telegram_press(app, poll, 1, user_id=6, first_name="Боря")
    with app.app_context():
        names = db.session.scalars(select(Member.name).order_by(Member.id)).all()
    assert names == ["Боря", "Боря (2)", "Боря (3)"]


def test_the_admin_cannot_rename_someone_to_a_name_taken(app, admin_client, csrf):
    first, second = app.test_client(), app.test_client()
    name(first, "Аня")
    other = name(second, "Вера")
    response = admin_client.post(f"/admin/members/{other['id']}/rename", data={"name": "Аня", "csrf_token": csrf})
    assert response.status_code == 303
    assert "уже есть" in admin_client.get("/admin/members").get_data(as_text=True)
    assert second.get("/api/me").get_json()["member"]["name"] == "Вера"


def test_the_migration_tells_apart_members_who_already_share_a_name(make_postgres_database, tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from movie_lottery.dbsetup import init_migrations

    from .helpers import build_app

    long_name = "Б" * 40
    for url in (make_postgres_database(), f"sqlite:///{tmp_path}/names.db"):
        old = build_app(url)
        init_migrations(old)
        with old.app_context():
            upgrade(revision="0016")
            for name in ("Аня", "Аня", "Аня (2)", "Боря", "Аня", long_name, long_name):
                db.session.execute(
                    text("INSERT INTO members (name, created_at) VALUES (:name, CURRENT_TIMESTAMP)"), {"name": name}
                )
            db.session.commit()
            upgrade()
            names = db.session.scalars(text("SELECT name FROM members ORDER BY id")).all()
            db.engine.dispose()
        assert names == ["Аня", "Аня (3)", "Аня (2)", "Боря", "Аня (4)", long_name, "Б" * 36 + " (2)"]
