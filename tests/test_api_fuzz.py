"""Schemathesis fuzzes every documented operation from the OpenAPI document: whatever it
sends, the API answers without a server error, with a documented status code, and in the
documented shape — and the answers come from the handlers: rate limits are off while it runs
(no 429 at all), and path ids are drawn from real records half the time (seeded, and seeded
again after a call that may have used one up), so operations on /{id} are not almost always 404."""

import base64
import itertools
import io
import tempfile
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import negative_data_rejection, not_a_server_error, positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

from movie_lottery.clients.vapid_keys import generate_keys
from movie_lottery.dbsetup import upgrade_database
from movie_lottery.extensions import limiter

from .helpers import ADMIN_TOKEN, build_app

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MAGNET = "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=Fuzz"
# create_app() does no I/O, so building the app (and reading its spec) at import is cheap.
# Web Push on (a throwaway VAPID key), so its operations are fuzzed past the push_disabled 404.
fuzz_app = build_app(
    f"sqlite:///{tempfile.mkdtemp(prefix='ml-fuzz-')}/fuzz.db",
    VAPID_PRIVATE_KEY=generate_keys()[0],
    VAPID_SUBJECT="mailto:fuzz@example.org",
)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
seeded: dict[str, str | int] = {}  # path parameter kind → a real record's id
# each seeded poll takes the next ballot type, so every vote body shape meets a poll that takes it
BALLOTS = itertools.cycle(
    [{}, {"ballot": "approval", "vetoes_per_member": 1}, {"ballot": "ranked", "vetoes_per_member": 2}]
)
answers: dict[str, Counter] = {}  # operation → status codes of its answers


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_push_keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(bytes(range(16)))}


def seed() -> None:
    """One open lottery, one open poll, one night, a member, one device code, one library film
    with a magnet, the member's push subscription and their import, made through the API."""
    client = fuzz_app.test_client()
    entries = [{"title": "Сталкер"}, {"title": "Солярис"}]
    seeded["lottery"] = client.post("/api/lotteries", json={"entries": entries}).get_json()["id"]
    poll = client.post("/api/polls", json={"entries": entries, **next(BALLOTS)}).get_json()
    seeded["poll"], seeded["poll_token"] = poll["id"], poll["manage_token"]
    starts_at = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).isoformat()
    night = client.post("/api/nights", json={"title": "Кино", "starts_at": starts_at}).get_json()
    seeded["night"], seeded["night_token"] = night["id"], night["manage_token"]
    client.post(
        f"/api/nights/{night['id']}/rsvp",  # now a member (names are unique: one per seed)
        json={"answer": "going", "name": f"Фаззер {zlib.crc32(poll['id'].encode())}"},
    )
    seeded["member"] = client.get("/api/me").get_json()["member"]["id"]
    seeded["code"] = client.post("/api/me/device-code").get_json()["code"]
    film = client.post(
        "/api/library", json={"title": f"Фильм {zlib.crc32(poll['id'].encode())}"}, headers=AUTH
    ).get_json()["film"]
    client.put(f"/api/library/{film['id']}/magnet", json={"magnet": MAGNET}, headers=AUTH)
    seeded["film_id"] = film["id"]
    subscription = client.post(
        "/api/push/subscriptions",
        json={
            "endpoint": f"https://fcm.googleapis.com/fcm/send/fuzz-{zlib.crc32(poll['id'].encode())}",
            "keys": browser_push_keys(),
            "topics": ["polls"],
        },
    ).get_json()
    seeded["push_subscription"] = subscription["id"]
    seeded["push_device"] = client.get_cookie("voter").value
    export = io.BytesIO(b"Date,Name,Year,Letterboxd URI\r\n2024-01-01,Stalker,1979,https://boxd.it/x\r\n")
    seeded["import"] = client.post(
        "/api/me/imports", data={"file": (export, "watched.csv")}, content_type="multipart/form-data"
    ).get_json()["id"]


@pytest.fixture(scope="module", autouse=True)
def migrated_and_seeded():
    upgrade_database(fuzz_app)
    # Flask-Limiter's Limiter is one object per process and reads RATELIMIT_ENABLED only when
    # an app is built, so the limits are switched off here, for this module only.
    enabled, limiter.enabled = limiter.enabled, False
    seed()
    yield
    limiter.enabled = enabled


DOCUMENTED = {
    f"{method.upper()} {path}"
    for path, item in schema.raw_schema["paths"].items()
    for method in item
    if method in ("get", "put", "post", "patch", "delete")
}


@pytest.fixture
def handlers_were_reached():
    """After all the examples of an operation: it was never rate limited, and some of its answers
    came from its handler (not only 404s for ids that do not exist). Undocumented methods are
    sent too, and rightly answered 405: only the documented operation counts."""
    answers.clear()
    yield
    documented = {operation: codes for operation, codes in answers.items() if operation in DOCUMENTED}
    assert documented, dict(answers)
    for operation, codes in documented.items():
        assert codes[429] == 0, f"{operation} was rate limited: {dict(codes)}"
        # A 403 can come from a record some earlier call made for another owner: the seeded
        # record's own answers (or a validation error) are what prove the handler ran.
        assert set(codes) - {403, 404, 405}, f"{operation} never got past the routing: {dict(codes)}"


# Which real record a path's id names: (path prefix, path parameter, seeded key).
SEEDED_PATHS = (
    ("/api/library/", "film_id", "film_id"),
    ("/api/films/", "film_id", "film_id"),
    ("/api/members/", "member_id", "member"),
    ("/api/polls/", "id", "poll"),
    ("/api/nights/", "id", "night"),
    ("/api/join/", "code", "code"),
    ("/api/lotteries/", "id", "lottery"),
    ("/api/push/subscriptions/", "id", "push_subscription"),
    ("/api/me/imports/", "id", "import"),
    ("/api/me/seen/", "film_id", "film_id"),
)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, the id of a real record instead of the generated one."""
    path = context.operation.path
    for prefix, name, key in SEEDED_PATHS:
        if path_parameters and path.startswith(prefix) and name in path_parameters:
            return st.sampled_from([{**path_parameters, name: seeded[key]}, path_parameters])
    return st.just(path_parameters)


def credentials(case) -> dict[str, dict[str, str]]:
    """A seeded poll or night is managed with its own token, the seeded push subscription from
    the device that made it (its voter cookie); everything else with the admin's token."""
    given = (case.path_parameters or {}).get("id")
    for prefix, key in (("/api/polls/", "poll"), ("/api/nights/", "night")):
        if case.path.startswith(prefix) and given == seeded[key]:
            return {"headers": {"Authorization": f"Bearer {seeded[key + '_token']}"}}
    if case.path.startswith("/api/push/subscriptions/") and given == seeded["push_subscription"]:
        return {"headers": AUTH, "cookies": {"voter": seeded["push_device"]}}
    if case.path.startswith("/api/me/imports/") and given == seeded["import"]:
        return {"headers": AUTH, "cookies": {"voter": seeded["push_device"]}}  # the member whose import it is
    return {"headers": AUTH}


def names_a_seeded_record(case) -> bool:
    return any(
        case.path.startswith(prefix) and (case.path_parameters or {}).get(name) == seeded[key]
        for prefix, name, key in SEEDED_PATHS
    )


def invalid_parts_replaced(case) -> bool:
    """A case made invalid on purpose only where this test puts valid values back in — the path's
    id (a seeded record's) and the credentials (its own) — is a valid request, rightly accepted."""
    if case.meta is None or not case.meta.generation.mode.is_negative:
        return False
    invalid = {location for location, info in case.meta.components.items() if info.mode.is_negative}
    replaced = (
        {ParameterLocation.HEADER, ParameterLocation.PATH}
        if names_a_seeded_record(case)
        else {ParameterLocation.HEADER}
    )
    return invalid <= replaced


def only_documented_unavailability(ctx, response, case):
    """A 503 is a documented answer (qBittorrent is off in this app); anything else 5xx is a bug."""
    assert response.status_code < 500 or (
        response.status_code == 503
        and response.json()["error"]["code"].startswith(("qbittorrent_", "telegram_unavailable"))
    ), f"server error {response.status_code}: {response.text[:200]}"


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_any_input(case, handlers_were_reached):
    # Cursors are opaque tokens: a schema-valid string the server never issued is rightly
    # a 400, so "schema-valid data must be accepted" does not hold for them.
    response = case.call_and_validate(
        **credentials(case),
        excluded_checks=[
            positive_data_acceptance,
            not_a_server_error,
            *([negative_data_rejection] if invalid_parts_replaced(case) else []),
        ],
        additional_checks=[only_documented_unavailability],
    )
    answers.setdefault(f"{case.method.upper()} {case.path}", Counter())[response.status_code] += 1
    if case.method != "GET" and response.status_code < 300 and names_a_seeded_record(case):
        seed()  # the call may have drawn, closed or deleted that record: fresh ones for the next
