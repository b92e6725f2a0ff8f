"""Polls through the JSON API, on SQLite and Postgres: creation, voting with the signed
voter cookie, the deadline from the stored time, early close, results (hidden, ties),
the cheap ETag read, and the poll -> lottery step."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from movie_lottery.extensions import db
from movie_lottery.models import Film, LotteryEntry, Poll, PollVote, utcnow
from movie_lottery.services.library import badges
from movie_lottery.services import library, polls

from .helpers import ADMIN_TOKEN, BANNED_UNTIL


def films(*titles):
    return [{"title": title} for title in titles]


def create(client, **body):
    body.setdefault("entries", films("Сталкер", "Солярис", "Зеркало"))
    response = client.post("/api/polls", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def vote(client, poll, index, expect=200):
    response = client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": poll["entries"][index]["id"]})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def votes(body):
    return [entry["votes"] for entry in body["entries"]]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def expire(app, public_id):
    """Move the stored deadline into the past, as time passing would (no job involved)."""
    with app.app_context():
        db.session.execute(
            update(Poll).where(Poll.public_id == public_id).values(closes_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_create_returns_the_documented_shape_and_stores_only_a_token_hash(client, app):
    body = create(
        client,
        title="Пятница",
        entries=[
            {"title": "1+1", "year": 2011, "kinopoisk_id": 535341, "poster_url": "https://img.example/1.jpg"},
            {"title": "Брат"},
        ],
        closes_in_minutes=90,
        allow_suggestions=True,
    )
    assert {"id", "url", "manage_token", "closes_at", "entries"} <= set(body)
    assert body["url"].endswith(f"/p/{body['id']}") and body["closed"] is False
    assert [e["title"] for e in body["entries"]] == ["1+1", "Брат"]
    assert body["entries"][0]["year"] == 2011 and all(isinstance(e["id"], int) for e in body["entries"])
    assert body["allow_suggestions"] is True and body["my_vote"] is None
    with app.app_context():
        poll = db.session.scalar(select(Poll))
        assert poll.manage_token_hash == polls.hash_token(body["manage_token"])
        assert body["manage_token"] not in poll.manage_token_hash
        minutes = (poll.ends_at() - poll.created_at.replace(tzinfo=poll.ends_at().tzinfo)).total_seconds() / 60
        assert 89.9 < minutes < 90.1


def test_default_is_open_for_a_day(client):
    body = create(client)
    fetched = client.get(f"/api/polls/{body['id']}").get_json()
    assert fetched["closes_at"] == body["closes_at"] and fetched["closed"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"entries": films("only one")}, "entries"),
        ({"entries": films(*[f"F{i}" for i in range(26)])}, "entries"),
        ({"entries": films("A", "B"), "closes_in_minutes": 4}, "closes_in_minutes"),
        ({"entries": films("A", "B"), "closes_in_minutes": 7 * 24 * 60 + 1}, "closes_in_minutes"),
        ({"entries": [{"title": "A"}, {}]}, "entries.1"),
        ({"entries": [{"title": "A"}, {"film_id": 1, "title": "B"}]}, "entries.1"),
        ({"entries": [{"title": "A"}, {"title": "B", "weight": 3}]}, "entries.1.weight"),
    ],
)
def test_invalid_polls_are_422_with_the_field(client, body, field):
    response = client.post("/api/polls", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_library_films_enter_by_film_id(client, app):
    with app.app_context():
        film, _ = library.add_film(db.session, library.FilmData(title="Иваново детство", year=1962, kinopoisk_id=42))
        db.session.commit()
        film_id = film.id
    body = create(client, entries=[{"film_id": film_id}, {"title": "Каток и скрипка"}])
    assert body["entries"][0]["title"] == "Иваново детство" and body["entries"][0]["kinopoisk_id"] == 42
    missing = client.post("/api/polls", json={"entries": [{"film_id": film_id + 99}, {"title": "X"}]})
    assert missing.status_code == 422 and "entries.0.film_id" in missing.get_json()["error"]["fields"]


def test_banned_films_cannot_enter_a_poll(app, client):
    with app.app_context():
        film, _ = library.add_film(db.session, library.FilmData(title="Плохой", year=2001, kinopoisk_id=77))
        badges.set_badges(film, banned_until=(utcnow() + timedelta(days=3)).date())
        db.session.commit()
        film_id = film.id
    for banned in (
        {"film_id": film_id},
        {"title": "Плохой", "year": 2001},
        {"title": "Другое имя", "kinopoisk_id": 77},
    ):
        response = client.post("/api/polls", json={"entries": [{"title": "Хороший"}, banned]})
        assert response.status_code == 422, banned
        error = response.get_json()["error"]
        assert error["code"] == "film_banned" and "Плохой" in error["message"]
    poll = create(client, allow_suggestions=True)
    refused = client.post(f"/api/polls/{poll['id']}/suggestions", json={"title": "плохой"})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "film_banned"


def test_one_vote_per_device_changeable(app, client):
    poll = create(client)
    first = vote(client, poll, 0)
    assert votes(first) == [1, 0, 0] and first["my_vote"] == poll["entries"][0]["id"]
    changed = vote(client, poll, 2)  # same cookie: the vote moves, it is not added
    assert votes(changed) == [0, 0, 1]
    other = app.test_client()
    assert votes(vote(other, poll, 2)) == [0, 0, 2]
    with app.app_context():
        assert db.session.query(PollVote).count() == 2


def test_the_voter_cookie_is_signed_and_a_forged_one_is_a_new_device(app, client):
    poll = create(client)
    vote(client, poll, 0)
    cookie = client.get_cookie("voter")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    forger = app.test_client()
    device, _dot, _signature = cookie.value.partition(".")
    forger.set_cookie("voter", device + ".forged")
    assert votes(vote(forger, poll, 1)) == [1, 1, 0]  # counted as someone new, not as a change


def test_the_database_refuses_a_second_vote_row_for_the_same_voter(app, client):
    poll = create(client)
    vote(client, poll, 0)
    with app.app_context():
        row = db.session.scalar(select(PollVote))
        db.session.add(PollVote(poll_id=row.poll_id, voter=row.voter, entry_id=row.entry_id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_unknown_entries_are_422(client):
    poll, other = create(client), create(client)
    for entry_id in (other["entries"][0]["id"], 2**31 - 1):
        response = client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": entry_id})
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "unknown_entry"
    assert client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": "x"}).status_code == 422
    assert client.post("/api/polls/nope/vote", json={"entry_id": 1}).status_code == 404


def test_the_deadline_closes_the_poll_with_no_job_running(app, client):
    poll = create(client)
    vote(client, poll, 1)
    expire(app, poll["id"])
    response = client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": poll["entries"][0]["id"]})
    assert response.status_code == 410 and response.get_json()["error"]["code"] == "poll_closed"
    body = client.get(f"/api/polls/{poll['id']}").get_json()
    assert body["closed"] is True and body["winner"] == [poll["entries"][1]["id"]]
    assert votes(body) == [0, 1, 0]


def test_early_close_needs_the_manage_token(app, client):
    poll = create(client)
    url = f"/api/polls/{poll['id']}/close"
    for headers in ({}, bearer("wrong"), {"Authorization": poll["manage_token"]}, bearer(ADMIN_TOKEN)):
        response = client.post(url, headers=headers)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    closed = client.post(url, headers=bearer(poll["manage_token"]))
    assert closed.status_code == 200 and closed.get_json()["closed"] is True
    assert client.post(url, headers=bearer(poll["manage_token"])).status_code == 200  # idempotent
    vote(client, poll, 0, expect=410)


def test_results_can_stay_hidden_until_you_vote(app, client):
    poll = create(client, hide_results=True)
    vote(app.test_client(), poll, 0)
    before = client.get(f"/api/polls/{poll['id']}").get_json()
    assert votes(before) == [None, None, None] and before["total_votes"] is None and before["leaders"] is None
    after = vote(client, poll, 1)
    assert votes(after) == [1, 1, 0] and after["total_votes"] == 2
    stranger = app.test_client()
    expire(app, poll["id"])
    assert votes(stranger.get(f"/api/polls/{poll['id']}").get_json()) == [1, 1, 0]  # closed: shown to all


def test_ties_are_shown_as_ties(app, client):
    poll = create(client)
    vote(client, poll, 0)
    body = vote(app.test_client(), poll, 2)
    ids = [e["id"] for e in poll["entries"]]
    assert body["leaders"] == [ids[0], ids[2]]
    closed = client.post(f"/api/polls/{poll['id']}/close", headers=bearer(poll["manage_token"])).get_json()
    assert closed["winner"] == [ids[0], ids[2]]


def test_no_votes_no_winner(client):
    poll = create(client)
    body = client.post(f"/api/polls/{poll['id']}/close", headers=bearer(poll["manage_token"])).get_json()
    assert body["winner"] == [] and body["leaders"] == []


def test_unchanged_results_answer_304_and_any_vote_changes_the_etag(app, client):
    poll = create(client)
    url = f"/api/polls/{poll['id']}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b"" and cached.headers["ETag"] == etag
    vote(app.test_client(), poll, 1)  # someone else votes
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and votes(fresh.get_json()) == [0, 1, 0]
    assert fresh.headers["ETag"] != etag


def test_the_etag_changes_when_the_deadline_passes(app, client):
    poll = create(client)
    url = f"/api/polls/{poll['id']}"
    etag = client.get(url).headers["ETag"]
    expire(app, poll["id"])
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["closed"] is True


def test_an_unchanged_poll_is_one_query(app, client, count_queries):
    poll = create(client)
    url = f"/api/polls/{poll['id']}"
    etag = client.get(url).headers["ETag"]
    with count_queries() as counter:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert counter.count == 1


def test_poll_to_weighted_lottery_links_back(app, client):
    poll = create(client, title="Голосуем")
    for index in (0, 0, 0, 2):
        vote(app.test_client(), poll, index)
    url = f"/api/polls/{poll['id']}/lottery"
    assert client.post(url, headers=bearer("nope")).status_code == 403
    made = client.post(url, headers=bearer(poll["manage_token"]))
    assert made.status_code == 201, made.get_json()
    lottery = made.get_json()
    assert lottery["url"].endswith(f"/l/{lottery['id']}")
    entries = client.get(f"/api/lotteries/{lottery['id']}").get_json()["entries"]
    assert [(e["title"], e["weight"]) for e in entries] == [("Сталкер", 3), ("Зеркало", 1)]
    again = client.post(url, headers=bearer(poll["manage_token"]), json={"mode": "leaders"})
    assert again.status_code == 200 and again.get_json()["id"] == lottery["id"]  # made once
    body = client.get(f"/api/polls/{poll['id']}").get_json()
    assert body["closed"] is True and body["lottery"]["id"] == lottery["id"]
    page = client.get(f"/l/{lottery['id']}").get_data(as_text=True)
    assert f'href="/p/{poll["id"]}"' in page


def test_weights_may_exceed_the_hand_made_limit(app, client):
    poll = create(client)
    with app.app_context():
        poll_id = db.session.scalar(select(Poll.id).where(Poll.public_id == poll["id"]))
        db.session.add_all(
            [PollVote(poll_id=poll_id, voter=f"d:{i}", entry_id=poll["entries"][0]["id"]) for i in range(150)]
            + [PollVote(poll_id=poll_id, voter="d:x", entry_id=poll["entries"][1]["id"])]
        )
        db.session.commit()
    made = client.post(f"/api/polls/{poll['id']}/lottery", headers=bearer(poll["manage_token"]))
    assert made.status_code == 201
    with app.app_context():
        assert sorted(db.session.scalars(select(LotteryEntry.weight))) == [1, 150]


def test_draw_among_tied_leaders(app, client):
    poll = create(client)
    for index in (0, 0, 1, 2, 2):
        vote(app.test_client(), poll, index)
    made = client.post(
        f"/api/polls/{poll['id']}/lottery", headers=bearer(poll["manage_token"]), json={"mode": "leaders"}
    )
    assert made.status_code == 201
    entries = client.get(f"/api/lotteries/{made.get_json()['id']}").get_json()["entries"]
    assert [(e["title"], e["weight"]) for e in entries] == [("Сталкер", 1), ("Зеркало", 1)]


def test_a_draw_needs_two_candidates_and_leaves_the_poll_open(app, client):
    poll = create(client)
    vote(client, poll, 0)
    vote(app.test_client(), poll, 0)
    for mode in ("weighted", "leaders"):
        response = client.post(
            f"/api/polls/{poll['id']}/lottery", headers=bearer(poll["manage_token"]), json={"mode": mode}
        )
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_enough_candidates"
    assert client.get(f"/api/polls/{poll['id']}").get_json()["closed"] is False
    bad = client.post(f"/api/polls/{poll['id']}/lottery", headers=bearer(poll["manage_token"]), json={"mode": "x"})
    assert bad.status_code == 422


def test_voters_may_add_one_film_when_allowed(app, client):
    closed_to_ideas = create(client)
    refused = client.post(f"/api/polls/{closed_to_ideas['id']}/suggestions", json={"title": "Моё"})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "suggestions_off"
    poll = create(client, allow_suggestions=True)
    added = client.post(f"/api/polls/{poll['id']}/suggestions", json={"title": "Моё", "year": 1999})
    assert added.status_code == 201
    body = added.get_json()
    assert body["entries"][-1]["title"] == "Моё" and body["entries"][-1]["suggested"] is True
    second = client.post(f"/api/polls/{poll['id']}/suggestions", json={"title": "Ещё одно"})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "already_suggested"
    assert app.test_client().post(f"/api/polls/{poll['id']}/suggestions", json={"title": "Чужое"}).status_code == 201
    new_id = body["entries"][-1]["id"]
    assert client.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": new_id}).status_code == 200


def test_the_ballot_holds_at_most_25_films(app, client):
    poll = create(client, allow_suggestions=True, entries=films(*[f"F{i}" for i in range(25)]))
    full = client.post(f"/api/polls/{poll['id']}/suggestions", json={"title": "26th"})
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "ballot_full"


def test_creating_and_voting_are_rate_limited(app, client):
    for _ in range(10):
        create(client)
    limited = client.post("/api/polls", json={"entries": films("A", "B")})
    assert limited.status_code == 429
    other_ip = client.post(
        "/api/polls", json={"entries": films("A", "B")}, environ_overrides={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert other_ip.status_code == 201  # the limit is per address
    poll = other_ip.get_json()
    for _ in range(60):
        vote(client, poll, 0)
    vote(client, poll, 1, expect=429)


def test_purge_polls_command_removes_old_closed_polls_only(app, client):
    old, recent, open_poll = create(client), create(client), create(client)
    vote(client, old, 0)
    with app.app_context():
        long_ago = utcnow() - timedelta(days=40)
        db.session.execute(update(Poll).where(Poll.public_id == old["id"]).values(closes_at=long_ago))
        db.session.execute(
            update(Poll).where(Poll.public_id == recent["id"]).values(closed_at=utcnow() - timedelta(days=2))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-polls"])
    assert result.exit_code == 0 and "purged 1 poll" in result.output
    assert client.get(f"/api/polls/{old['id']}").status_code == 404
    for kept in (recent, open_poll):
        assert client.get(f"/api/polls/{kept['id']}").status_code == 200
    result = app.test_cli_runner().invoke(args=["purge-polls", "--older-than-days", "1"])
    assert "purged 1 poll" in result.output
    assert client.get(f"/api/polls/{recent['id']}").status_code == 404
    with app.app_context():
        assert db.session.query(PollVote).count() == 0
        assert db.session.query(Film).count() == 0  # the library is untouched by polls


def test_json_flags_take_json_booleans_only(client):
    """Found by the fuzzer once it reached the handler: 0 and "yes" were taken as false and true."""
    for flag in ("allow_suggestions", "hide_results"):
        for value in (0, "yes"):  # (the create limit counts these too)
            response = client.post("/api/polls", json={"entries": films("Сталкер", "Солярис"), flag: value})
            assert response.status_code == 422, (flag, value, response.get_json())
    assert create(client, hide_results=True, allow_suggestions=False)["hide_results"] is True


def test_a_film_banned_after_the_poll_opened_is_marked_and_can_be_left_out_of_its_lottery(client, app):
    ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    poll = create(
        client,
        entries=[
            {
                "title": "Сталкер",
                "year": 1979,
                "kinopoisk_id": 43969,
                "original_title": "Stalker",
                "rating": 8.1,
                "genres": ["драма"],
                "description": "Зона.",
            },
            {"title": "Солярис"},
            {"title": "Зеркало"},
        ],
    )
    for index in (0, 1, 2):
        vote(app.test_client(), poll, index)
    assert "⛔" not in client.get(f"/p/{poll['id']}").get_data(as_text=True)
    film = client.post("/api/library", headers=ADMIN, json={"title": "Солярис"}).get_json()["film"]  # typed in by hand
    client.patch(f"/api/library/{film['id']}/badges", headers=ADMIN, json={"banned_until": BANNED_UNTIL})
    ballot = client.get(f"/p/{poll['id']}?lang=en").get_data(as_text=True)
    banned = [part.split("</li>")[0] for part in ballot.split('class="ballot-entry')[1:]]
    assert ["banned: it will not enter the lottery" in entry for entry in banned] == [False, True, False]

    refused = client.post(f"/api/polls/{poll['id']}/lottery", headers=bearer(poll["manage_token"]), json={})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "film_banned"
    assert "Солярис" in refused.get_json()["error"]["message"]
    made = client.post(
        f"/api/polls/{poll['id']}/lottery",
        headers=bearer(poll["manage_token"]),
        json={"without_banned": True, "draw_mode": "eliminate"},
    )
    assert made.status_code == 201, made.get_json()
    lottery = client.get(f"/api/lotteries/{made.get_json()['id']}").get_json()
    assert [e["title"] for e in lottery["entries"]] == ["Сталкер", "Зеркало"] and lottery["mode"] == "eliminate"
    with app.app_context():  # the poll's Kinopoisk data went on to the lottery (and so to a winner's library row)
        entry = db.session.scalar(select(LotteryEntry).where(LotteryEntry.title == "Сталкер"))
        assert (entry.kinopoisk_id, entry.original_title, entry.rating, entry.genres, entry.description) == (
            43969,
            "Stalker",
            8.1,
            ["драма"],
            "Зона.",
        )
