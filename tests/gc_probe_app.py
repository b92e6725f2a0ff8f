"""A WSGI app served by tests/test_deploy.py under gunicorn_config.py: it reports the garbage
collector's state while it was loaded in the master and now in the worker serving it."""

import gc
import json

ENABLED_WHILE_LOADING = gc.isenabled()


def app(environ, start_response):
    body = json.dumps(
        {"enabled_while_loading": ENABLED_WHILE_LOADING, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
