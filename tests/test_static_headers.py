"""Static files' caching headers: a fingerprinted URL (?v=<the file's hash>) is `public,
max-age=31536000, immutable` and nothing else (no `no-cache` beside it, also on a 304); any other
static URL keeps revalidating."""

from __future__ import annotations

import re

YEAR = "public, max-age=31536000, immutable"


def test_fingerprinted_static_files_are_immutable_and_nothing_else(sqlite_app):
    client = sqlite_app().test_client()
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"?]+\?v=[0-9a-f]{12})"', html)
    assert any(".css" in url for url in urls) and any(".js" in url for url in urls), urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == YEAR, (url, response.headers)
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.headers["Cache-Control"] == YEAR, (url, again.headers)


def test_unfingerprinted_static_files_revalidate(sqlite_app):
    client = sqlite_app().test_client()
    for url in ("/static/style.css", "/static/style.css?v=000000000000", "/static/style.css?v="):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-cache" and response.headers.get("ETag"), (url, response.headers)
        assert "immutable" not in response.headers["Cache-Control"]
