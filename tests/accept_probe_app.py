"""A WSGI app served by tests/test_deploy.py under gunicorn_config.py: ``/hold?dir=D`` keeps
its thread busy (it writes D/held-<pid> and waits for D/release, at most 20 s); any other path
answers with the serving worker's pid at once."""

import os
import time
from pathlib import Path
from urllib.parse import parse_qs

HOLD_SECONDS = 20


def app(environ, start_response):
    if environ["PATH_INFO"] == "/hold":
        directory = Path(parse_qs(environ["QUERY_STRING"])["dir"][0])
        (directory / f"held-{os.getpid()}").touch()
        deadline = time.monotonic() + HOLD_SECONDS
        while not (directory / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
