"""The admin area: its blueprint (/admin), which the domains' admin pages add their routes to
(library/admin.py, torrents/admin.py), and the password log-in and log-out. Every form carries
a CSRF token."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import limiter
from . import auth


bp = Blueprint("admin", __name__, url_prefix="/admin")


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a fresh admin to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.library_page")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    enabled = current_app.config["SETTINGS"].admin_password is not None
    if request.method == "POST" and enabled:
        if auth.check_password(request.form.get("password", "")):
            auth.log_in()
            flash(_("Вы вошли как администратор."), "success")
            return redirect(safe_next(request.args.get("next")))
        flash(_("Неверный пароль."), "error")
        return render_template("admin/login.html", enabled=enabled), 401
    return render_template("admin/login.html", enabled=enabled)


@bp.post("/logout")
def logout():
    auth.log_out()
    response = redirect(url_for("pages.home"))
    # The browser's HTTP cache forgets the admin's pages; the service worker, which sees this
    # request go by, forgets the pages it kept.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
