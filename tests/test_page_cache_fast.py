"""Cache hits answered before Flask (movie_lottery/page_cache/fast.py): the same page, headers and
token as Flask's path would give; everything unusual left to Flask; and the page cache's
guarantees — a visitor's page never carries another's token, name, vote or the admin's controls,
a write is on the next view from any worker — proven again through real gunicorn with two
workers, with the repeat views answered by the fast path (X-Page-Cache-Path)."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from unittest import mock

import pytest
import requests

from movie_lottery import page_cache
from movie_lottery.extensions import db
from movie_lottery.models import Film
from movie_lottery.page_cache.fast import MARK

from .conftest import migrated
from .helpers import ADMIN_PASSWORD, QueryCounter, build_app, csrf_token_from
from .servers import migrated_site
from .test_nights import at
from .test_nights import create as create_night
from .test_nights import rsvp as night_rsvp
from .test_page_cache import AUTH, WAIT, login, make_lottery, written
from .test_page_cache import cached_app  # noqa: F401  (fixture)
from .test_polls_api import create as create_poll
from .test_polls_api import vote

FAST = MARK[0]


def fast(response) -> bool:
    return response.headers.get(FAST) == MARK[1]


def test_a_hit_before_flask_is_the_page_flasks_path_gives(cached_app):
    """Each cached_app page, viewed by a visitor with a session, a device cookie and a member: the
    answer before Flask has the same status, headers (but the mark) and bytes as Flask's own hit."""
    client = cached_app.test_client()
    lottery = written(cached_app, lambda: make_lottery(client))
    poll = written(cached_app, lambda: create_poll(client))
    night = written(cached_app, lambda: create_night(client, date_options=[at(30), at(54)]))
    written(cached_app, lambda: night_rsvp(client, night, "going", name="Аня"))
    film = written(cached_app, lambda: client.post("/api/library", json={"title": "Сталкер"}, headers=AUTH).get_json())
    cache = cached_app.extensions["page_cache"]
    paths = [
        "/",
        "/library",
        "/history",
        f"/l/{lottery}",
        f"/p/{poll['id']}",
        f"/n/{night['id']}",
        "/nights",
        "/stats",
        f"/films/{film['film']['id']}",
        "/history?lang=en",
    ]
    for path in paths:
        client.get(path)  # rendered and stored
        before_flask = client.get(path)
        routes = dict(cache.routes)
        cache.routes.clear()  # unknown paths go to Flask, which serves them from the cache
        through_flask = client.get(path)
        cache.routes.update(routes)
        assert fast(before_flask) and not fast(through_flask), path
        assert through_flask.headers.get("X-Page-Cache") == before_flask.headers.get("X-Page-Cache") == "hit", path
        assert (before_flask.status_code, before_flask.get_data()) == (
            through_flask.status_code,
            through_flask.get_data(),
        ), path
        assert [h for h in before_flask.headers if h[0] != FAST] == list(through_flask.headers), path
    assert 'lang="en"' in client.get("/history?lang=en").get_data(as_text=True)


def test_a_new_visitor_before_flask_gets_the_session_and_token_flasks_path_gives(cached_app):
    """A first visit (no session, or one whose signature fails) answered before Flask: a new CSRF
    secret in a session cookie made by Flask's session interface, with the same attributes, headers
    and page as Flask's path gives; the cookie is then a session like any other, and the token works."""
    writer = cached_app.test_client()
    lottery = written(cached_app, lambda: make_lottery(writer))
    path = f"/l/{lottery}"
    writer.get(path)  # rendered and stored
    cache = cached_app.extensions["page_cache"]
    first = cached_app.test_client().get(path)
    routes = dict(cache.routes)
    cache.routes.clear()
    through_flask = cached_app.test_client().get(path)
    cache.routes.update(routes)
    assert fast(first) and not fast(through_flask) and through_flask.headers.get("X-Page-Cache") == "hit"

    def without_secrets(response):
        cookie = re.sub(r"^session=[^;]+", "session=…", response.headers["Set-Cookie"])
        headers = [(k, cookie if k == "Set-Cookie" else v) for k, v in response.headers if k != FAST]
        body = response.get_data(as_text=True).replace(csrf_token_from(response.get_data(as_text=True)), "…")
        return headers, body

    assert without_secrets(first) == without_secrets(through_flask)
    newcomer = cached_app.test_client()
    html = newcomer.get(path).get_data(as_text=True)
    assert fast(newcomer.get(path))  # the session the fast path made opens like Flask's own
    assert newcomer.post(f"{path}/draw", data={"csrf_token": csrf_token_from(html)}).status_code == 302
    forged = cached_app.test_client()
    forged.set_cookie("session", writer.get_cookie("session").value[:-2] + "xx")  # a signature that fails
    replaced = forged.get(path)
    assert "Set-Cookie" in replaced.headers and forged.get_cookie("session").value != writer.get_cookie("session").value


def test_what_is_not_the_plainest_visit_is_left_to_flask(cached_app):
    visitor, admin = cached_app.test_client(), cached_app.test_client()
    lottery = written(cached_app, lambda: make_lottery(visitor))
    path = f"/l/{lottery}"
    visitor.get(path)
    assert fast(visitor.get(path))
    login(admin)
    assert all(not fast(admin.get(p)) for p in (path, path, "/library", "/library"))  # an admin flag in the session
    assert not fast(visitor.head(path))  # only GET
    assert visitor.get(path + "?q=%00").status_code in (400, 404)  # Flask refuses NUL characters
    freshness = cached_app.extensions["page_cache"].freshness
    with mock.patch.object(freshness, "trusted", return_value=False):
        assert not fast(visitor.get(path))
    visitor.set_cookie(page_cache.WRITE_COOKIE, "99999999999")  # a write this process has not heard
    assert not fast(visitor.get(path)) and visitor.get(path).headers.get("X-Page-Cache") is None
    visitor.delete_cookie(page_cache.WRITE_COOKIE)
    poll = written(cached_app, lambda: create_poll(visitor))
    first = cached_app.test_client()
    assert (
        not fast(first.get(f"/p/{poll['id']}")) and first.get_cookie("voter") is not None
    )  # Flask sets the voter cookie
    first.get(f"/p/{poll['id']}")  # the page for this voter, rendered
    assert fast(first.get(f"/p/{poll['id']}"))
    token = csrf_token_from(visitor.get(path).get_data(as_text=True))
    visitor.post(f"{path}/again", data={"csrf_token": token})  # undrawn: flashes an error
    flashed = visitor.get(path)
    assert not fast(flashed) and 'class="flash flash-error"' in flashed.get_data(as_text=True)


def test_a_cached_film_page_keeps_its_player_frame_and_shows_a_poll_win_when_the_poll_closes(cached_app):
    """The film page is cached_app now: the trailer's frame-src (its own CSP header) is kept with the page,
    and a poll it is in closing by time (no write) shows the win at once."""
    client = cached_app.test_client()
    film = written(
        cached_app, lambda: client.post("/api/library", json={"title": "Сталкер"}, headers=AUTH).get_json()["film"]
    )
    with cached_app.app_context():
        db.session.get(Film, film["id"]).trailer_url = "https://www.youtube-nocookie.com/embed/abc"
        written(cached_app, db.session.commit)
    poll = written(cached_app, lambda: create_poll(client, entries=[{"film_id": film["id"]}, {"title": "Солярис"}]))
    written(cached_app, lambda: vote(client, poll, 0))
    path = f"/films/{film['id']}"
    for _ in range(3):
        page = client.get(path)
        assert "youtube-nocookie.com" in page.headers["Content-Security-Policy"] and "победил" not in page.get_data(
            as_text=True
        )
    assert fast(page)
    after_closing = datetime.fromisoformat(poll["closes_at"].replace("Z", "+00:00")) + timedelta(seconds=1)
    with (
        mock.patch("movie_lottery.page_cache.time.time", return_value=after_closing.timestamp()),
        mock.patch("movie_lottery.services.ratings.history.utcnow", return_value=after_closing),
    ):
        assert "победил" in client.get(path).get_data(as_text=True)


def test_first_visits_arriving_with_a_new_process_wait_for_its_listener_and_share_one_render(postgres_url):
    """A worker that has just started: /health answers at once, and a burst of first visits may
    arrive before its listener has connected. They wait for it (a bounded wait) and share one
    render, instead of each rendering the page uncached (failed before: 4 renders, 12 statements)."""
    app = build_app(postgres_url)
    public_id = make_lottery(app.test_client())
    freshness = app.extensions["page_cache"].freshness
    release, connect = threading.Event(), freshness._run
    freshness._run = lambda conninfo: (release.wait(WAIT), connect(conninfo))  # the listener's connection, held back
    with app.app_context():
        engine = db.engine
    try:
        page_cache.start(app)
        with (
            mock.patch.object(page_cache, "STARTUP_WAIT_SECONDS", WAIT),
            QueryCounter(engine) as counter,
            ThreadPoolExecutor(max_workers=4) as pool,
        ):
            visits = [pool.submit(app.test_client().get, f"/l/{public_id}") for _ in range(4)]
            time.sleep(0.2)  # not a synchronisation: the visits must still be waiting after it
            assert not any(visit.done() for visit in visits) and counter.count == 0
            release.set()
            assert {visit.result(timeout=WAIT).status_code for visit in visits} == {200}
        assert counter.count == 3  # one render: the lottery, its entries, its source poll
    finally:
        release.set()
        freshness.stop()
        with app.app_context():
            db.engine.dispose()


def test_every_page_view_hook_is_known_to_the_fast_path(cached_app):
    """fast.py answers without Flask's request hooks: one added for every request (a check, a
    header) must be reflected there too, or the fast path would skip it — this test says so."""

    def named(funcs):
        return [getattr(f, "__name__", None) or f.func.__name__ for f in funcs]  # (a partial: the limiter's)

    before = {key: named(funcs) for key, funcs in cached_app.before_request_funcs.items()}
    after = {key: named(funcs) for key, funcs in cached_app.after_request_funcs.items()}
    # csrf_protect checks POST, PUT, PATCH, DELETE only; refuse_nul_characters: fast.py refuses a NUL
    # in the query itself (the path is one a view answered)
    assert before[None] == ["csrf_protect", "refuse_nul_characters"]
    # the limiter's headers follow a limit checked (none on a page view); static files only; a
    # device's last-seen time (a hit does not refresh it: /me says so); a write only;
    # security_headers: PageCache.headers, the same function (web/headers.add_page_headers)
    assert after[None] == [
        "__inject_headers",
        "cache_fingerprinted",
        "record_sighting",
        "remember_write",
        "security_headers",
    ]
    # the blueprints of cached_app pages: set_cookie_if_new only (a new device: left to Flask)
    for blueprint in ("pages", "stats", "nights", "polls", "films"):
        assert before.get(blueprint, []) == [] and set(after.get(blueprint, [])) <= {"set_cookie_if_new"}, blueprint


# -- through real gunicorn, two workers ---------------------------------------------------------


@pytest.fixture(scope="module")
def site(make_postgres_database, tmp_path_factory):
    url = migrated(make_postgres_database())
    with migrated_site(url, tmp_path_factory.mktemp("fast") / "gunicorn.log", WEB_CONCURRENCY="2") as server:
        yield server


def view(session: requests.Session, url: str) -> requests.Response:
    response = session.get(url, timeout=10)
    assert response.status_code == 200, url
    return response


def repeat_view(session: requests.Session, url: str) -> str:
    """The visitor's repeat view, answered before Flask: by the third view at the latest (the first
    gives a new visitor their cookies, the second may render the page for them)."""
    for _ in range(3):
        response = view(session, url)
        if fast(response):
            return response.text
    raise AssertionError("not answered before Flask: " + url)


def until_fresh(url: str, fresh, seconds: float = 2) -> None:
    """Another visitor's next views, on new connections (either worker): fresh within the NOTIFY's trip."""
    deadline = time.monotonic() + seconds
    while not fresh(view(requests.Session(), url).text):
        assert time.monotonic() < deadline, "a stale page outlived the write's announcement: " + url
    for _ in range(8):
        assert fresh(view(requests.Session(), url).text), url


def test_two_workers_each_visitor_gets_their_own_token_and_forms_work(site):
    alice, bob = requests.Session(), requests.Session()
    lottery = alice.post(
        site.url + "/api/lotteries", json={"entries": [{"title": "Сталкер"}, {"title": "Солярис"}]}, timeout=10
    ).json()["id"]
    url = f"{site.url}/l/{lottery}"
    tokens = {name: csrf_token_from(repeat_view(visitor, url)) for name, visitor in (("alice", alice), ("bob", bob))}
    assert tokens["alice"] != tokens["bob"]
    assert (
        bob.post(f"{url}/draw", data={"csrf_token": tokens["alice"]}, allow_redirects=False, timeout=10).status_code
        == 400
    )
    assert (
        bob.post(f"{url}/draw", data={"csrf_token": tokens["bob"]}, allow_redirects=False, timeout=10).status_code
        == 302
    )


def test_two_workers_each_voter_sees_their_own_vote(site):
    alice, bob = requests.Session(), requests.Session()
    poll = alice.post(
        site.url + "/api/polls", json={"entries": [{"title": t} for t in ("Сталкер", "Солярис")]}, timeout=10
    ).json()
    url = f"{site.url}/p/{poll['id']}"
    for visitor in (alice, bob):
        assert "is-mine" not in repeat_view(visitor, url)
    assert (
        alice.post(
            f"{site.url}/api/polls/{poll['id']}/vote", json={"entry_id": poll["entries"][1]["id"]}, timeout=10
        ).status_code
        == 200
    )
    assert "is-mine" in repeat_view(alice, url)
    assert "is-mine" not in repeat_view(bob, url)


def test_two_workers_a_members_name_and_answer_are_theirs_alone(site):
    alice, bob = requests.Session(), requests.Session()
    night = alice.post(site.url + "/api/nights", json={"title": "Кино", "starts_at": at(48)}, timeout=10).json()
    url = f"{site.url}/n/{night['id']}"
    assert (
        alice.post(
            f"{site.url}/api/nights/{night['id']}/rsvp", json={"answer": "going", "name": "Аня-секрет"}, timeout=10
        ).status_code
        == 200
    )
    alice_html, bob_html = repeat_view(alice, url), repeat_view(bob, url)
    assert 'id="rsvp-going" class="primary"' in alice_html and 'id="rsvp-name"' not in alice_html
    assert 'aria-pressed="true"' not in bob_html, bob_html[bob_html.find('aria-pressed="true"') - 300 :][:400]
    assert 'id="rsvp-name"' in bob_html
    assert 'value="Аня-секрет"' not in bob_html
    for path in ("/", "/library", "/history", "/nights", "/stats"):
        assert "Аня-секрет" not in repeat_view(bob, site.url + path), path


def test_two_workers_the_admins_controls_never_reach_a_guest(site):
    admin, guest = requests.Session(), requests.Session()
    token = csrf_token_from(view(admin, site.url + "/admin/login").text)
    assert (
        admin.post(
            site.url + "/admin/login",
            data={"password": ADMIN_PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        ).status_code
        == 302
    )
    for _ in range(3):
        page = view(admin, site.url + "/library")
        assert "/admin/logout" in page.text and not fast(page)
        assert "/admin/logout" not in repeat_view(guest, site.url + "/library")


def test_two_workers_a_write_is_on_the_next_view_from_either_worker(site):
    writer = requests.Session()
    lottery = writer.post(
        site.url + "/api/lotteries", json={"entries": [{"title": "Сталкер"}, {"title": "Солярис"}]}, timeout=10
    ).json()["id"]
    url = f"{site.url}/l/{lottery}"
    for _ in range(8):  # new connections: both workers hold the page, answered before Flask
        repeat_view(requests.Session(), url)
    token = csrf_token_from(repeat_view(writer, url))
    assert writer.post(f"{url}/draw", data={"csrf_token": token}, allow_redirects=False, timeout=10).status_code == 302
    cookies = writer.cookies.get_dict()
    assert page_cache.WRITE_COOKIE in cookies
    for _ in range(8):  # the writer on new connections, either worker: fresh at once
        with requests.Session() as again:
            again.cookies.update(cookies)
            assert 'id="draw-form"' not in view(again, url).text
    until_fresh(url, lambda html: 'id="draw-form"' not in html)
    assert re.search(r"winner", repeat_view(requests.Session(), url))
