"""Logging in or out in one tab must not break forms open in other tabs (issue 14, bug 4)."""

from sqlalchemy import func, select

from movie_lottery.extensions import db
from movie_lottery.models import Lottery

from .helpers import ADMIN_PASSWORD, csrf_token_from
from .test_pages import form_rows


def lottery_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Lottery))


def test_a_form_opened_before_logging_in_still_submits(client, csrf, app):
    client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": csrf})
    created = client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "a"}, {"title": "b"})})
    assert created.status_code == 302 and lottery_count(app) == 1


def test_a_form_opened_before_logging_out_still_submits(admin_client, admin_csrf, app):
    admin_client.post("/admin/logout", data={"csrf_token": admin_csrf})
    assert "Выйти" not in admin_client.get("/").get_data(as_text=True)  # logged out for real
    created = admin_client.post(
        "/lotteries", data={"csrf_token": admin_csrf, **form_rows({"title": "a"}, {"title": "b"})}
    )
    assert created.status_code == 302 and lottery_count(app) == 1


def test_a_stale_builder_form_comes_back_with_its_films(client, app):
    client.get("/")
    stale = client.post(
        "/lotteries",
        data={"csrf_token": "stale", "title": "Пятница", **form_rows({"title": "Брат"}, {"title": "Сталкер"})},
    )
    assert stale.status_code == 400
    html = stale.get_data(as_text=True)
    assert (
        "Форма устарела" in html and 'value="Брат"' in html and 'value="Сталкер"' in html and 'value="Пятница"' in html
    )
    assert lottery_count(app) == 0
    fresh = csrf_token_from(html)  # the page carries a valid token: sending again works
    again = client.post("/lotteries", data={"csrf_token": fresh, **form_rows({"title": "Брат"}, {"title": "Сталкер"})})
    assert again.status_code == 302 and lottery_count(app) == 1


def test_other_stale_forms_get_a_page_in_the_sites_language(client):
    client.get("/")
    russian = client.post(
        "/admin/login",
        data={"password": "x", "csrf_token": "stale"},
        headers={"Referer": "http://localhost/admin/login"},
    )
    html = russian.get_data(as_text=True)
    assert russian.status_code == 400 and "Форма устарела" in html and "CSRF" not in html
    assert 'href="http://localhost/admin/login"' in html  # a way back
    english = client.post("/admin/login?lang=en", data={"password": "x", "csrf_token": "stale"})
    assert english.status_code == 400 and "The form has expired" in english.get_data(as_text=True)


def test_production_cookies_are_secure_httponly_and_samesite(app):
    """README: APP_ENV=production makes cookies secure. Every cookie the site sets — the session
    (CSRF secret, admin login), the poll voter, the language — is Secure, HttpOnly and SameSite=Lax."""
    from .helpers import build_app

    client = build_app(app.config["SQLALCHEMY_DATABASE_URI"], APP_ENV="production").test_client()
    cookies = {}

    def collect(response):
        for header in response.headers.getlist("Set-Cookie"):
            name = header.split("=", 1)[0]
            cookies[name] = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
        return response

    page = collect(client.get("/", base_url="https://kino.example.org"))
    token = csrf_token_from(page.get_data(as_text=True))
    login = client.post(
        "/admin/login",
        data={"password": ADMIN_PASSWORD, "csrf_token": token},
        base_url="https://kino.example.org",
        headers={"Referer": "https://kino.example.org/"},
    )
    collect(login)
    assert login.status_code == 302
    poll = client.post(
        "/api/polls",
        json={"entries": [{"title": "Сталкер"}, {"title": "Солярис"}]},
        base_url="https://kino.example.org",
    ).get_json()
    vote = client.post(
        f"/api/polls/{poll['id']}/vote",
        json={"entry_id": poll["entries"][0]["id"]},
        base_url="https://kino.example.org",
    )  # a new device gets its voter id
    assert vote.status_code == 200, vote.get_json()
    collect(vote)
    collect(client.get("/lang/en", base_url="https://kino.example.org"))
    assert {"session", "voter", "lang"} <= set(cookies), cookies
    for name, attributes in cookies.items():
        assert "secure" in attributes, (name, attributes)
        assert attributes.get("samesite", "").lower() == "samesite=lax", (name, attributes)
        assert "httponly" in attributes, (name, attributes)  # no script reads any of them
