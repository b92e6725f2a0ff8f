"""The poll page for every ballot type through the Flask test client, on SQLite and Postgres:
approval checkboxes with their limit, the ranked order with a place per film, veto toggles with
the budget left, the visitor's ballot pre-filled, the plain form (no JavaScript) casting each
ballot, the closed poll's rounds and winner, the published rule in words in both languages, and
the builder's ballot settings."""

from __future__ import annotations

import re

from sqlalchemy import select

from movie_lottery.extensions import db
from movie_lottery.models import Poll

from .test_poll_ballots import ballot, close, ids
from .test_polls_api import bearer, create, films
from .test_polls_pages import builder_form


def page(client, poll, lang="ru", manage=False) -> str:
    response = client.get(f"/p/{poll['id']}{'/manage' if manage else ''}?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def checked(html: str, name: str) -> list[int]:
    inputs = re.findall(rf'<input type="(?:checkbox|radio)" name="{name}" value="(\d+)"\s*([^>]*)>', html)
    return [int(value) for value, rest in inputs if "checked" in rest.split("disabled")[0]]


def places(html: str) -> dict[int, str]:
    """Each ranked film's place as the no-JavaScript select shows it ("" for unranked)."""
    found = {}
    for entry_id, options in re.findall(r'<select name="rank-(\d+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="(\d*)" selected>', options)
        found[int(entry_id)] = chosen.group(1) if chosen else ""
    return found


def list_order(html: str, list_id: str) -> list[int]:
    block = re.search(rf'id="{list_id}"[^>]*>(.*?)</[ou]l>\s*<(?:p|h2)', html, re.S).group(1)
    return [int(i) for i in re.findall(r'class="ballot-entry rank-item" data-entry-id="(\d+)"', block)]


def test_an_approval_ballot_is_checkboxes_with_the_limit_said_and_the_ballot_prefilled(app, client):
    poll = create(client, ballot="approval", max_approvals=2, vetoes_per_member=1)
    a, b, c = ids(poll, 0, 1, 2)
    html = page(client, poll)
    assert html.count('name="entry_ids"') == 3 and checked(html, "entry_ids") == []
    assert "Можно отметить не больше 2 фильмов." in html
    assert html.count('name="vetoes"') == 3 and 'Осталось вето: <strong id="vetoes-left">1</strong>' in html
    assert 'class="vote-button"' not in html and 'id="ballot-form"' in html and "ballot.js" in html
    ballot(client, poll, entry_ids=[a, c], vetoes=[b])
    html = page(client, poll)
    assert checked(html, "entry_ids") == [a, c] and checked(html, "vetoes") == [b]
    assert 'Осталось вето: <strong id="vetoes-left">0</strong>' in html
    assert "Хотят смотреть:" in html and "Обновить бюллетень" in html
    english = page(client, poll, "en")
    assert "You can mark at most 2 films." in english and "Vetoes left:" in english and "Want to watch:" in english


def test_the_plain_form_casts_each_ballot_type_and_says_why_one_is_refused(app, client, csrf):
    approval = create(client, ballot="approval", max_approvals=1, vetoes_per_member=1)
    a, b, c = ids(approval, 0, 1, 2)
    url = f"/p/{approval['id']}/vote"
    refused = client.post(url, data={"csrf_token": csrf, "entry_ids": [str(a), str(b)]}, follow_redirects=True)
    assert "Можно отметить не больше 1 фильма." in refused.get_data(as_text=True)
    saved = client.post(
        url, data={"csrf_token": csrf, "entry_ids": [str(c)], "vetoes": [str(a)]}, follow_redirects=True
    )
    assert "Бюллетень сохранён." in saved.get_data(as_text=True)
    assert client.get(f"/api/polls/{approval['id']}").get_json()["my_ballot"] == {
        "voter": None,
        "entry_ids": [c],
        "vetoes": [a],
    }

    ranked = create(client, ballot="ranked", entries=films("Сталкер", "Солярис", "Зеркало", "Иваново детство"))
    a, b, c, d = ids(ranked, 0, 1, 2, 3)
    form = {"csrf_token": csrf, f"rank-{a}": "2", f"rank-{b}": "", f"rank-{c}": "1", f"rank-{d}": "3"}
    assert client.post(f"/p/{ranked['id']}/vote", data=form).status_code == 303
    assert client.get(f"/api/polls/{ranked['id']}").get_json()["my_ballot"]["ranking"] == [c, a, d]
    empty = client.post(f"/p/{ranked['id']}/vote?lang=en", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Mark at least one film." in empty.get_data(as_text=True)

    single = create(client, vetoes_per_member=1)  # with vetoes a single vote is a form too
    a, b, c = ids(single, 0, 1, 2)
    html = page(client, single)
    assert html.count('type="radio" name="entry_id"') == 3 and html.count('name="vetoes"') == 3
    client.post(f"/p/{single['id']}/vote", data={"csrf_token": csrf, "entry_id": str(b), "vetoes": [str(c)]})
    assert checked(page(client, single), "entry_id") == [b] and checked(page(client, single), "vetoes") == [c]


def test_a_ranked_ballot_shows_the_visitors_order_and_the_rest_unranked(app, client):
    poll = create(
        client, ballot="ranked", vetoes_per_member=2, entries=films("Сталкер", "Солярис", "Зеркало", "Иваново детство")
    )
    a, b, c, d = ids(poll, 0, 1, 2, 3)
    html = page(client, poll)
    assert list_order(html, "ranking") == [] and list_order(html, "unranked") == [a, b, c, d]
    assert 'id="ranking-empty" >' in html or 'id="ranking-empty">' in html
    assert 'id="rank-live" aria-live="assertive"' in html
    assert "Переставить: Сталкер" in html and "Выше: Сталкер" in html and "Ниже: Сталкер" in html
    ballot(client, poll, ranking=[c, a], vetoes=[d])
    html = page(client, poll)
    assert list_order(html, "ranking") == [c, a] and list_order(html, "unranked") == [b, d]
    assert places(html) == {c: "1", a: "2", b: "", d: ""}
    assert checked(html, "vetoes") == [d] and 'id="vetoes-left">1<' in html
    assert "На первом месте:" in html
    english = page(client, poll, "en")
    assert "Your order" in english and "Move: Сталкер" in english and "{film} is now number {n}" in english
    assert "Сталкер — теперь 2-й".replace("Сталкер", "{film}").replace("2", "{n}") in html  # the live region's words


def test_a_closed_ranked_poll_shows_its_rounds_and_the_winner(app, client):
    poll = create(client, ballot="ranked", entries=films("Сталкер", "Солярис", "Зеркало", "Иваново детство"))
    a, b, c, d = ids(poll, 0, 1, 2, 3)
    for ranking in ([a, b], [a], [b, a], [c, b], [c]):
        ballot(app.test_client(), poll, ranking=ranking)
    assert "tiebreak-seed" not in page(client, poll)  # the seed appears nowhere before the close
    closed = close(client, poll)
    html = page(client, poll)
    assert re.search(r'<h2 id="winner">🏆 Победил: <span class="winner-names">Сталкер</span>', html)
    assert "Ничья:" not in html and "Тур 1" in html and "Тур 3" in html and "Тур 4" not in html
    assert "Выбывает: Иваново детство" in html and "Выбывает: Солярис" in html
    rounds = re.findall(r'<section class="round">(.*?)</section>', html, re.S)
    counts = [re.findall(r'round-title">([^<]+)</span>.*?round-count">(\d+)<', r, re.S) for r in rounds]
    assert counts[0] == [("Сталкер", "2"), ("Солярис", "1"), ("Зеркало", "2"), ("Иваново детство", "0")]
    assert counts[-1] == [("Сталкер", "3"), ("Зеркало", "2")]
    assert f'id="tiebreak-seed">{closed["tiebreak_seed"]}<' in html and 'id="recount-snippet"' in html
    english = page(client, poll, "en")
    assert "Round 2" in english and "Out: Солярис" in english and "Winner:" in english


def test_a_broken_tie_and_an_empty_poll_say_so(app, client):
    poll = create(client, ballot="approval", vetoes_per_member=1)
    a, b, c = ids(poll, 0, 1, 2)
    ballot(app.test_client(), poll, entry_ids=[a, b], vetoes=[c])
    ballot(app.test_client(), poll, entry_ids=[a, b])
    closed = close(client, poll)
    html = page(client, poll)
    winner = {e["id"]: e["title"] for e in closed["entries"]}[closed["result"]["winner"]]
    assert f'<span class="winner-names">{winner}</span>' in html
    assert 'id="tie-broken"' in html and "ничья решена по зерну" in html
    assert "Выбыли по вето до подсчёта: Зеркало" in html
    assert "tie broken by the seed" in page(client, poll, "en")
    nobody = create(client)
    close(client, nobody)
    html = page(client, nobody)
    assert 'id="winner-none">Никто не проголосовал.' in html and 'id="rounds"' not in html
    assert html.count('class="vote-button" disabled') == 3


def test_the_rule_is_written_on_the_page_in_both_languages(app, client):
    for kind, ru, en in (
        ("single", "наибольшим числом голосов", "most votes"),
        ("approval", "наибольшим числом отметок", "most approvals"),
        ("ranked", "больше половины засчитанных бюллетеней", "more than half of the counted ballots"),
    ):
        poll = create(client, ballot=kind, vetoes_per_member=1)
        russian, english = page(client, poll), page(client, poll, "en")
        assert ru in russian and en in english
        assert f"«{poll['id']}:tie:N»" in russian and f"“{poll['id']}:tie:N”" in english
        assert (
            "выбывает до подсчёта; если вето есть у всех фильмов" in russian
            and "vetoed by anyone is out before" in english
        )
        assert f'id="tiebreak-commitment">{poll["tiebreak_commitment"]}<' in russian
        assert "Само зерно откроется" in russian and "tiebreak-seed" not in russian


def test_the_manage_page_says_how_each_type_becomes_a_lottery(app, client):
    ranked = create(client, ballot="ranked")
    html = page(client, ranked, manage=True)
    assert 'id="lottery-finalists"' in html and 'id="lottery-leaders"' not in html
    assert re.search(r'<option value="3" selected>3</option>', html) and '<option value="5" >5</option>' in html
    assert "последние оставшиеся" in html
    approval = create(client, ballot="approval", vetoes_per_member=1)
    html = page(client, approval, "en", manage=True)
    assert "weight is its number of approvals" in html and "Vetoed films are left out" in html
    assert 'id="lottery-finalists"' not in html


def test_the_builder_chooses_the_ballot_type_with_a_sentence_each(app, client, csrf):
    html = client.get("/").get_data(as_text=True)
    for value in ("single", "approval", "ranked"):
        assert f'name="ballot" value="{value}"' in html and f'id="ballot-{value}-meaning"' in html
    assert 'name="max_approvals"' in html and 'name="vetoes_per_member"' in html and 'name="secret_ballots"' in html
    assert "готов смотреть; побеждает фильм с наибольшим числом отметок" in html
    assert "approvals" in client.get("/?lang=en").get_data(as_text=True)
    response = client.post(
        "/polls",
        data=builder_form(
            csrf,
            "Сталкер",
            "Солярис",
            "Зеркало",
            ballot="approval",
            max_approvals="2",
            vetoes_per_member="1",
            secret_ballots="on",
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        made = db.session.scalar(select(Poll).order_by(Poll.id.desc()).limit(1))
        assert (made.ballot, made.max_approvals, made.vetoes_per_member, made.secret_ballots) == (
            "approval",
            2,
            1,
            True,
        )
    # a cap typed in while another type was chosen is not the ranked poll's business
    client.post("/polls", data=builder_form(csrf, "A", "B", ballot="ranked", max_approvals="2"))
    with app.app_context():
        made = db.session.scalar(select(Poll).order_by(Poll.id.desc()).limit(1))
        assert (made.ballot, made.max_approvals, made.vetoes_per_member) == ("ranked", None, 0)
    bad = client.post(
        "/polls", data=builder_form(csrf, "A", "B", ballot="approval", max_approvals="0", vetoes_per_member="3")
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Сколько фильмов можно отметить" in text and "Вето на человека" in text
    assert 'value="approval" checked' in text  # the choice survives the error page


def test_a_closed_ballot_form_is_read_only(app, client):
    poll = create(client, ballot="ranked", vetoes_per_member=1)
    ballot(client, poll, ranking=ids(poll, 1))
    client.post(f"/api/polls/{poll['id']}/close", headers=bearer(poll["manage_token"]))
    html = page(client, poll)
    assert len(re.findall(r'<select name="rank-\d+" disabled>', html)) == 3
    assert 'class="ballot-actions" hidden' in html
