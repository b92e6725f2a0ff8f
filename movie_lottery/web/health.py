"""Liveness and readiness.

/health is what Render polls: it does no I/O at all, so a slow or dead database,
qBittorrent or Telegram can never make the platform kill or restart the web service.
/ready tells a person (or a monitor) what works, with every check bounded.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db, limiter
from ..models import Lottery
from ..services import downloads, notifications
from .errors import is_missing_table

bp = Blueprint("health", __name__)

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


@bp.get("/health")
@limiter.exempt
def health():
    return jsonify(status="ok")


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
