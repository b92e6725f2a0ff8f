"""Static files under fingerprinted URLs: url_for('static', …) adds ?v=<content hash>, and a
request carrying the current hash may be cached for a year (a changed file gets a new URL);
any other static URL keeps Flask's `no-cache` (revalidate with its ETag)."""
from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600


def register_static_fingerprints(app: Flask) -> None:
    hashes: dict[str, str | None] = {}  # files do not change while a process runs

    def fingerprint(filename: str) -> str | None:
        if filename not in hashes:
            path = safe_join(app.static_folder, filename)
            hashes[filename] = None
            if path and os.path.isfile(path):
                with open(path, "rb") as file:
                    hashes[filename] = hashlib.sha256(file.read()).hexdigest()[:12]
        return hashes[filename]

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and (digest := fingerprint(values.get("filename", ""))):
            values["v"] = digest

    @app.after_request
    def cache_fingerprinted(response):
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        version = request.args.get("v")
        if version and version == fingerprint(request.view_args["filename"]):
            # Only these: Flask's own `no-cache` (revalidate every time) would contradict them.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response
