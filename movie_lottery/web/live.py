"""Live JSON that pages poll: a weak ETag from a cheap head read, so an unchanged state is a 304."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify, request

from ..extensions import db


def live_json(etag: str, body: Callable[[], dict]) -> Response:
    """304 when the client's copy carries ``etag``; otherwise ``body()`` as JSON. Private, revalidated."""
    if request.if_none_match.contains_weak(etag):
        db.session.rollback()
        response = Response(status=304)
    else:
        response = jsonify(body())
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
