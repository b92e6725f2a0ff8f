"""What a visitor hits by reloading, switching language or following links (issue 14)."""
from .test_pages import form_rows


def test_reloading_the_builder_error_page_shows_the_form(client, csrf):
    failed = client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "один"})})
    assert failed.status_code == 422
    reloaded = client.get("/lotteries")
    assert reloaded.status_code == 302 and reloaded.headers["Location"] == "/"


def test_opening_the_draw_url_shows_the_lottery(client, csrf):
    created = client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "a"}, {"title": "b"})})
    lottery_url = created.headers["Location"]
    opened = client.get(lottery_url + "/draw")
    assert opened.status_code == 302 and opened.headers["Location"] == lottery_url


def test_method_not_allowed_is_a_page_in_the_sites_language(client):
    russian = client.get("/admin/logout")
    assert russian.status_code == 405
    assert "POST" in russian.headers["Allow"]
    html = russian.get_data(as_text=True)
    assert 'lang="ru"' in html and "нельзя открыть по ссылке" in html and "Method Not Allowed" not in html
    english = client.get("/admin/logout?lang=en")
    assert english.status_code == 405 and "go back to the home page" in english.get_data(as_text=True)
    api = client.get("/api/library/1/download")
    assert api.status_code == 405 and api.get_json()["error"]["code"] == "method_not_allowed"


def test_language_switch_returns_to_a_page_that_can_be_opened(client):
    host = "http://localhost"
    cases = {
        host + "/library?sort=title": "/library?sort=title",
        host + "/history?lang=en&cursor=abc": "/history?cursor=abc",  # ?lang= would override the choice
        host + "/admin/logout": "/",  # POST only
        host + "/no/such/page": "/",
        "https://evil.example/library": "/",
    }
    for referrer, expected in cases.items():
        switched = client.get("/lang/ru", headers={"Referer": referrer})
        assert switched.status_code == 302
        assert switched.headers["Location"] == expected, referrer


def test_share_links_on_the_page_use_site_url_not_the_forged_host(sqlite_url):
    from .helpers import build_app

    client = build_app(sqlite_url, SITE_URL="https://kino.example.com").test_client()
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    created = client.post("/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}, headers=forged).get_json()
    html = client.get(f"/l/{created['id']}", headers=forged).get_data(as_text=True)
    share = f"https://kino.example.com/l/{created['id']}"
    assert f'value="{share}"' in html
    assert "url=https%3A//kino.example.com/l/" in html or "url=https%3A%2F%2Fkino.example.com%2Fl%2F" in html
    assert "evil.example" not in html
