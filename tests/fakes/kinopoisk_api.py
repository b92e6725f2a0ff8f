"""A fake kinopoisk.dev v1.4 on pytest-httpserver, answering with real recorded documents.

tests/specs/kinopoisk/ holds real answers of the API (a search page and the movie 476);
the test films below are those documents, or copies with parts blanked the way real
documents come (nulls, empty strings), so the client meets the real shapes, extra fields
included. Failures use the API's error shape {statusCode, message, error}.
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
from pathlib import Path

from werkzeug.wrappers import Request, Response

API_KEY = "KP-TEST-KEY-0000"
RECORDED = Path(__file__).resolve().parent.parent / "specs" / "kinopoisk"


def _recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


RECORDED_SEARCH = _recorded("search-sample.json")
RECORDED_MOVIE = _recorded("movie-sample.json")  # id 476, «Назад в будущее», every field the API has


def recorded_doc(kinopoisk_id: int) -> dict:
    """A copy of one document of the recorded search page."""
    return copy.deepcopy(next(doc for doc in RECORDED_SEARCH["docs"] if doc["id"] == kinopoisk_id))


INTOUCHABLES = recorded_doc(535341)  # 1+1 (2011): full, enName ""
# Real documents often lack parts: no poster, null year, rating 0, no genres, only an English name.
SPARSE = {
    **recorded_doc(1100777),
    "id": 1234567,
    "name": None,
    "alternativeName": "",
    "enName": "Untitled Short",
    "year": None,
    "rating": {"kp": 0, "imdb": 0, "filmCritics": 0, "russianFilmCritics": 0, "await": None},
    "poster": {"url": None, "previewUrl": None},
    "genres": [],
    "shortDescription": None,
    "description": "",
}
BROKEN = {**recorded_doc(41519), "id": None}  # a title but no id: skipped


def search_body(docs: list[dict], page: int = 1, limit: int = 10) -> dict:
    """The real envelope: one page of the matches, with the totals of all of them."""
    start = (page - 1) * limit
    return {
        "docs": docs[start : start + limit],
        "total": len(docs),
        "limit": limit,
        "page": page,
        "pages": math.ceil(len(docs) / limit),
    }


def error_body(status: int, message: str, error: str) -> dict:
    return {"statusCode": status, "message": message, "error": error}


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, content_type="application/json")


class FakeKinopoisk:
    """Registers handlers on an HTTPServer; every handler checks the X-API-KEY header like the real API."""

    def __init__(self, httpserver, api_key: str = API_KEY):
        self.server, self.api_key = httpserver, api_key
        self.url = httpserver.url_for("").rstrip("/")

    @property
    def requests_count(self) -> int:
        return len(self.server.log)

    def _guard(self, respond):
        def handler(request: Request) -> Response:
            if request.headers.get("X-API-KEY") != self.api_key:
                return _json(error_body(401, "В запросе не указан токен!", "Unauthorized"), 401)
            return respond(request)

        return handler

    def serve_search(self, docs: list[dict] | None = None) -> None:
        """Answer every search with these documents (by default the recorded page's ten)."""
        docs = RECORDED_SEARCH["docs"] if docs is None else docs

        def respond(request):
            return _json(search_body(docs, int(request.args.get("page", 1)), int(request.args.get("limit", 10))))

        self.server.expect_request("/v1.4/movie/search").respond_with_handler(self._guard(respond))

    def serve_film(self, doc: dict | None = None) -> None:
        """Answer /v1.4/movie/<id> for this document (by default the recorded movie 476)."""
        doc = RECORDED_MOVIE if doc is None else doc
        self.server.expect_request(f"/v1.4/movie/{doc['id']}").respond_with_handler(self._guard(lambda _r: _json(doc)))

    def serve_catalogue(self, docs: list[dict]) -> None:
        """A small catalogue as the real API filters it: GET /v1.4/movie with `externalId.imdb`
        (repeated, the spec's array form) answers the documents with those IMDb ids, and
        /v1.4/movie/search answers the documents whose names contain the query (case-folded)."""

        def by_ids(request):
            wanted = set(request.args.getlist("externalId.imdb"))
            found = [doc for doc in docs if (doc.get("externalId") or {}).get("imdb") in wanted]
            return _json(search_body(found, int(request.args.get("page", 1)), int(request.args.get("limit", 10))))

        def by_name(request):
            query = request.args.get("query", "").casefold()
            found = [
                doc
                for doc in docs
                if any(
                    query and query in (doc.get(field) or "").casefold()
                    for field in ("name", "alternativeName", "enName")
                )
            ]
            return _json(search_body(found, int(request.args.get("page", 1)), int(request.args.get("limit", 10))))

        self.server.expect_request("/v1.4/movie").respond_with_handler(self._guard(by_ids))
        self.server.expect_request("/v1.4/movie/search").respond_with_handler(self._guard(by_name))

    def spend_quota(self) -> None:
        """From now on every request is refused as the real API does once the day's quota is spent."""
        self.server.clear_all_handlers()
        self.server.expect_request(re.compile(r"^/.*")).respond_with_response(
            _json(error_body(403, "Превышен дневной лимит!", "Forbidden"), 403)
        )

    def next_day(self, docs: list[dict]) -> None:
        """The quota is back: the catalogue answers again."""
        self.server.clear_all_handlers()
        self.serve_catalogue(docs)

    def fail(self, path: str, status: int, message: str = "error", error: str = "Error") -> None:
        self.server.expect_request(path).respond_with_response(_json(error_body(status, message, error), status))

    def slow(self, path: str, seconds: float) -> None:
        def respond(_request):
            time.sleep(seconds)  # bounded: a little past the client's read timeout
            return _json(search_body([]))

        self.server.expect_request(path).respond_with_handler(respond)
