"""Approval, ranked and veto ballots through the API, on SQLite and Postgres: what each poll
takes and refuses (422 naming the field, 410 after close), one ballot per person, the committed
tie-break seed revealed only at close with the published ballots and rounds, the page's recount
snippet run as printed, and `flask verify-poll`."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys

import pytest

from movie_lottery.services.polls import counting

from .test_polls_api import bearer, create, films


def ballot(client, poll, expect=200, **body):
    response = client.post(f"/api/polls/{poll['id']}/vote", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def ids(poll, *indexes):
    return [poll["entries"][i]["id"] for i in indexes]


def named(app, name):
    client = app.test_client()
    assert client.put("/api/me", json={"name": name}).status_code == 200
    return client


def close(client, poll):
    response = client.post(f"/api/polls/{poll['id']}/close", headers=bearer(poll["manage_token"]))
    assert response.status_code == 200
    return response.get_json()


def test_a_poll_commits_to_its_tie_break_seed_and_reveals_it_only_at_close(app, client):
    poll = create(client, ballot="approval", max_approvals=2, vetoes_per_member=1)
    assert poll["ballot"] == "approval" and poll["max_approvals"] == 2 and poll["vetoes_per_member"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", poll["tiebreak_commitment"])
    open_body = client.get(f"/api/polls/{poll['id']}").get_json()
    for secret in ("tiebreak_seed", "priority", "result", "ballots"):
        assert secret not in open_body and secret not in poll
    page = client.get(f"/p/{poll['id']}").get_data(as_text=True)
    assert "recount-snippet" not in page
    closed = close(client, poll)
    seed = bytes.fromhex(closed["tiebreak_seed"])
    assert hashlib.sha256(seed).hexdigest() == poll["tiebreak_commitment"]
    assert closed["priority"] == counting.priority_order(seed, poll["id"], ids(poll, 0, 1, 2))


@pytest.mark.parametrize(
    "create_body, vote_body, field",
    [
        ({"ballot": "approval"}, {"entry_id": 0}, "entry_id"),  # a single vote on an approval poll
        ({}, {"entry_ids": [0]}, "entry_ids"),  # approval marks on a single-choice poll
        ({"ballot": "ranked"}, {"entry_ids": [0, 1]}, "entry_ids"),
        ({"ballot": "approval"}, {"entry_ids": []}, "entry_ids"),  # no mark
        ({"ballot": "approval", "max_approvals": 1}, {"entry_ids": [0, 1]}, "entry_ids"),
        ({"ballot": "ranked"}, {"ranking": [0, 1, 0]}, "ranking"),  # an entry twice
        ({"ballot": "ranked"}, {"ranking": [0, 999999]}, "ranking"),  # an unknown entry
        ({}, {"entry_id": 0, "vetoes": [1]}, "vetoes"),  # vetoes are off by default
        ({"vetoes_per_member": 1}, {"entry_id": 0, "vetoes": [1, 2]}, "vetoes"),
        ({"vetoes_per_member": 2}, {"entry_id": 0, "vetoes": [1, 1]}, "vetoes"),
    ],
)
def test_a_ballot_the_poll_does_not_take_is_a_422_naming_the_field(client, create_body, vote_body, field):
    poll = create(client, **create_body)

    def entry(value):
        return poll["entries"][value]["id"] if isinstance(value, int) and value < 3 else value

    body = {
        key: [entry(v) for v in value] if isinstance(value, list) else entry(value) for key, value in vote_body.items()
    }
    refused = ballot(client, poll, expect=422, **body)
    assert field in refused["error"]["fields"], refused
    assert client.get(f"/api/polls/{poll['id']}").get_json()["my_ballot"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"ballot": "borda"}, "ballot"),
        ({"ballot": "ranked", "max_approvals": 2}, ""),
        ({"ballot": "approval", "max_approvals": 0}, "max_approvals"),
        ({"vetoes_per_member": 3}, "vetoes_per_member"),
        ({"vetoes_per_member": True}, "vetoes_per_member"),
        ({"secret_ballots": 1}, "secret_ballots"),
    ],
)
def test_poll_options_are_validated(client, body, field):
    response = client.post("/api/polls", json={"entries": films("A", "B"), **body})
    assert response.status_code == 422
    assert any(name.startswith(field) for name in response.get_json()["error"]["fields"]), response.get_json()


def test_a_vote_after_close_is_410_for_every_ballot_type(client):
    for kind, body in (
        ("approval", lambda p: {"entry_ids": ids(p, 0)}),
        ("ranked", lambda p: {"ranking": ids(p, 1, 0)}),
    ):
        poll = create(client, ballot=kind)
        close(client, poll)
        assert ballot(client, poll, expect=410, **body(poll))["error"]["code"] == "poll_closed"


def test_one_ballot_per_person_a_new_one_replaces_the_old(app, client):
    anya = named(app, "Аня")
    poll = create(client, ballot="approval", vetoes_per_member=1)
    ballot(anya, poll, entry_ids=ids(poll, 0, 1))
    body = ballot(anya, poll, entry_ids=ids(poll, 2), vetoes=ids(poll, 0))
    assert body["my_ballot"] == {"voter": None, "entry_ids": ids(poll, 2), "vetoes": ids(poll, 0)}
    assert [e["votes"] for e in body["entries"]] == [0, 0, 1] and body["total_votes"] == 1
    closed = close(client, poll)
    assert closed["ballots"] == [{"voter": "Аня", "entry_ids": ids(poll, 2), "vetoes": ids(poll, 0)}]


def test_approval_counts_marks_and_vetoes_knock_films_out(app, client):
    poll = create(client, ballot="approval", vetoes_per_member=1)
    a, b, c = ids(poll, 0, 1, 2)
    ballot(named(app, "Аня"), poll, entry_ids=[a, b])
    ballot(named(app, "Петя"), poll, entry_ids=[a, c], vetoes=[b])
    ballot(app.test_client(), poll, entry_ids=[b, c])
    live = client.get(f"/api/polls/{poll['id']}").get_json()
    assert [e["votes"] for e in live["entries"]] == [2, 2, 2]
    closed = close(client, poll)
    # b is vetoed: a and c, two approvals each, are left; the earlier in priority wins.
    assert closed["result"]["rounds"] == [{"counts": {str(a): 2, str(c): 2}, "eliminated": None, "tie_broken": True}]
    assert closed["result"]["winner"] == min((a, c), key=closed["priority"].index)
    voters = sorted(b["voter"] for b in closed["ballots"])
    assert voters == ["Аня", "Петя", "гость 1"]


def test_ranked_choice_publishes_its_rounds_after_close_and_first_choices_before(app, client):
    poll = create(client, ballot="ranked", entries=films("Сталкер", "Солярис", "Зеркало", "Иваново детство"))
    a, b, c, d = ids(poll, 0, 1, 2, 3)
    for ranking in ([a, b], [a], [b, a], [c, b], [c]):
        ballot(app.test_client(), poll, ranking=ranking)
    live = client.get(f"/api/polls/{poll['id']}").get_json()
    assert [e["votes"] for e in live["entries"]] == [2, 1, 2, 0] and "result" not in live
    closed = close(client, poll)
    rounds = closed["result"]["rounds"]
    assert [r["eliminated"] for r in rounds] == [d, b, None]
    assert rounds[-1]["counts"] == {str(a): 3, str(c): 2}
    assert closed["result"]["winner"] == a


def test_secret_ballots_are_published_anonymous(app, client):
    poll = create(client, ballot="ranked", secret_ballots=True)
    ballot(named(app, "Аня"), poll, ranking=ids(poll, 1, 0))
    ballot(named(app, "Петя"), poll, ranking=ids(poll, 2))
    closed = close(client, poll)
    assert sorted(b["voter"] for b in closed["ballots"]) == ["anonymous 1", "anonymous 2"]
    assert "Аня" not in json.dumps(closed, ensure_ascii=False)


@pytest.mark.parametrize("kind", ["single", "approval", "ranked"])
def test_the_pages_recount_snippet_runs_as_printed_and_names_the_winner(app, client, tmp_path, kind):
    poll = create(client, ballot=kind, vetoes_per_member=1, entries=films("Сталкер", "Солярис", "Зеркало"))
    a, b, c = ids(poll, 0, 1, 2)
    bodies = {
        "single": [{"entry_id": a}, {"entry_id": b, "vetoes": [c]}, {"entry_id": b}, {"entry_id": a}],
        "approval": [{"entry_ids": [a, b]}, {"entry_ids": [b], "vetoes": [a]}, {"entry_ids": [c, a]}],
        "ranked": [{"ranking": [a, b, c]}, {"ranking": [b, c]}, {"ranking": [c, b], "vetoes": [a]}, {"ranking": [c]}],
    }[kind]
    for body in bodies:
        ballot(app.test_client(), poll, **body)
    closed = close(client, poll)
    page = client.get(f"/p/{poll['id']}").get_data(as_text=True)
    snippet = re.search(r'<pre class="snippet" id="recount-snippet">(.*?)</pre>', page, re.S).group(1)
    snippet = (
        snippet.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&#34;", '"')
        .replace("&amp;", "&")
    )
    curl, script = snippet.split("\n", 1)
    assert curl.startswith("curl -s '") and curl.endswith(f"/api/polls/{poll['id']}' -o poll.json")
    (tmp_path / "poll.json").write_text(json.dumps(closed, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run(
        ["bash", "-c", script.replace("python3 -", f"{sys.executable} -", 1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    titles = {e["id"]: e["title"] for e in closed["entries"]}
    assert "commitment ok" in run.stdout and "priority ok" in run.stdout
    assert run.stdout.strip().endswith(f"winner: {titles[closed['result']['winner']]}")
    # A tampered ballot list recounts to whatever it says, but the commitment still binds the seed.
    closed["tiebreak_seed"] = "00" * 32
    (tmp_path / "poll.json").write_text(json.dumps(closed), encoding="utf-8")
    tampered = subprocess.run(
        ["bash", "-c", script.replace("python3 -", f"{sys.executable} -", 1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "commitment WRONG" in tampered.stdout


def test_flask_verify_poll_recounts_from_the_database(app, client):
    poll = create(client, ballot="ranked")
    runner = app.test_cli_runner()
    assert "still open" in runner.invoke(args=["verify-poll", poll["id"]]).output
    ballot(app.test_client(), poll, ranking=ids(poll, 2, 1))
    ballot(app.test_client(), poll, ranking=ids(poll, 1))
    ballot(app.test_client(), poll, ranking=ids(poll, 2))
    closed = close(client, poll)
    result = runner.invoke(args=["verify-poll", poll["id"]])
    assert result.exit_code == 0, result.output
    titles = {e["id"]: e["title"] for e in closed["entries"]}
    assert f"winner      {titles[closed['result']['winner']]}" in result.output
    assert "verified" in result.output and "matches sha256(seed)" in result.output
    assert "no poll" in runner.invoke(args=["verify-poll", "nope"]).output


def lottery_of(client, poll, **body):
    response = client.post(f"/api/polls/{poll['id']}/lottery", json=body, headers=bearer(poll["manage_token"]))
    assert response.status_code == 201, response.get_json()
    made = client.get(f"/api/lotteries/{response.get_json()['id']}").get_json()
    return {entry["title"]: entry["weight"] for entry in made["entries"]}


def test_an_approval_polls_lottery_weighs_films_by_approvals_without_the_vetoed(app, client):
    poll = create(
        client,
        ballot="approval",
        vetoes_per_member=1,
        entries=films("Сталкер", "Солярис", "Зеркало", "Иваново детство"),
    )
    a, b, c, d = ids(poll, 0, 1, 2, 3)
    ballot(app.test_client(), poll, entry_ids=[a, b, c])
    ballot(app.test_client(), poll, entry_ids=[a, b])
    ballot(app.test_client(), poll, entry_ids=[a, d], vetoes=[c])
    assert lottery_of(client, poll) == {"Сталкер": 3, "Солярис": 2, "Иваново детство": 1}


def test_a_ranked_polls_lottery_is_among_its_last_films_standing(app, client):
    poll = create(client, ballot="ranked", entries=films("Сталкер", "Солярис", "Зеркало", "Иваново детство"))
    a, b, c, d = ids(poll, 0, 1, 2, 3)
    for ranking in ([a, b], [a, b], [a], [a], [c, b], [c, a], [b, c]):
        ballot(app.test_client(), poll, ranking=ranking)
    # Counted on past a's majority until one is left, with no ties: d (0) goes, then b (1, its
    # ballot moves to c), then c (3 against 4); the last three standing are b, c and a.
    refused = client.post(
        f"/api/polls/{poll['id']}/lottery", json={"finalists": 6}, headers=bearer(poll["manage_token"])
    )
    assert refused.status_code == 422 and "finalists" in refused.get_json()["error"]["fields"]
    assert lottery_of(client, poll, finalists=3) == {"Сталкер": 1, "Солярис": 1, "Зеркало": 1}
