"""The library: films (with their badges, download data and Kinopoisk details) and the search cache."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import iso_utc, search_key, utcnow


class Film(db.Model):
    """A film of the library: every winner lands here, admins add more."""

    __tablename__ = "films"

    id: Mapped[int] = mapped_column(primary_key=True)
    kinopoisk_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    original_title: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    poster_url: Mapped[str | None] = mapped_column(String(1000))
    rating: Mapped[float | None] = mapped_column(Float)
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(String(700), default="", index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    # Admin-only download data: a magnet (or an uploaded .torrent) and the last status
    # qBittorrent reported, so pages show it without calling qBittorrent.
    info_hash: Mapped[str | None] = mapped_column(String(40), unique=True)
    magnet_uri: Mapped[str | None] = mapped_column(Text)
    torrent_file: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    torrent_state: Mapped[str | None] = mapped_column(String(40))
    torrent_progress: Mapped[float | None] = mapped_column(Float)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Admin badges (services/badges.py). A film is banned from new lotteries until banned_until (inclusive).
    watched_on: Mapped[date | None] = mapped_column(Date)
    favourite: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    watchlist_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    banned_until: Mapped[date | None] = mapped_column(Date, index=True)

    # The group's ratings (FilmRating) summed up, kept by services/ratings in the rating's own
    # transaction: the library sorts by them and /stats ranks by them without grouping all ratings.
    ratings_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ratings_average: Mapped[float | None] = mapped_column(Float, index=True)
    # From Kinopoisk's document (v1.4): the first YouTube trailer and similar films
    # [{"kinopoisk_id", "title", "year", "poster_url"}], kept when the film is added.
    trailer_url: Mapped[str | None] = mapped_column(String(500))
    similar: Mapped[list | None] = mapped_column(JSON)
    length_minutes: Mapped[int | None] = mapped_column(Integer)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.refresh_search_text()

    def refresh_search_text(self) -> None:
        self.search_text = search_key(self.title, self.original_title)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kinopoisk_id": self.kinopoisk_id,
            "title": self.title,
            "original_title": self.original_title,
            "year": self.year,
            "poster_url": self.poster_url,
            "rating": self.rating,
            "genres": list(self.genres or []),
            "description": self.description,
            "added_at": iso_utc(self.added_at),
            "badges": {
                "watched_on": self.watched_on.isoformat() if self.watched_on else None,
                "favourite": bool(self.favourite),
                "watchlist_at": iso_utc(self.watchlist_at),
                "banned_until": self.banned_until.isoformat() if self.banned_until else None,
            },
            "group_rating": {
                "average": None if self.ratings_average is None else round(self.ratings_average, 2),
                "count": self.ratings_count or 0,
            },
        }


class SearchCache(db.Model):
    """Kinopoisk answers shared by every worker process and restart, kept for a day."""

    __tablename__ = "search_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # "q:<normalised query>" or "id:<kinopoisk id>"
    results: Mapped[list] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
