"""Problems found by trying the site as a new user (QA pass after issues 10, 12 and 14)."""

import html as html_lib
import subprocess
import sys

from .helpers import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def create(client, *titles, **body):
    response = client.post("/api/lotteries", json={"entries": [{"title": t} for t in titles], **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_deleting_an_untitled_lottery_does_not_say_lottery_twice(admin_client, admin_csrf):
    created = create(admin_client, "One", "Two")
    confirm = html_lib.unescape(admin_client.get(f"/admin/lotteries/{created['id']}/delete").get_data(as_text=True))
    assert f"Удалить лотерею «{created['id']}»?" in confirm
    done = admin_client.post(
        f"/admin/lotteries/{created['id']}/delete", data={"csrf_token": admin_csrf}, follow_redirects=True
    )
    page = html_lib.unescape(done.get_data(as_text=True))
    assert f"Лотерея «{created['id']}» удалена." in page
    assert "«Лотерея " not in page + confirm


def test_deleting_a_titled_lottery_names_it(admin_client, admin_csrf):
    created = create(admin_client, "One", "Two", title="Пятница")
    done = admin_client.post(
        f"/admin/lotteries/{created['id']}/delete", data={"csrf_token": admin_csrf}, follow_redirects=True
    )
    assert "Лотерея «Пятница» удалена." in html_lib.unescape(done.get_data(as_text=True))


NUL_MESSAGE = "В запросе есть нулевой символ (U+0000)"


def test_a_nul_character_in_a_query_or_body_is_a_400_not_a_database_outage(client, csrf):
    for url in ("/library?q=a%00b", "/api/library?q=a%00b", "/?source=a%00b", "/api/lotteries?cursor=%00"):
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code)
        text = (
            response.get_json()["error"]["message"]
            if url.startswith("/api/")
            else html_lib.unescape(response.get_data(as_text=True))
        )
        assert NUL_MESSAGE in text, url
    body = {"title": "x", "entries": [{"title": "a\x00b"}, {"title": "c"}]}
    api = client.post("/api/lotteries", json=body)
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_request"
    form = {"csrf_token": csrf, "entry-title": ["a\x00b", "c"], "entry-weight": ["1", "1"]}
    page = client.post("/lotteries", data=form, headers={"Accept-Language": "en"})
    assert page.status_code == 400 and "contains a NUL character" in page.get_data(as_text=True)
    assert client.get("/api/lotteries").get_json()["items"] == []  # nothing was stored


def test_a_nul_character_in_an_id_is_a_404(client):
    assert client.get("/l/ab%00c").status_code == 404
    assert client.get("/api/lotteries/ab%00c").status_code == 404
    assert client.post("/api/lotteries/ab%00c/draw").status_code == 404


def test_friends_see_no_setup_variables_on_the_home_page(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "KINOPOISK_API_KEY" not in page
    assert "Kinopoisk search is not connected: find a film in the library" in page


def test_the_admin_is_told_how_to_turn_kinopoisk_search_on(admin_client):
    assert "KINOPOISK_API_KEY" in admin_client.get("/").get_data(as_text=True)


def test_the_single_draw_snippet_prints_the_winner_it_verifies(client, csrf):
    body = {
        "entries": [
            {"title": "A", "weight": 3},
            {"title": "B", "weight": 1},
            {"title": "C", "weight": 5},
            {"title": "D"},
        ]
    }
    created = client.post("/api/lotteries", json=body).get_json()
    drawn = client.post(f"/api/lotteries/{created['id']}/draw").get_json()
    html = client.get(f"/l/{created['id']}").get_data(as_text=True)
    snippet = html_lib.unescape(html.split('<pre class="snippet">')[1].split("</pre>")[0])
    assert snippet.startswith('python3 -c "')
    script = snippet.removeprefix('python3 -c "').removesuffix('"')
    printed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    ).stdout.splitlines()
    assert printed[0] == created["commitment"]
    assert printed[-1] == f"winner # {drawn['winner']['position'] + 1}"


def test_an_empty_library_says_how_films_get_there(client):
    page = html_lib.unescape(client.get("/library", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "The library has no films yet. Lottery winners land here" in page and "Nothing found." not in page
    client.post("/api/library", json={"title": "Сталкер"}, headers=ADMIN)
    filtered = html_lib.unescape(
        client.get("/library?q=Солярис", headers={"Accept-Language": "en"}).get_data(as_text=True)
    )
    assert "Nothing found." in filtered and "has no films yet" not in filtered
