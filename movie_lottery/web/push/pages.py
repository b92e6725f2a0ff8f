"""«Уведомления»: this device's push subscription and its topics, and every subscribed device
of the visitor (the member's devices once members exist)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ...extensions import db
from ...services.push import subscriptions, topics
from ..auth import is_admin
from ..polls.voter import set_cookie_if_new
from .api import owner

bp = Blueprint("push_pages", __name__)
bp.after_request(set_cookie_if_new)


@bp.get("/notifications")
def settings():
    enabled = current_app.config["SETTINGS"].push_enabled
    devices = subscriptions.of_owner(db.session, owner()) if enabled else []
    return render_template(
        "push_settings.html",
        enabled=enabled,
        devices=devices,
        topics=[(name, topics.TOPICS[name]) for name in topics.offered(is_admin())],
        topic_names=topics.TOPICS,
    )
