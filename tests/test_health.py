"""/health is answered before Flask's request cycle: same answer, none of the per-request work."""

from __future__ import annotations

from flask import request_started


def test_health_answers_without_entering_flask(app, client):
    started = []

    def record(sender, **_extra):
        started.append(sender)

    request_started.connect(record, app)
    try:
        response = client.get("/health")
        head = client.head("/health")
    finally:
        request_started.disconnect(record, app)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    assert head.status_code == 200 and head.get_data() == b""
    assert started == []


def test_other_paths_and_methods_still_go_through_flask(client):
    assert client.post("/health").status_code == 405
    assert client.get("/health/").status_code == 404
    assert client.get("/ready").status_code == 200
