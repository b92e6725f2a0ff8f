from movie_lottery.extensions import db
from movie_lottery.models import Lottery


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "12 films added" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "0 films added, 12 in the library" in second.output


def test_verify_draw(app, client):
    created = client.post("/api/lotteries", json={"entries": [{"title": "a"}, {"title": "b", "weight": 5}]}).get_json()
    runner = app.test_cli_runner()
    assert "not drawn yet" in runner.invoke(args=["verify-draw", created["id"]]).output
    client.post(f"/api/lotteries/{created['id']}/draw")
    result = runner.invoke(args=["verify-draw", created["id"]])
    assert result.exit_code == 0 and "verified" in result.output
    with app.app_context():  # tamper with the record: verification must notice
        lottery = db.session.query(Lottery).one()
        lottery.winner_position = 1 - lottery.winner_position
        db.session.commit()
    tampered = runner.invoke(args=["verify-draw", created["id"]])
    assert tampered.exit_code != 0 and "FAILED" in tampered.output
    assert runner.invoke(args=["verify-draw", "nope"]).exit_code != 0


def test_verify_draw_in_eliminate_mode(app, client):
    body = {
        "mode": "eliminate",
        "entries": [{"title": t, "weight": w} for t, w in (("a", 1), ("b", 2), ("c", 3), ("d", 4))],
    }
    created = client.post("/api/lotteries", json=body).get_json()
    drawn = client.post(f"/api/lotteries/{created['id']}/draw").get_json()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-draw", created["id"]])
    assert result.exit_code == 0 and "verified" in result.output
    assert result.output.count("round ") == 3 and f"{created['id']}:3" in result.output
    with app.app_context():  # a winner other than the last film standing is caught
        lottery = db.session.query(Lottery).one()
        lottery.winner_position = drawn["eliminated"][0]
        db.session.commit()
    assert "FAILED" in runner.invoke(args=["verify-draw", created["id"]]).output
