"""Liveness and readiness.

/health is what Render polls: it does no I/O at all, so a slow or dead database,
qBittorrent or Telegram can never make the platform kill or restart the web service.
/ready tells a person (or a monitor) what works, with every check bounded.

GET and HEAD /health are answered by answer_health_first() before Flask's request cycle
(routing, sessions, CSRF, after-request hooks): the platform and the uptime monitors poll
it constantly and it has nothing for that cycle to do. The Flask route below stays for
every other method (a 405 in the site's error format).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db, limiter
from ...models import Lottery
from ...services.torrents import downloads
from ...services import notifications
from ..errors import is_missing_table

bp = Blueprint("health", __name__)

HEALTH_PATH = "/health"
HEALTH_BODY = b'{"status":"ok"}\n'
HEALTH_HEADERS = [
    ("Content-Type", "application/json"),
    ("Content-Length", str(len(HEALTH_BODY))),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


def answer_health_first(wsgi_app: Callable) -> Callable:
    """Wrap a WSGI app so that GET/HEAD /health get their constant answer without it."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", list(HEALTH_HEADERS))
            return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [HEALTH_BODY]
        return wsgi_app(environ, start_response)

    return app


# A check returns a status string; only a fatal check that is not "ok" makes /ready 503.
ReadyCheck = Callable[[], str]


def database_check() -> str:
    """Bounded by the engine's connect/statement timeouts (config.engine_options)."""
    try:
        db.session.execute(select(Lottery.id).limit(1))
        return "ok"
    except SQLAlchemyError as exc:
        db.session.rollback()
        return "not_migrated" if is_missing_table(exc) else "unavailable"


def notifier_check() -> str:
    """The worker's heartbeat row: alive, stale or not_running (never a call to Telegram)."""
    try:
        status = notifications.heartbeat_status(db.session)
        db.session.rollback()
        return status
    except SQLAlchemyError:
        db.session.rollback()
        return "unknown"


def qbittorrent_check() -> str:
    """The breaker's state: ok, degraded or disabled — never a call to qBittorrent."""
    return downloads.integration_state(current_app.extensions.get("qbittorrent"))


def register_ready_check(app, name: str, check: ReadyCheck, fatal: bool = False) -> None:
    app.extensions.setdefault("ready_checks", {})[name] = (check, fatal)


@bp.route(HEALTH_PATH, methods=["GET"])
@limiter.exempt
def health():
    """Declares the route: answer_health_first() answers GET/HEAD, so Flask sees only other
    methods here and turns them away with its 405."""
    return current_app.response_class(HEALTH_BODY, mimetype="application/json")


@bp.get("/ready")
@limiter.exempt
def ready():
    checks: dict[str, str] = {}
    healthy = True
    for name, (check, fatal) in current_app.extensions.get("ready_checks", {}).items():
        checks[name] = check()
        if fatal and checks[name] != "ok":
            healthy = False
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), 200 if healthy else 503
