"""A member's import: the upload read into rows (nothing written if the file is refused), its
progress and preview, a row's film picked by hand, and the confirmation that makes the seen
marks and the scores (through the ratings service: the same scores as rated on the site)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO, BinaryIO, cast

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ...models import Film, FilmRating, ImportJob, ImportRow, SeenMark, search_key, utcnow
from .. import events, ratings
from ..library import FilmData, add_film
from .exports import ExportRefused, read_export
from .matching import record, schedule
from .. import merges

BATCH = 500  # rows inserted per statement while the file streams


class ImportNotFound(LookupError):
    """No such import, or another member's."""


class NotReady(ValueError):
    """Confirmed before its preview (still matching or paused), or confirmed already."""


def start(session: Session, member_id: int, stream: IO[bytes], filename: str) -> ImportJob:
    """Read the export into a new import and schedule its matching. Raises ExportRefused (the
    caller rolls back: nothing is written). The caller commits."""
    job = ImportJob(member_id=member_id, filename=(filename or "export")[:200], status="matching", rows=0)
    session.add(job)
    session.flush()
    batch: list[dict] = []
    count = 0
    for row in read_export(cast(BinaryIO, stream), filename or ""):
        batch.append(
            {
                "job_id": job.id,
                "row": row.row,
                "source": row.source[:40],
                "title": row.title,
                "year": row.year,
                "imdb_id": row.imdb_id,
                "seen": row.seen,
                "score": row.score,
                "watchlist": row.watchlist,
                "watched_on": row.watched_on,
                "state": "pending",
            }
        )
        count += 1
        if len(batch) >= BATCH:
            session.execute(insert(ImportRow), batch)
            batch = []
    if batch:
        session.execute(insert(ImportRow), batch)
    if count == 0:
        raise ExportRefused("empty", "the file has no rows")
    job.rows = count
    schedule(session, job, utcnow(), "match")
    return job


def get(session: Session, public_id: str, member_id: int | None) -> ImportJob:
    job = session.scalar(select(ImportJob).where(ImportJob.public_id == public_id))
    if job is None or member_id is None or job.member_id != member_id:
        raise ImportNotFound(public_id)
    return job


@dataclass
class Planned:
    """One film of the import: where it is (library id or Kinopoisk film) and what it brings."""

    film_id: int | None
    film: dict | None
    seen: bool = False
    score: int | None = None
    score_key: tuple = ()
    watchlist: bool = False


@dataclass
class Preview:
    matched: int
    unmatched: list[dict]
    seen: int
    scores: int
    watchlist: int
    films: dict = field(default_factory=dict)


def _score_key(row) -> tuple:
    """Which row's score stands when a film has several: ratings.csv (the current one), then the latest watch."""
    return (row.source.endswith("ratings.csv"), row.watched_on or date.min, row.row)


def plan(session: Session, job: ImportJob) -> Preview:
    """What confirming would add, against what the member already has: a constant number of statements."""
    rows = session.execute(select(ImportRow).where(ImportRow.job_id == job.id).order_by(ImportRow.row)).scalars().all()
    # A film found on Kinopoisk that the library has meanwhile is that library film.
    kinopoisk_ids = sorted({row.kinopoisk_id for row in rows if row.film_id is None and row.kinopoisk_id is not None})
    in_library = (
        dict(session.execute(select(Film.kinopoisk_id, Film.id).where(Film.kinopoisk_id.in_(kinopoisk_ids))).all())
        if kinopoisk_ids
        else {}
    )
    films: dict[tuple, Planned] = {}
    unmatched: dict[tuple, dict] = {}
    for row in rows:
        if row.state != "matched":
            if row.state == "unmatched":
                unmatched.setdefault(
                    (row.imdb_id, search_key(row.title), row.year),
                    {"row": row.row, "title": row.title, "year": row.year},
                )
            continue
        film_id = row.film_id if row.film_id is not None else in_library.get(row.kinopoisk_id)
        key = ("film", film_id) if film_id is not None else ("kinopoisk", row.kinopoisk_id)
        item = films.setdefault(key, Planned(film_id, row.film))
        item.seen = item.seen or row.seen or row.score is not None
        item.watchlist = item.watchlist or row.watchlist
        if row.score is not None and _score_key(row) >= item.score_key:
            item.score, item.score_key = row.score, _score_key(row)
    library_ids = [item.film_id for item in films.values() if item.film_id is not None]
    marked = (
        set(
            session.scalars(
                select(SeenMark.film_id).where(SeenMark.member_id == job.member_id, SeenMark.film_id.in_(library_ids))
            )
        )
        if library_ids
        else set()
    )
    scores = (
        dict(
            session.execute(
                select(FilmRating.film_id, FilmRating.score).where(
                    FilmRating.member_id == job.member_id, FilmRating.film_id.in_(library_ids)
                )
            ).all()
        )
        if library_ids
        else {}
    )
    return Preview(
        matched=len(films),
        unmatched=list(unmatched.values()),
        seen=sum(1 for item in films.values() if item.seen and (item.film_id is None or item.film_id not in marked)),
        scores=sum(
            1
            for item in films.values()
            if item.score is not None and (item.film_id is None or scores.get(item.film_id) != item.score)
        ),
        watchlist=0,  # personal watchlists do not exist yet: nothing is added from watchlist.csv
        films=films,
    )


def pick_film(
    session: Session, job: ImportJob, row_number: int, *, film_id: int | None = None, film: dict | None = None
) -> int:
    """The member's own choice for a row (and the rows of the same film); how many rows it matched."""
    if job.status not in ("preview", "matching", "paused_quota"):
        raise NotReady(job.status)
    row = session.scalar(select(ImportRow).where(ImportRow.job_id == job.id, ImportRow.row == row_number))
    if row is None:
        raise ImportNotFound(row_number)
    same = select(ImportRow.id).where(
        ImportRow.job_id == job.id,
        ImportRow.title == row.title,
        ImportRow.year.is_(None) if row.year is None else ImportRow.year == row.year,
    )
    ids = list(session.scalars(same))
    record(session, ids, film_id=film_id, film=film)
    return len(ids)


def confirm(session: Session, job: ImportJob) -> Preview:
    """Add what the preview shows: films found on Kinopoisk join the library, then the marks and
    the scores (a score already the same is left as it is). The caller commits."""
    session.refresh(job, with_for_update=True)
    if job.status != "preview":
        raise NotReady(job.status)
    preview = plan(session, job)
    seen_ids: list[int] = []
    for item in preview.films.values():
        if item.film_id is None and item.film:
            fields = {k: v for k, v in item.film.items() if k in FilmData.__dataclass_fields__}
            film, _ = add_film(session, FilmData(**{**fields, "genres": tuple(fields.get("genres") or ())}))
            session.flush()
            item.film_id = film.id
        if item.film_id is not None and item.seen:
            seen_ids.append(item.film_id)
    ratings.seen.mark_many(session, job.member_id, seen_ids)
    scored = {item.film_id: item.score for item in preview.films.values() if item.film_id and item.score is not None}
    current = (
        dict(
            session.execute(
                select(FilmRating.film_id, FilmRating.score).where(
                    FilmRating.member_id == job.member_id, FilmRating.film_id.in_(list(scored))
                )
            ).all()
        )
        if scored
        else {}
    )
    for film_id, score in sorted(scored.items()):
        if current.get(film_id) != score:
            ratings.rate(session, film_id, job.member_id, score)
    job.status, job.confirmed_at = "done", utcnow()
    return preview


def progress(session: Session, job: ImportJob) -> dict:
    """{row state: count} of the import's rows."""
    return dict(
        session.execute(
            select(ImportRow.state, func.count()).where(ImportRow.job_id == job.id).group_by(ImportRow.state)
        ).all()
    )


@events.members_merged.connect
def _merge_imports(session: Session, source_id: int, target_id: int) -> None:
    """The source's imports become the target's (a preview confirmed later marks the target)."""
    merges.reassign(session, ImportJob, source_id, target_id)


@events.member_deleted.connect
def _forget_imports(session: Session, member_id: int) -> None:
    """A deleted member's imports go with their rows (SQLite does not enforce ON DELETE CASCADE)."""
    jobs = select(ImportJob.id).where(ImportJob.member_id == member_id)
    session.execute(delete(ImportRow).where(ImportRow.job_id.in_(jobs)).execution_options(synchronize_session=False))
    session.execute(
        delete(ImportJob).where(ImportJob.member_id == member_id).execution_options(synchronize_session=False)
    )
