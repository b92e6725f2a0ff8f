import re

from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Lottery

from .helpers import csrf_token_from


def form_rows(*rows):
    data = {"entry-title": [], "entry-year": [], "entry-poster_url": [], "entry-kinopoisk_id": [], "entry-weight": []}
    for row in rows:
        for key in data:
            data[key].append(str(row.get(key.removeprefix("entry-"), "")))
    return data


def test_home_renders_in_russian_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="ru"' in html and "Создать лотерею" in html


def test_english_is_available(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html and "Создать лотерею" not in html
    switched = client.get("/lang/en")
    assert switched.status_code == 302 and "lang=en" in switched.headers["Set-Cookie"]


def test_create_lottery_through_the_form_then_draw(client, csrf, app):
    data = {
        "csrf_token": csrf,
        "title": "Пятница",
        **form_rows({"title": "Брат", "year": 1997}, {"title": "Брат 2", "weight": 3}, {}),
    }
    created = client.post("/lotteries", data=data)
    assert created.status_code == 302
    url = created.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    with app.app_context():
        lottery = db.session.scalar(select(Lottery))
        seed_hex, commitment = lottery.seed.hex(), lottery.commitment
    assert "Пятница" in page and "Брат 2" in page
    assert commitment in page and seed_hex not in page  # the seed stays secret until the draw
    drawn = client.post(url + "/draw", data={"csrf_token": csrf})
    assert drawn.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert seed_hex in page and "is-winner" in page


def test_form_without_csrf_token_is_rejected(client):
    response = client.post("/lotteries", data=form_rows({"title": "a"}, {"title": "b"}))
    assert response.status_code == 400


def test_form_errors_are_shown_in_the_page(client, csrf, app):
    response = client.post("/lotteries", data={"csrf_token": csrf, **form_rows({"title": "один"}, {"year": "abc"})})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Не получилось создать лотерею" in html
    assert 'value="один"' in html  # what the visitor typed is kept
    with app.app_context():
        assert db.session.scalar(select(Lottery)) is None


def test_unknown_lottery_page_is_404(client):
    assert client.get("/l/doesnotexist").status_code == 404


def test_history_and_library_pages(client, csrf):
    for i in range(3):
        client.post(
            "/lotteries",
            data={"csrf_token": csrf, **form_rows({"title": f"Фильм {i}", "year": 2000 + i}, {"title": "Другой"})},
        )
    history = client.get("/history").get_data(as_text=True)
    assert history.count("ждёт розыгрыша") == 3
    assert client.get("/history?cursor=garbage").status_code == 400
    assert client.get("/library?sort=nope").status_code == 400
    assert client.get("/library?year=19x9").status_code == 400


def test_library_filters(admin_client, admin_csrf):
    headers = {"X-CSRFToken": admin_csrf}
    for title, year, genres in (
        ("Амели", 2001, ["мелодрама"]),
        ("Брат", 1997, ["драма"]),
        ("Брат 2", 2000, ["драма", "боевик"]),
    ):
        assert (
            admin_client.post(
                "/api/library", json={"title": title, "year": year, "genres": genres}, headers=headers
            ).status_code
            == 201
        )

    def titles(query):
        html = admin_client.get("/library?" + query).get_data(as_text=True)
        return re.findall(r"<strong>([^<]+)</strong>", html)

    assert titles("q=брат") == ["Брат 2", "Брат"]
    assert titles("genre=драма&sort=year") == ["Брат 2", "Брат"]
    assert titles("year=2001") == ["Амели"]
    assert titles("sort=title") == ["Амели", "Брат", "Брат 2"]


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_site_url_wins_for_share_links(sqlite_app):
    app = sqlite_app(SITE_URL="https://kino.example.com/")
    body = app.test_client().post("/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b"}]}).get_json()
    assert body["url"] == f"https://kino.example.com/l/{body['id']}"


def test_static_files_have_fingerprinted_urls_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    stale = client.get("/static/style.css?v=000000000000")
    assert stale.status_code == 200 and stale.cache_control.max_age != 365 * 24 * 3600
    assert client.get("/static/../config.py?v=1").status_code == 404


def test_home_and_history_list_lotteries_with_their_film_counts_and_winners(client, csrf, app):
    sizes = (2, 3, 5, 2, 4, 3, 2)  # seven lotteries: the home page shows the newest six
    urls = []
    for number, size in enumerate(sizes):
        rows = [
            {
                "title": f"Л{number} фильм {i}",
                "year": 1990 + i,
                "poster_url": f"https://img.example.org/{number}-{i}.jpg",
            }
            for i in range(size)
        ]
        created = client.post("/lotteries", data={"csrf_token": csrf, "title": f"Вечер {number}", **form_rows(*rows)})
        urls.append(created.headers["Location"])
    for url in (urls[2], urls[5]):
        assert client.post(url + "/draw", data={"csrf_token": csrf}).status_code == 302
    with app.app_context():
        lotteries = db.session.scalars(select(Lottery).order_by(Lottery.id.desc()).limit(6)).all()
        expected = [(lot.title, len(lot.entries), lot.winner.title if lot.winner else None) for lot in lotteries]
    html = client.get("/?lang=en").get_data(as_text=True)
    listed = re.findall(
        r'<li>\s*<a href="/l/[^"]+">([^<]+)</a>\s*<span class="muted">(\d+) films?</span>\s*'
        r'(?:<span class="badge winner">🏆 ([^<]+)</span>|<span class="badge">[^<]+</span>)',
        html,
    )
    assert [(title, int(count), winner or None) for title, count, winner in listed] == expected
    assert [count for _title, count, _winner in expected] == [2, 3, 4, 2, 5, 3]
    assert sum(winner is not None for _title, _count, winner in expected) == 2
    with app.app_context():
        everything = db.session.scalars(select(Lottery).order_by(Lottery.id.desc())).all()
        expected = [
            (lot.title, len(lot.entries), f"{lot.winner.title} ({lot.winner.year})" if lot.winner else None)
            for lot in everything
        ]
    history = client.get("/history?lang=en").get_data(as_text=True)
    listed = re.findall(
        r'<a href="/l/[^"]+">([^<]+)</a>\s*<div class="muted"><time[^>]*>[^<]*</time> · (\d+) films?</div>\s*'
        r'(?:<div class="badge winner">🏆 ([^<]+)</div>|<div class="badge">[^<]+</div>)',
        history,
    )
    assert [(title, int(count), winner or None) for title, count, winner in listed] == expected
    assert history.count('<img class="thumb"') == 2  # the winners' posters (none for undrawn lotteries)
