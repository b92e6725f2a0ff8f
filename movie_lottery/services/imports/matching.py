"""Matching an import's rows to films, in the worker as a due job ("import_match", network=True).

Each distinct film of the export (its IMDb id, or its title and year) is looked up once: first
the library and the day's search cache (no Kinopoisk request for a film already known), then
kinopoisk.dev — IMDb ids through its filter on external ids (many in one request), the others by
title and year through the search the site uses. No transaction is open during a request. When
the API says the day's quota is spent, the import pauses (paused_quota) and a due job resumes it
the next day; rows already matched stay matched. Rows nothing found are "unmatched": the member
picks their film by hand on the import page."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...clients.errors import KinopoiskError
from ...models import ImportJob, ImportRow, search_key, utcnow
from .. import due_jobs
from ..library import FilmData
from ..library.core import find_existing, title_keys
from ..library.search import cached_search, store_search

log = logging.getLogger("movie_lottery.imports")
KIND = "import_match"
COMMIT_EVERY = 50  # films matched between commits (the page shows the progress)
IMDB_BATCH = 50  # IMDb ids asked of Kinopoisk in one request
RETRIES = 6  # Kinopoisk unavailable this many runs in a row (over about an hour): the import failed
RETRY_MINUTES = 5

Key = tuple[str | None, str, int | None]  # (imdb id, title key, year)


def schedule(session: Session, job: ImportJob, due_at: datetime, label: str, tries: int = 0) -> None:
    due_jobs.schedule(session, f"import:{job.id}:{label}", KIND, due_at, {"job_id": job.id, "tries": tries})


@due_jobs.rearmed_by(KIND)
def rearm_unfinished(session: Session) -> None:
    """After a restore (which drops every due job): an import still being matched goes on, one
    paused by the quota at its resume time. Imports are not in backups, so only one that outlived
    the restore is there to go on. The caller commits."""
    for job in session.scalars(select(ImportJob).where(ImportJob.status.in_(("matching", "paused_quota")))).all():
        due_at = job.resume_at if job.status == "paused_quota" and job.resume_at else utcnow()
        schedule(session, job, due_at, f"rearmed:{int(due_at.timestamp())}")


def resume_time(now: datetime) -> datetime:
    """The quota comes back with the day: a few minutes past the next midnight in the group's zone."""
    zone = ZoneInfo(current_app.config["SETTINGS"].site_timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 5), tzinfo=zone)


def pick(results: list[dict], title: str, year: int | None) -> dict | None:
    """The result that is this film: a shared title (the original counts) and the same year
    (a missing year agrees with any); the first such, as Kinopoisk ranks them."""
    keys = title_keys(title, None)
    for result in results:
        if keys & title_keys(result.get("title"), result.get("original_title")) and (
            year is None or result.get("year") in (None, year)
        ):
            return result
    return None


def _pending(session: Session, job_id: int) -> dict[Key, list[int]]:
    rows = session.execute(
        select(ImportRow.id, ImportRow.imdb_id, ImportRow.title, ImportRow.year)
        .where(ImportRow.job_id == job_id, ImportRow.state == "pending")
        .order_by(ImportRow.row)
    ).all()
    found: dict[Key, list[int]] = defaultdict(list)
    for row_id, imdb_id, title, year in rows:
        found[(imdb_id, search_key(title), year)].append(row_id)
    return found


def _titles(session: Session, ids: list[int]) -> tuple[str, int | None]:
    row = session.execute(select(ImportRow.title, ImportRow.year).where(ImportRow.id == ids[0])).one()
    return row.title, row.year


def record(session: Session, ids: list[int], *, film_id: int | None = None, film: dict | None = None) -> None:
    """These rows are matched: to a library film, or to a Kinopoisk film added when confirmed."""
    session.execute(
        update(ImportRow)
        .where(ImportRow.id.in_(ids))
        .values(
            state="matched", film_id=film_id, film=film, kinopoisk_id=None if film is None else film.get("kinopoisk_id")
        )
        .execution_options(synchronize_session=False)
    )


def _imdb_known(session: Session, job_id: int, imdb_ids: list[str]) -> dict[str, ImportRow]:
    """IMDb ids earlier imports (anyone's) matched already: {imdb id: a matched row}."""
    if not imdb_ids:
        return {}
    rows = session.scalars(
        select(ImportRow)
        .where(ImportRow.imdb_id.in_(imdb_ids), ImportRow.job_id != job_id, ImportRow.state == "matched")
        .order_by(ImportRow.id.desc())
    )
    return {row.imdb_id: row for row in rows if row.imdb_id}


def _match_known(session: Session, job_id: int) -> None:
    """The library, IMDb ids matched before and the search cache: no request to Kinopoisk."""
    pending = _pending(session, job_id)
    known = _imdb_known(session, job_id, sorted({key[0] for key in pending if key[0]}))
    for n, (key, ids) in enumerate(pending.items(), 1):
        if key[0] in known:
            before = known[key[0]]
            record(session, ids, film_id=before.film_id, film=before.film)
            continue
        title, year = _titles(session, ids)
        film = find_existing(session, FilmData(title=title, year=year))
        if film is not None:
            record(session, ids, film_id=film.id)
        elif (cached := cached_search(session, title)) is not None and (found := pick(cached, title, year)):
            record(session, ids, film=found)
        if n % COMMIT_EVERY == 0:
            session.commit()
    session.commit()


def _match_imdb(session: Session, job_id: int, client) -> None:
    by_imdb = {key[0]: ids for key, ids in _pending(session, job_id).items() if key[0]}
    session.commit()
    wanted = sorted(by_imdb)
    for start in range(0, len(wanted), IMDB_BATCH):
        batch = wanted[start : start + IMDB_BATCH]
        found = client.find_by_imdb(batch)  # no transaction is open here
        for imdb_id, info in found.items():
            record(session, by_imdb[imdb_id], film=info.to_dict())
        session.commit()


def _match_titles(session: Session, job_id: int, client) -> None:
    pending = _pending(session, job_id)
    queries = [(ids, *_titles(session, ids)) for ids in pending.values()]
    session.commit()
    for ids, title, year in queries:
        results = [info.to_dict() for info in client.search(title)]  # no transaction is open here
        store_search(session, title, results)
        found = pick(results, title, year)
        if found is not None:
            record(session, ids, film=found)
        else:
            session.execute(
                update(ImportRow)
                .where(ImportRow.id.in_(ids))
                .values(state="unmatched")
                .execution_options(synchronize_session=False)
            )
        session.commit()


def match(session: Session, job_id: int, client, tries: int = 0) -> None:
    """Match what is still pending; safe to run again (matched rows stay as they are). ``tries``:
    the runs in a row Kinopoisk was unavailable before this one."""
    job = session.get(ImportJob, job_id)
    if job is None or job.status not in ("matching", "paused_quota"):
        return
    job.status, job.resume_at = "matching", None
    session.commit()
    _match_known(session, job_id)
    if client is not None:
        try:
            _match_imdb(session, job_id, client)
            _match_titles(session, job_id, client)
        except KinopoiskError as exc:
            session.rollback()
            if exc.code == "quota":
                job = session.get_one(ImportJob, job_id)
                job.status, job.resume_at = "paused_quota", resume_time(utcnow())
                schedule(session, job, job.resume_at, f"resume:{int(job.resume_at.timestamp())}")
                session.commit()
                log.info("import %s paused: the Kinopoisk quota is spent until %s", job_id, job.resume_at)
                return
            if exc.code != "unauthorized":
                retry_later(session, job_id, tries + 1, exc)
                return
            log.warning("import %s: the Kinopoisk key was rejected; the rest is left to pick by hand", job_id)
    session.execute(
        update(ImportRow)
        .where(ImportRow.job_id == job_id, ImportRow.state == "pending")
        .values(state="unmatched")
        .execution_options(synchronize_session=False)
    )
    session.get_one(ImportJob, job_id).status = "preview"
    session.commit()


def retry_later(session: Session, job_id: int, tries: int, exc: KinopoiskError) -> None:
    """Kinopoisk unavailable (down, rate limited, answering nonsense): try again a little later,
    each time later still; after RETRIES runs in a row the import failed (what matched stays)."""
    job = session.get_one(ImportJob, job_id)
    if tries >= RETRIES:
        job.status, job.error = "failed", str(exc)[:300]
        log.error("import %s failed: Kinopoisk unavailable %d times in a row (%s)", job_id, tries, exc)
    else:
        schedule(
            session,
            job,
            utcnow() + timedelta(minutes=RETRY_MINUTES * tries),
            f"retry:{tries}:{utcnow().timestamp()}",
            tries,
        )
    session.commit()


@due_jobs.handler(KIND, network=True)
def _run(session: Session, payload: dict) -> None:
    match(session, payload["job_id"], current_app.extensions.get("kinopoisk"), int(payload.get("tries", 0)))
