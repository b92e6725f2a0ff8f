"""A fake kinopoisk.dev v1.4 on pytest-httpserver, with the real answer shapes and failures."""
from __future__ import annotations

import json
import time

from werkzeug.wrappers import Request, Response

API_KEY = "KP-TEST-KEY-0000"

INTOUCHABLES = {
    "id": 535341, "name": "1+1", "alternativeName": "Intouchables", "enName": None, "type": "movie", "year": 2011,
    "description": "Пострадав в результате несчастного случая, богатый аристократ Филипп нанимает в помощники…",
    "shortDescription": "Аристократ на коляске нанимает в помощники обитателя гетто.",
    "rating": {"kp": 8.804, "imdb": 8.5, "filmCritics": 6.8, "russianFilmCritics": 100, "await": None},
    "movieLength": 112, "genres": [{"name": "драма"}, {"name": "комедия"}, {"name": "биография"}],
    "countries": [{"name": "Франция"}],
    "poster": {"url": "https://image.openmoviedb.com/kinopoisk-images/1946459/bf93b465/orig",
               "previewUrl": "https://image.openmoviedb.com/kinopoisk-images/1946459/bf93b465/x1000"},
}
# Real answers often lack parts: no poster, null year, rating 0, no genres, only an English name.
SPARSE = {"id": 1234567, "name": None, "alternativeName": None, "enName": "Untitled Short", "type": "movie",
          "year": None, "rating": {"kp": 0, "imdb": 0}, "poster": {"url": None, "previewUrl": None}, "genres": []}
BROKEN = {"id": None, "name": "no id"}


def search_body(docs: list[dict], page: int = 1, limit: int = 10) -> dict:
    return {"docs": docs, "total": len(docs), "limit": limit, "page": page, "pages": 1 if docs else 0}


def error_body(status: int, message: str, error: str) -> dict:
    return {"statusCode": status, "message": message, "error": error}


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
                return Response(json.dumps(error_body(401, "В запросе не указан токен!", "Unauthorized")), 401,
                                content_type="application/json")
            return respond(request)

        return handler

    def serve_search(self, docs: list[dict]) -> None:
        def respond(request):
            body = search_body(docs, int(request.args.get("page", 1)), int(request.args.get("limit", 10)))
            return Response(json.dumps(body, ensure_ascii=False), 200, content_type="application/json")

        self.server.expect_request("/v1.4/movie/search").respond_with_handler(self._guard(respond))

    def serve_film(self, doc: dict) -> None:
        respond = lambda _r: Response(json.dumps(doc, ensure_ascii=False), 200, content_type="application/json")  # noqa: E731
        self.server.expect_request(f"/v1.4/movie/{doc['id']}").respond_with_handler(self._guard(respond))

    def fail(self, path: str, status: int, message: str = "error", error: str = "Error") -> None:
        body = json.dumps(error_body(status, message, error), ensure_ascii=False)
        self.server.expect_request(path).respond_with_response(Response(body, status, content_type="application/json"))

    def slow(self, path: str, seconds: float) -> None:
        def respond(_request):
            time.sleep(seconds)  # bounded: a little past the client's read timeout
            return Response(json.dumps(search_body([])), 200, content_type="application/json")

        self.server.expect_request(path).respond_with_handler(respond)
