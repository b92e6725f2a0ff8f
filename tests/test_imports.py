"""Bringing a member's history from Letterboxd and IMDb, through HTTP on SQLite and Postgres:
the upload read into rows, matching in due jobs (the library and search cache first, then the
Kinopoisk fake: IMDb ids by the external-id filter, Letterboxd rows by title and year), the
daily quota pausing and resuming, the preview, confirming (marks and scores), the same file
twice, bad files (422/413, nothing written), and the real worker doing it on Postgres."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from movie_lottery.extensions import db
from movie_lottery.models import DueJob, Film, FilmRating, ImportJob, ImportRow, SeenMark, as_utc, utcnow
from movie_lottery.services import due_jobs

from .fakes.kinopoisk_api import API_KEY, FakeKinopoisk, recorded_doc
from .helpers import build_app, csrf_token_from
from .test_import_exports import IMDB, letterboxd_zip
from .test_ratings import add_film
from .workers import WorkerProcess, worker_env

CATALOGUE = [recorded_doc(i) for i in (535341, 1143242, 41519, 462682, 1108577)]
# 1+1 (Intouchables, 2011, tt1675434), Джентльмены (The Gentlemen, 2019), Брат (1997, tt0118767),
# Волк с Уолл-стрит (The Wolf of Wall Street, 2013), Зеленая книга (Green Book, 2018, tt6966692)
L = "Date,Name,Year,Letterboxd URI"
HISTORY = {
    "watched.csv": f"{L}\r\n2024-01-01,The Gentlemen,2019,https://boxd.it/a1\r\n2024-01-02,Green Book,2018,https://boxd.it/a2\r\n"
    "2024-01-03,Stalker,1979,https://boxd.it/a3\r\n2024-01-04,Nowhere Film,2020,https://boxd.it/a4\r\n",
    "ratings.csv": f"{L},Rating\r\n2024-01-01,The Gentlemen,2019,https://boxd.it/a1,4.5\r\n2024-01-03,Stalker,1979,https://boxd.it/a3,5\r\n",
    "diary.csv": f"{L},Rating,Rewatch,Tags,Watched Date\r\n2024-01-02,Green Book,2018,https://boxd.it/a2,3.5,,,2024-01-02\r\n",
    "watchlist.csv": f"{L}\r\n2024-02-01,The Wolf of Wall Street,2013,https://boxd.it/a5\r\n",
}
IMDB_HISTORY = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\r\n"
    "tt1675434,8,2024-02-10,The Intouchables,Intouchables,https://www.imdb.com/title/tt1675434/,Movie,8.5,112,2011,Drama,900000,2011-11-02,Olivier Nakache\r\n"
    "tt0118767,6,2024-02-11,Brother,Brat,https://www.imdb.com/title/tt0118767/,Movie,7.9,99,1997,Crime,20000,1997-05-17,Aleksey Balabanov\r\n"
    "tt9999999,5,2024-02-12,Lost Tape,Lost Tape,https://www.imdb.com/title/tt9999999/,Movie,5.0,90,2001,Drama,10,2001-01-01,Nobody\r\n"
)


@pytest.fixture
def fake(httpserver):
    kinopoisk = FakeKinopoisk(httpserver)
    kinopoisk.serve_catalogue(CATALOGUE)
    return kinopoisk


@pytest.fixture
def kp_app(app, fake):
    """The same database as `app` (both backends), Kinopoisk switched on (the fake)."""
    return build_app(app.config["SQLALCHEMY_DATABASE_URI"], KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=fake.url)


def named(app, name="Аня"):
    client = app.test_client()
    assert client.put("/api/me", json={"name": name}).status_code == 200
    return client


def upload(client, data: bytes | io.BytesIO, filename: str):
    stream = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    return client.post("/api/me/imports", data={"file": (stream, filename)}, content_type="multipart/form-data")


def run_worker_jobs(app) -> None:
    """What the worker's due-jobs loop does, in this process (the Postgres test runs the real worker)."""
    due_jobs.load_handlers()
    with app.app_context():
        due_jobs.run_due(db.session)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (ImportJob, ImportRow, SeenMark, FilmRating, Film)
        }


def test_a_letterboxd_zip_is_matched_previewed_and_confirmed(kp_app, fake):
    stalker = add_film(kp_app, title="Сталкер", original_title="Stalker", year=1979)
    client = named(kp_app)
    started = upload(client, letterboxd_zip(**HISTORY), "letterboxd-anya-2024.zip")
    assert started.status_code == 202
    job = started.get_json()
    assert job["status"] == "matching" and set(job) == {"id", "status"}
    before = fake.requests_count
    assert before == 0  # nothing asked of Kinopoisk in the request
    assert client.get(f"/api/me/imports/{job['id']}").get_json()["status"] == "matching"
    run_worker_jobs(kp_app)
    body = client.get(f"/api/me/imports/{job['id']}").get_json()
    assert body["status"] == "preview"
    assert body["rows"] == 8  # every row of the four files
    assert body["matched"] == 4  # The Gentlemen, Green Book, Stalker (the library), The Wolf of Wall Street
    assert [(u["title"], u["year"]) for u in body["unmatched"]] == [("Nowhere Film", 2020)]
    assert body["will_add"] == {"seen": 3, "scores": 3, "watchlist": 0}
    with kp_app.app_context():  # nothing visible to the group yet
        assert db.session.scalar(select(func.count()).select_from(SeenMark)) == 0
        assert db.session.scalar(select(func.count()).select_from(Film)) == 1
    html = client.get(f"/imports/{job['id']}").get_data(as_text=True)
    assert "будет добавлено: 3 просмотренных, 3 оценок" in html and "½ ★ = 1" in html and "Nowhere Film" in html
    done = client.post(f"/api/me/imports/{job['id']}/confirm")
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert client.post(f"/api/me/imports/{job['id']}/confirm").status_code == 409
    with kp_app.app_context():
        gentlemen = db.session.scalar(select(Film).where(Film.kinopoisk_id == 1143242))
        green = db.session.scalar(select(Film).where(Film.kinopoisk_id == 1108577))
        scores = dict(db.session.execute(select(FilmRating.film_id, FilmRating.score)).all())
        assert scores == {gentlemen.id: 9, green.id: 7, stalker: 10}
        assert db.session.scalar(select(Film.ratings_average).where(Film.id == stalker)) == 10  # the ratings service
    assert client.get(f"/api/films/{gentlemen.id}").get_json()["seen_by"] == ["Аня"]
    assert client.get(f"/api/films/{stalker}").get_json()["seen_by"] == ["Аня"]


def test_an_imdb_file_matches_by_tt_ids_in_one_request_and_the_same_file_twice_changes_nothing(kp_app, fake):
    client = named(kp_app)
    first = upload(client, IMDB_HISTORY.encode(), "ratings.csv").get_json()
    run_worker_jobs(kp_app)
    body = client.get(f"/api/me/imports/{first['id']}").get_json()
    assert (body["status"], body["rows"], body["matched"]) == ("preview", 3, 2)
    assert body["unmatched"] == [{"row": 3, "title": "Lost Tape", "year": 2001}]
    imdb_requests = [r for r, _ in fake.server.log if r.path == "/v1.4/movie"]
    assert len(imdb_requests) == 1 and sorted(imdb_requests[0].args.getlist("externalId.imdb")) == [
        "tt0118767",
        "tt1675434",
        "tt9999999",
    ]
    assert client.post(f"/api/me/imports/{first['id']}/confirm").status_code == 200
    after_first = counts(kp_app)
    asked = fake.requests_count
    again = upload(client, IMDB_HISTORY.encode(), "ratings.csv").get_json()
    assert again["id"] != first["id"]  # a new import
    run_worker_jobs(kp_app)
    body = client.get(f"/api/me/imports/{again['id']}").get_json()
    assert body["matched"] == 2 and body["will_add"] == {"seen": 0, "scores": 0, "watchlist": 0}
    # Both films were matched by their IMDb ids before: only the unknown row goes to Kinopoisk again.
    assert [r.args.getlist("externalId.imdb") for r, _ in fake.server.log[asked:] if r.path == "/v1.4/movie"] == [
        ["tt9999999"]
    ]
    assert client.post(f"/api/me/imports/{again['id']}/confirm").status_code == 200
    later = counts(kp_app)
    assert {k: v for k, v in later.items() if not k.startswith("import")} == {
        k: v for k, v in after_first.items() if not k.startswith("import")
    }


def test_known_films_match_without_kinopoisk(app):
    """No Kinopoisk key at all: films in the library still match; the rest wait to be picked by hand."""
    add_film(app, title="Сталкер", original_title="Stalker", year=1979)
    client = named(app)
    job = upload(client, HISTORY["ratings.csv"].encode(), "ratings.csv").get_json()
    run_worker_jobs(app)
    body = client.get(f"/api/me/imports/{job['id']}").get_json()
    assert body["matched"] == 1 and [u["title"] for u in body["unmatched"]] == ["The Gentlemen"]
    assert body["will_add"] == {"seen": 1, "scores": 1, "watchlist": 0}


def test_the_quota_pauses_the_import_and_a_due_job_resumes_it_the_next_day(kp_app, fake):
    client = named(kp_app)
    fake.spend_quota()
    job = upload(client, letterboxd_zip(**HISTORY), "export.zip").get_json()
    run_worker_jobs(kp_app)
    body = client.get(f"/api/me/imports/{job['id']}").get_json()
    assert body["status"] == "paused_quota" and body["resume_at"] is not None
    assert "лимит" in client.get(f"/imports/{job['id']}").get_data(as_text=True)
    run_worker_jobs(kp_app)  # not tomorrow yet: nothing runs
    assert client.get(f"/api/me/imports/{job['id']}").get_json()["status"] == "paused_quota"
    fake.next_day(CATALOGUE)
    with kp_app.app_context():  # tomorrow comes: the resume job is due
        pending = db.session.scalars(
            select(DueJob).where(DueJob.kind == "import_match", DueJob.done_at.is_(None))
        ).all()
        assert len(pending) == 1 and as_utc(pending[0].due_at) > utcnow()
        db.session.execute(
            update(DueJob).where(DueJob.id == pending[0].id).values(due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    run_worker_jobs(kp_app)
    body = client.get(f"/api/me/imports/{job['id']}").get_json()
    assert (body["status"], body["matched"], body["rows"]) == ("preview", 3, 8)


def test_another_members_import_is_not_found(kp_app):
    job = upload(named(kp_app), IMDB.encode(), "ratings.csv").get_json()
    other = named(kp_app, "Борис")
    assert other.get(f"/api/me/imports/{job['id']}").status_code == 404
    assert other.post(f"/api/me/imports/{job['id']}/confirm").status_code == 404
    assert kp_app.test_client().get(f"/api/me/imports/{job['id']}").status_code == 404
    assert other.get(f"/imports/{job['id']}").status_code == 404


@pytest.mark.parametrize(
    "data, filename, code",
    [
        (b"\x89PNG\r\n\x1a\n not an export", "photo.png", None),
        (b"Title,Rating\r\nSomething,5\r\n", "ratings.csv", None),
        (b"Date,Name,Year,Letterboxd URI\r\n2024-13-45,Film,2020,https://boxd.it/x\r\n", "watched.csv", None),
        (b"Date,Name,Year,Letterboxd URI\r\n2024-01-01,\xff\xfe\xfa,2020,https://boxd.it/x\r\n", "watched.csv", None),
        (b"PK\x03\x04 truncated zip", "export.zip", None),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_written(app, data, filename, code):
    client = named(app)
    before = counts(app)
    refused = upload(client, data, filename)
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert refused.get_json()["error"]["message"]
    assert counts(app) == before


def test_a_zip_bomb_is_refused_and_an_oversized_upload_is_413_before_reading(app):
    import zipfile

    client = named(app)
    before = counts(app)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", "Date,Name,Year,Letterboxd URI\r\n" + "0" * (60 * 1024 * 1024))
    bomb.seek(0)
    assert upload(client, bomb, "export.zip").status_code == 422
    huge = upload(client, b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1), "watched.csv")
    assert huge.status_code == 413
    assert counts(app) == before
    assert upload(client, b"", "watched.csv").status_code == 422
    assert client.post("/api/me/imports", data={}, content_type="multipart/form-data").status_code == 400


def test_the_member_page_uploads_and_an_unmatched_row_is_picked_by_hand(kp_app, fake):
    client = named(kp_app)
    me = client.get("/api/me").get_json()["member"]["id"]
    html = client.get(f"/m/{me}").get_data(as_text=True)
    assert 'id="import-form"' in html
    assert 'id="import-form"' not in kp_app.test_client().get(f"/m/{me}").get_data(as_text=True)
    csrf = csrf_token_from(html)
    nowhere = f"{L}\r\n2024-01-04,Nowhere Film,2020,https://boxd.it/a4\r\n"
    answer = client.post(
        "/imports",
        data={"file": (io.BytesIO(nowhere.encode()), "watched.csv"), "csrf_token": csrf},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303 and "/imports/" in answer.headers["Location"]
    public_id = answer.headers["Location"].rsplit("/", 1)[1]
    run_worker_jobs(kp_app)
    page = client.get(f"/imports/{public_id}").get_data(as_text=True)
    assert "Nowhere Film" in page and 'name="q"' in page
    results = client.post(f"/imports/{public_id}/rows/1/search", data={"q": "Green Book", "csrf_token": csrf})
    assert results.status_code == 200 and "Зеленая книга" in results.get_data(as_text=True)
    picked = client.post(f"/imports/{public_id}/rows/1/pick", data={"kinopoisk_id": "1108577", "csrf_token": csrf})
    assert picked.status_code == 303
    body = client.get(f"/api/me/imports/{public_id}").get_json()
    assert body["matched"] == 1 and body["unmatched"] == [] and body["will_add"]["seen"] == 1
    english = client.get(f"/imports/{public_id}?lang=en").get_data(as_text=True)
    assert "will be added: 1 seen, 0 scores" in english
    confirmed = client.post(f"/imports/{public_id}/confirm", data={"csrf_token": csrf})
    assert confirmed.status_code == 303
    assert "история добавлена" in client.get(f"/imports/{public_id}").get_data(as_text=True)
    again = client.post(f"/imports/{public_id}/confirm", data={"csrf_token": csrf})  # another tab, say
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/imports/{public_id}")
    assert "уже подтверждён" in client.get(f"/imports/{public_id}").get_data(as_text=True)
    bad_pick = client.post(f"/imports/{public_id}/rows/99/pick", data={"kinopoisk_id": "x", "csrf_token": csrf})
    assert bad_pick.status_code == 303


def test_the_real_worker_matches_and_resumes_on_postgres(pg_app, postgres_url, fake, tmp_path):
    kp = build_app(postgres_url, KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=fake.url)
    client = named(kp)
    fake.spend_quota()
    job = upload(client, IMDB_HISTORY.encode(), "ratings.csv").get_json()
    env = worker_env(
        postgres_url, None, KINOPOISK_API_KEY=API_KEY, KINOPOISK_API_URL=fake.url, DUE_JOBS_POLL_SECONDS="0.2"
    )
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:

        def status() -> str:
            return client.get(f"/api/me/imports/{job['id']}").get_json()["status"]

        def wait_for(wanted: str) -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and status() != wanted:
                time.sleep(0.1)
            assert status() == wanted, worker.log()

        wait_for("paused_quota")
        fake.next_day(CATALOGUE)
        with kp.app_context():
            db.session.execute(
                update(DueJob)
                .where(DueJob.kind == "import_match", DueJob.done_at.is_(None))
                .values(due_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
        wait_for("preview")
        assert client.get(f"/api/me/imports/{job['id']}").get_json()["matched"] == 2
        assert client.post(f"/api/me/imports/{job['id']}/confirm").status_code == 200
    finally:
        worker.close()


def test_the_api_picks_a_rows_film_by_library_id_or_kinopoisk_id(kp_app, fake):
    stalker = add_film(kp_app, title="Сталкер", year=1979)
    client = named(kp_app)
    two = f"{L}\r\n2024-01-04,Nowhere Film,2020,https://boxd.it/a4\r\n2024-01-05,Zerkalo,1975,https://boxd.it/a6\r\n"
    job = upload(client, two.encode(), "watched.csv").get_json()
    run_worker_jobs(kp_app)
    assert len(client.get(f"/api/me/imports/{job['id']}").get_json()["unmatched"]) == 2
    assert (
        client.put(f"/api/me/imports/{job['id']}/rows/1", json={"film_id": stalker, "kinopoisk_id": 1}).status_code
        == 422
    )
    assert client.put(f"/api/me/imports/{job['id']}/rows/1", json={"film_id": 999999}).status_code == 404
    assert client.put(f"/api/me/imports/{job['id']}/rows/77", json={"film_id": stalker}).status_code == 404
    assert client.put(f"/api/me/imports/{job['id']}/rows/1", json={"film_id": stalker}).status_code == 200
    assert (
        client.put(f"/api/me/imports/{job['id']}/rows/2", json={"kinopoisk_id": 41519}).status_code == 503
    )  # Kinopoisk fails
    fake.serve_film(recorded_doc(41519))
    picked = client.put(
        f"/api/me/imports/{job['id']}/rows/2", json={"kinopoisk_id": 41519}
    )  # not searched today: fetched
    assert picked.status_code == 200
    body = picked.get_json()
    assert body["matched"] == 2 and body["unmatched"] == [] and body["will_add"]["seen"] == 2
    assert (
        named(kp_app, "Борис").put(f"/api/me/imports/{job['id']}/rows/1", json={"film_id": stalker}).status_code == 404
    )


def test_two_thousand_rows_are_all_kept(app):
    """A 2,000-film export: every row stored and accounted for (no Kinopoisk: all to pick by hand)."""
    lines = "".join(f"2024-01-01,Film number {n},{1950 + n % 70},https://boxd.it/f{n}\r\n" for n in range(2000))
    client = named(app)
    job = upload(client, f"{L}\r\n{lines}".encode(), "watched.csv").get_json()
    run_worker_jobs(app)
    body = client.get(f"/api/me/imports/{job['id']}").get_json()
    assert (body["status"], body["rows"], body["matched"], len(body["unmatched"])) == ("preview", 2000, 0, 2000)


def test_merges_carry_imports_and_deletions_drop_them(app, admin_client, csrf):
    anna, boris = named(app, "Аня"), named(app, "Борис")
    job = upload(boris, IMDB.encode(), "ratings.csv").get_json()
    anna_id = anna.get("/api/me").get_json()["member"]["id"]
    boris_id = boris.get("/api/me").get_json()["member"]["id"]
    assert (
        admin_client.post(
            f"/admin/members/{boris_id}/merge", data={"into": str(anna_id), "csrf_token": csrf}
        ).status_code
        == 303
    )
    assert anna.get(f"/api/me/imports/{job['id']}").status_code == 200
    assert admin_client.post(f"/admin/members/{anna_id}/delete", data={"csrf_token": csrf}).status_code == 303
    assert counts(app)["import_jobs"] == 0 and counts(app)["import_rows"] == 0


def test_kinopoisk_down_is_retried_later_and_then_the_import_fails(kp_app, fake, monkeypatch):
    from movie_lottery.services.imports import matching

    monkeypatch.setattr(matching, "RETRIES", 3)
    client = named(kp_app)
    fake.server.clear_all_handlers()
    fake.fail("/v1.4/movie", 500, "Internal Server Error")
    job = upload(client, IMDB_HISTORY.encode(), "ratings.csv").get_json()
    statuses = []
    for _ in range(3):
        run_worker_jobs(kp_app)
        statuses.append(client.get(f"/api/me/imports/{job['id']}").get_json()["status"])
        with kp_app.app_context():  # the retry's time comes
            db.session.execute(
                update(DueJob).where(DueJob.done_at.is_(None)).values(due_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
    assert statuses == ["matching", "matching", "failed"]
    assert "Импорт не удался." in client.get(f"/imports/{job['id']}").get_data(as_text=True)
    assert client.post(f"/api/me/imports/{job['id']}/confirm").status_code == 409
