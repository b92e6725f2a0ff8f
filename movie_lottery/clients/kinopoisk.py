"""kinopoisk.dev (unofficial Kinopoisk API, v1.4) client: one pooled session, short
timeouts, a circuit breaker, and errors a person can act on."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import requests

from .breaker import Breaker, BreakerOpen
from .errors import KinopoiskError
from .formats import parse_kinopoisk_ref
from .http import pooled_session

if TYPE_CHECKING:
    from .shared_state import SharedState
__all__ = ["FilmInfo", "KinopoiskClient", "KinopoiskError", "parse_kinopoisk_ref"]

DEFAULT_BASE_URL = "https://api.kinopoisk.dev"


class _Unavailable(Exception):
    """Availability failures (timeouts, refused connections, 5xx): the only ones the breaker counts."""


@dataclass(frozen=True)
class FilmInfo:
    kinopoisk_id: int
    title: str
    original_title: str | None = None
    year: int | None = None
    poster_url: str | None = None
    rating: float | None = None
    genres: tuple[str, ...] = ()
    description: str | None = None
    length_minutes: int | None = None
    kind: str | None = None
    # Only in a film's own document (GET /v1.4/movie/<id>), not in search results.
    trailer_url: str | None = None  # a youtube-nocookie.com embed URL
    similar: tuple[dict[str, Any], ...] = ()  # {"kinopoisk_id", "title", "year", "poster_url"}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["genres"] = list(self.genres)
        del data["length_minutes"], data["kind"], data["trailer_url"], data["similar"]
        return data


YOUTUBE_EMBED = re.compile(r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([A-Za-z0-9_-]{11})(?:[?#].*)?$")
NOCOOKIE_EMBED = "https://www.youtube-nocookie.com/embed/"
SIMILAR_MAX = 12
IMDB_BATCH = 250  # IMDb ids asked in one request at most (the API pages at most 250 documents)


def _object(value: Any) -> dict:
    """A JSON object of the document, or an empty one when the field is missing or not an object."""
    return value if isinstance(value, dict) else {}


def trailer_from_doc(doc: dict) -> str | None:
    """The first YouTube trailer of ``videos.trailers``, as the privacy-enhanced embed URL."""
    videos = _object(doc.get("videos"))
    for trailer in videos.get("trailers") or []:
        url = trailer.get("url") if isinstance(trailer, dict) else None
        match = YOUTUBE_EMBED.match(url) if isinstance(url, str) else None
        if match:
            return NOCOOKIE_EMBED + match.group(1)
    return None


def similar_from_doc(doc: dict) -> tuple[dict[str, Any], ...]:
    films = []
    for item in doc.get("similarMovies") or []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            continue
        title = _text(item.get("name")) or _text(item.get("alternativeName")) or _text(item.get("enName"))
        if title is None:
            continue
        poster = _object(item.get("poster"))
        year = item.get("year")
        films.append(
            {
                "kinopoisk_id": item["id"],
                "title": title[:300],
                "year": year if isinstance(year, int) and year > 0 else None,
                "poster_url": _text(poster.get("previewUrl")) or _text(poster.get("url")),
            }
        )
    return tuple(films[:SIMILAR_MAX])


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def film_from_doc(doc: Any) -> FilmInfo | None:
    """Map one API document; missing fields are normal, a doc without id or title is skipped."""
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), int):
        return None
    title = _text(doc.get("name")) or _text(doc.get("alternativeName")) or _text(doc.get("enName"))
    if title is None:
        return None
    poster = _object(doc.get("poster"))
    rating = _object(doc.get("rating"))
    kp_rating = rating.get("kp") or rating.get("imdb")
    original = _text(doc.get("alternativeName")) or _text(doc.get("enName"))
    genres = tuple(name for g in doc.get("genres") or [] if isinstance(g, dict) and (name := _text(g.get("name"))))
    year, length = doc.get("year"), doc.get("movieLength")
    return FilmInfo(
        kinopoisk_id=doc["id"],
        title=title,
        original_title=original if original != title else None,
        year=year if isinstance(year, int) and year > 0 else None,
        poster_url=_text(poster.get("url")) or _text(poster.get("previewUrl")),
        rating=round(float(kp_rating), 1) if isinstance(kp_rating, (int, float)) and kp_rating > 0 else None,
        genres=genres,
        description=_text(doc.get("shortDescription")) or _text(doc.get("description")),
        length_minutes=length if isinstance(length, int) and length > 0 else None,  # series come with 0
        kind=_text(doc.get("type")),
        trailer_url=trailer_from_doc(doc),
        similar=similar_from_doc(doc),
    )


def _mentions_limit(response: requests.Response) -> bool:
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        return False
    return "лимит" in message.lower() or "limit" in message.lower()


class KinopoiskClient:
    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 5.0,
        fail_max: int = 3,
        reset_timeout: float = 60.0,
        shared: SharedState | None = None,
    ):
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.breaker = Breaker(
            "kinopoisk", fail_max=fail_max, reset_timeout=reset_timeout, exclude=[KinopoiskError], shared=shared
        )
        self.session = pooled_session(8)  # never retried: a person is waiting for these results
        self.session.headers.update({"X-API-KEY": api_key, "Accept": "application/json"})

    def __repr__(self) -> str:
        return f"KinopoiskClient({self.base_url!r})"

    def search(self, query: str, *, page: int = 1, limit: int = 10) -> list[FilmInfo]:
        body = self._get("/v1.4/movie/search", {"query": query, "page": page, "limit": limit})
        docs = body.get("docs") if isinstance(body, dict) else None
        if not isinstance(docs, list):
            raise KinopoiskError("bad_response", "no docs in the answer")
        return [film for film in map(film_from_doc, docs) if film is not None]

    def get_film(self, kinopoisk_id: int) -> FilmInfo | None:
        body = self._get(f"/v1.4/movie/{int(kinopoisk_id)}", None)
        return None if body is None else film_from_doc(body)

    def find_by_imdb(self, imdb_ids: list[str]) -> dict[str, FilmInfo]:
        """Films by IMDb id through the filter on external ids (one request for up to IMDB_BATCH
        ids); {imdb id: film} of those Kinopoisk knows."""
        ids = sorted(set(imdb_ids))[:IMDB_BATCH]
        if not ids:
            return {}
        body = self._get("/v1.4/movie", {"externalId.imdb": ids, "limit": IMDB_BATCH, "page": 1})
        docs = body.get("docs") if isinstance(body, dict) else None
        if not isinstance(docs, list):
            raise KinopoiskError("bad_response", "no docs in the answer")
        found: dict[str, FilmInfo] = {}
        for doc in docs:
            film = film_from_doc(doc)
            imdb = _object(doc.get("externalId")).get("imdb") if isinstance(doc, dict) else None
            if film is not None and isinstance(imdb, str) and imdb in ids:
                found.setdefault(imdb, film)
        return found

    def close(self) -> None:
        self.session.close()

    def _get(self, path: str, params: dict | None) -> Any:
        try:
            return self.breaker.call(self._request, path, params)
        except BreakerOpen:
            raise KinopoiskError("unavailable", "circuit open after repeated failures") from None
        except _Unavailable as exc:
            raise KinopoiskError("unavailable", str(exc)) from None

    def _request(self, path: str, params: dict | None) -> Any:
        try:
            response = self.session.get(self.base_url + path, params=params, timeout=self.timeout)
        except requests.Timeout:
            raise _Unavailable("timed out") from None
        except requests.RequestException as exc:
            raise _Unavailable(exc.__class__.__name__) from None
        status = response.status_code
        if status >= 500:
            raise _Unavailable(f"HTTP {status}")
        if status == 404:
            return None
        if status == 402 or (status == 403 and _mentions_limit(response)):
            # kinopoisk.dev answers 403 with a "limit" message once the daily quota is spent.
            raise KinopoiskError("quota", f"HTTP {status}")
        if status in (401, 403):
            raise KinopoiskError("unauthorized", "the API key was rejected")
        if status == 429:
            raise KinopoiskError("rate_limited", "HTTP 429")
        if status != 200:
            raise KinopoiskError("bad_response", f"HTTP {status}")
        try:
            return response.json()
        except ValueError:
            raise KinopoiskError("bad_response", "not JSON") from None
