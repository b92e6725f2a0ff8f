"""A member's history brought from Letterboxd or IMDb: the import and the rows it read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import new_public_id, utcnow


class ImportJob(db.Model):
    """One uploaded export. status: matching → (paused_quota ↔ matching) → preview → done, or
    failed. Nothing of it is visible to the group until the member confirms (done)."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="matching")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    resume_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # paused_quota: when it goes on
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRow(db.Model):
    """One row of the export as read. state: pending (not looked up yet) | matched | unmatched.
    A match is a library film (film_id) or a film found on Kinopoisk (film: its FilmInfo dict),
    added to the library only when the import is confirmed."""

    __tablename__ = "import_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(1000))
    year: Mapped[int | None] = mapped_column(Integer)
    imdb_id: Mapped[str | None] = mapped_column(String(12))
    seen: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[int | None] = mapped_column(Integer)
    watchlist: Mapped[bool] = mapped_column(Boolean, default=False)
    watched_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id", ondelete="SET NULL"))
    kinopoisk_id: Mapped[int | None] = mapped_column(Integer)
    film: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_import_rows_job_id_state", "job_id", "state"),
        Index("uq_import_rows_job_row", "job_id", "row", unique=True),
    )
