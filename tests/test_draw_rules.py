"""Each lottery records the rule it is drawn by (issue 23): new eliminate-mode lotteries make
weight the chance to win, and ones made before migration 0010 still verify by the old rule —
through the API, `flask verify-draw` and the page's snippet run exactly as printed."""

import hashlib
import hmac
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from movie_lottery.dbsetup import init_migrations, upgrade_database
from movie_lottery.extensions import db
from movie_lottery.models import Poll
from movie_lottery.services.polls import lottery as poll_lottery

from .helpers import build_app, run_page_snippet


def hmac_number(seed: bytes, message: str) -> int:
    return int.from_bytes(hmac.new(seed, message.encode(), hashlib.sha256).digest(), "big")


def first_exceeding(r: int, weights: list[int], among: list[int]) -> int:
    cumulative = 0
    for i in among:
        cumulative += weights[i]
        if cumulative > r:
            return i
    raise AssertionError("r beyond the total weight")


def new_rule(seed: bytes, public_id: str, weights: list[int]) -> tuple[list[int], int]:
    """The published rule, written out independently of services/fairness."""
    winner = first_exceeding(hmac_number(seed, public_id) % sum(weights), weights, list(range(len(weights))))
    others = [i for i in range(len(weights)) if i != winner]
    return [others.pop(hmac_number(seed, f"{public_id}:{k}") % len(others)) for k in range(1, len(weights))], winner


def old_rule(seed: bytes, public_id: str, weights: list[int]) -> tuple[list[int], int]:
    """Eliminate mode as drawn before 0010: each round's loser picked by weight among those left."""
    left, out = list(range(len(weights))), []
    for k in range(1, len(weights)):
        i = first_exceeding(hmac_number(seed, f"{public_id}:{k}") % sum(weights[j] for j in left), weights, left)
        left.remove(i)
        out.append(i)
    return out, left[0]


def expected_lines(eliminated: list[int], winner: int) -> list[str]:
    return [f"round {k} out # {i + 1}" for k, i in enumerate(eliminated, start=1)] + [f"winner # {winner + 1}"]


def test_the_page_snippet_run_as_printed_verifies_a_real_eliminate_draw(client):
    weights = [1, 4, 2, 7, 1]
    body = {"mode": "eliminate", "entries": [{"title": f"F{i}", "weight": w} for i, w in enumerate(weights)]}
    created = client.post("/api/lotteries", json=body).get_json()
    drawn = client.post(f"/api/lotteries/{created['id']}/draw").get_json()
    eliminated, winner = new_rule(bytes.fromhex(drawn["seed"]), created["id"], weights)
    assert (drawn["eliminated"], drawn["winner"]["position"]) == (eliminated, winner)
    page = client.get(f"/l/{created['id']}").get_data(as_text=True)
    assert "Вес — шанс победить" in page
    printed = run_page_snippet(page)
    assert printed[0] == drawn["commitment"]
    assert printed[1:] == expected_lines(eliminated, winner)
    english = client.get(f"/l/{created['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Weight is the chance to win" in english and "so weight is the chance to win" in english


def test_verify_draw_explains_the_new_rule(app, client):
    weights = [3, 1, 1, 5]
    body = {"mode": "eliminate", "entries": [{"title": t, "weight": w} for t, w in zip("abcd", weights)]}
    created = client.post("/api/lotteries", json=body).get_json()
    drawn = client.post(f"/api/lotteries/{created['id']}/draw").get_json()
    result = app.test_cli_runner().invoke(args=["verify-draw", created["id"]])
    assert result.exit_code == 0 and "verified" in result.output, result.output
    assert "win_weighted" in result.output and "weight is the chance to win" in result.output
    winner = drawn["winner"]["position"]
    assert f"HMAC-SHA256(seed, '{created['id']}') mod 10" in result.output
    assert f"-> wins #{winner + 1} {'abcd'[winner]}" in result.output
    left = 3
    for k, out in enumerate(drawn["eliminated"], start=1):
        assert f"round {k}: r = HMAC-SHA256(seed, '{created['id']}:{k}') mod {left} " in result.output
        assert f"-> out #{out + 1} {'abcd'[out]}" in result.output
        left -= 1


def test_a_poll_lottery_in_eliminate_mode_makes_votes_the_chance_to_win(app, client):
    poll = client.post(
        "/api/polls", json={"entries": [{"title": t} for t in ("Сталкер", "Солярис", "Зеркало", "Ностальгия")]}
    ).get_json()
    for index in (0, 0, 0, 1, 3, 3):
        voter = app.test_client()
        assert (
            voter.post(f"/api/polls/{poll['id']}/vote", json={"entry_id": poll["entries"][index]["id"]}).status_code
            == 200
        )
    with app.app_context():
        made, created = poll_lottery.make_lottery(db.session, db.session.scalar(sa.select(Poll)), draw_mode="eliminate")
        public_id = made.public_id
    assert created
    fetched = client.get(f"/api/lotteries/{public_id}").get_json()
    assert fetched["mode"] == "eliminate" and fetched["draw_rule"] == "win_weighted"
    weights = [e["weight"] for e in fetched["entries"]]
    assert weights == [3, 1, 2]  # votes as weights (the film nobody voted for is not in)
    drawn = client.post(f"/api/lotteries/{public_id}/draw").get_json()
    eliminated, winner = new_rule(bytes.fromhex(drawn["seed"]), public_id, weights)
    assert (drawn["eliminated"], drawn["winner"]["position"]) == (eliminated, winner)
    assert run_page_snippet(client.get(f"/l/{public_id}").get_data(as_text=True))[1:] == expected_lines(
        eliminated, winner
    )


LOTTERIES = sa.table(
    "lotteries",
    sa.column("id", sa.Integer),
    sa.column("public_id", sa.String),
    sa.column("title", sa.String),
    sa.column("mode", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("commitment", sa.String),
    sa.column("seed", sa.LargeBinary),
    sa.column("drawn_at", sa.DateTime(timezone=True)),
    sa.column("winner_position", sa.Integer),
)
ENTRIES = sa.table(
    "lottery_entries",
    sa.column("lottery_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("weight", sa.Integer),
    sa.column("title", sa.String),
)
OLD_ID, OLD_WEIGHTS, TITLES = (
    "OldRule1",
    [1, 2, 3, 4, 6],
    ["Сталкер", "Солярис", "Зеркало", "Ностальгия", "Жертвоприношение"],
)


def seed_where_the_rules_disagree() -> bytes:
    """A seed whose old-rule draw differs from the new rule in both the winner and the order,
    so verifying it by the wrong rule would fail."""
    for n in range(1000):
        seed = hashlib.sha256(n.to_bytes(4, "big")).digest()
        old, new = old_rule(seed, OLD_ID, OLD_WEIGHTS), new_rule(seed, OLD_ID, OLD_WEIGHTS)
        if old[1] != new[1] and old[0] != new[0]:
            return seed
    raise AssertionError("no seed found")


def insert_drawn_lottery(public_id: str, mode: str, seed: bytes, weights: list[int], winner: int) -> None:
    """A drawn lottery as the app at revision 0008 wrote it (that schema has no draw_rule)."""
    now = datetime.now(timezone.utc)
    lottery_id = db.session.execute(
        sa.insert(LOTTERIES)
        .values(
            public_id=public_id,
            title="Made at 0008",
            mode=mode,
            created_at=now,
            commitment=hashlib.sha256(seed).hexdigest(),
            seed=seed,
            drawn_at=now,
            winner_position=winner,
        )
        .returning(LOTTERIES.c.id)
    ).scalar_one()
    db.session.execute(
        sa.insert(ENTRIES),
        [{"lottery_id": lottery_id, "position": i, "weight": w, "title": TITLES[i]} for i, w in enumerate(weights)],
    )


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_an_old_rule_lottery_made_before_the_migration_still_verifies(backend, make_postgres_database, tmp_path):
    url = make_postgres_database() if backend == "postgres" else f"sqlite:///{tmp_path}/old.db"
    app = build_app(url)
    init_migrations(app)
    seed = seed_where_the_rules_disagree()
    old_eliminated, old_winner = old_rule(seed, OLD_ID, OLD_WEIGHTS)
    single_seed = b"\x05" * 32
    with app.app_context():
        upgrade(revision="0008")
        insert_drawn_lottery(OLD_ID, "eliminate", seed, OLD_WEIGHTS, old_winner)
        single_winner = first_exceeding(hmac_number(single_seed, "OldSingl") % 10, [4, 6], [0, 1])
        insert_drawn_lottery("OldSingl", "single", single_seed, [4, 6], single_winner)
        db.session.commit()
        db.session.remove()
    upgrade_database(app)  # to head: 0010 records the rule each lottery was made with
    client = app.test_client()

    fetched = client.get(f"/api/lotteries/{OLD_ID}").get_json()
    assert fetched["draw_rule"] == "drop_weighted"
    assert (fetched["eliminated"], fetched["winner"]["position"]) == (old_eliminated, old_winner)
    result = app.test_cli_runner().invoke(args=["verify-draw", OLD_ID])
    assert result.exit_code == 0 and "verified" in result.output, result.output
    assert "drop_weighted" in result.output
    page = client.get(f"/l/{OLD_ID}").get_data(as_text=True)
    assert "Вес — шанс выбыть в каждом раунде" in page and "по модулю суммы весов оставшихся фильмов" in page
    printed = run_page_snippet(page)
    assert printed[0] == hashlib.sha256(seed).hexdigest()
    assert printed[1:] == expected_lines(old_eliminated, old_winner)

    assert (
        client.get("/api/lotteries/OldSingl").get_json()["draw_rule"] == "win_weighted"
    )  # a single draw's rule never changed
    assert app.test_cli_runner().invoke(args=["verify-draw", "OldSingl"]).exit_code == 0
    made = client.post(
        "/api/lotteries", json={"mode": "eliminate", "entries": [{"title": "a"}, {"title": "b"}]}
    ).get_json()
    assert made["draw_rule"] == "win_weighted"  # everything made after the migration uses the new rule
    with app.app_context():
        db.engine.dispose()
