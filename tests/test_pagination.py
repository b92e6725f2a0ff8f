"""History and the library use keyset pagination: the number of SQL queries per page is
the same at page 1 and at page 10, and no page loads every row."""

import re

from movie_lottery.extensions import db
from movie_lottery.services import library
from movie_lottery.services.lotteries import lottery


def fill(app, films=260, lotteries=45):
    with app.app_context():
        for i in range(films):
            library.add_film(
                db.session, library.FilmData(title=f"Film {i:03d}", year=1950 + i % 70, kinopoisk_id=10_000 + i)
            )
        for i in range(lotteries):
            entries = [lottery.EntryData(film=library.FilmData(title=f"L{i} E{j}")) for j in range(3)]
            lottery.create_lottery(db.session, f"Lottery {i}", entries)
        db.session.commit()


def walk(client, path, count_queries):
    """Follow the 'next' links; return (queries per page, items per page)."""
    queries, sizes, url = [], [], path
    while url:
        with count_queries() as counter:
            html = client.get(url).get_data(as_text=True)
        queries.append(counter.count)
        sizes.append(
            html.count('<li class="film" data-film-id=') if path.startswith("/library") else html.count("<li>")
        )
        match = re.search(r'href="([^"]+cursor=[^"]+)">[^<]*»', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    return queries, sizes


def test_library_pages_cost_the_same_queries_at_any_depth(app, client, count_queries):
    fill(app)
    queries, sizes = walk(client, "/library?sort=year", count_queries)
    assert sizes == [50] * 5 + [10]  # 260 films, 50 per page
    assert len(set(queries)) == 1, queries


def test_library_pages_show_every_film_once(app, client):
    fill(app, films=120, lotteries=0)
    seen, url = [], "/library?sort=title"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"<strong>(Film \d+)</strong>", html)
        match = re.search(r'href="([^"]+cursor=[^"]+)">[^<]*»', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == [f"Film {i:03d}" for i in range(120)]


def test_history_pages_cost_the_same_queries_at_any_depth(app, client, count_queries):
    fill(app, films=0)
    queries, sizes = walk(client, "/history", count_queries)
    assert sizes == [20, 20, 5]  # 45 lotteries, 20 per page
    assert len(set(queries)) == 1, queries


def test_api_library_walk_with_every_sort(app, client):
    fill(app, films=75, lotteries=0)
    for sort in library.SORTS:
        ids, cursor = [], ""
        while True:
            body = client.get(f"/api/library?limit=20&sort={sort}&cursor={cursor}").get_json()
            ids += [item["id"] for item in body["items"]]
            if not body["next_cursor"]:
                break
            cursor = body["next_cursor"]
        assert len(ids) == len(set(ids)) == 75, sort


def test_a_cursor_of_the_wrong_shape_is_a_bad_link_not_an_outage(admin_client, admin_csrf, caplog):
    from movie_lottery.services.library import encode_cursor

    for title, rating in (("Амели", 7.9), ("Брат", 8.3)):
        admin_client.post("/api/library", json={"title": title, "rating": rating}, headers={"X-CSRFToken": admin_csrf})
    title_cursor = encode_cursor(["амели", 1])
    wrong = {
        "/library?sort=rating&cursor=" + title_cursor: "/api/library?sort=rating&cursor=" + title_cursor,
        "/library?sort=year&cursor=" + encode_cursor([1.5, 1]): "/api/library?sort=year&cursor="
        + encode_cursor([1.5, 1]),
        "/library?sort=title&cursor=" + encode_cursor([7, 1]): "/api/library?sort=title&cursor="
        + encode_cursor([7, 1]),
        "/library?cursor=" + encode_cursor([5, 2**31]): "/api/library?cursor=" + encode_cursor([5, 2**31]),
        "/history?cursor=" + encode_cursor([2**63]): "/api/lotteries?cursor=" + encode_cursor([2**63]),
        "/history?cursor=" + encode_cursor(["1"]): "/api/lotteries?cursor=" + encode_cursor(["1"]),
    }
    with caplog.at_level("WARNING"):
        for page, api in wrong.items():
            response = admin_client.get(page)
            assert response.status_code == 400, page
            assert "Неверная ссылка на страницу." in response.get_data(as_text=True)
            assert admin_client.get(api).status_code == 400, api
    assert "database unavailable" not in caplog.text
    rated = admin_client.get("/library?sort=rating&cursor=" + encode_cursor([8.3, 2]))  # the right shape still works
    assert rated.status_code == 200


def test_every_page_runs_at_most_three_statements_at_any_depth(app, client, count_queries):
    fill(app, films=260, lotteries=45)
    with app.app_context():
        public_id = lottery.history(db.session, limit=1).items[0].public_id
    counts = {}
    for name, path in (("home", "/"), ("lottery", f"/l/{public_id}"), ("library", "/library"), ("history", "/history")):
        client.get(path)  # the first request of a process loads templates; count the steady state
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        counts[name] = counter.count
    library_walk, library_sizes = walk(client, "/library", count_queries)
    history_walk, history_sizes = walk(client, "/history", count_queries)
    assert (library_sizes, history_sizes) == ([50] * 5 + [10], [20, 20, 5])
    assert max(counts.values()) <= 3, counts
    assert max(library_walk + history_walk) <= 3
    assert library_walk[0] == library_walk[-1] and history_walk[0] == history_walk[-1]
