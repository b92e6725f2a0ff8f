"""Admin access: a session cookie after password login, or a bearer token for API clients."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from .errors import ApiError

SESSION_KEY = "is_admin"


def _secret(name: str) -> str | None:
    value = getattr(current_app.config["SETTINGS"], name)
    return value.get_secret_value() if value is not None else None


def check_password(password: str) -> bool:
    expected = _secret("admin_password")
    return expected is not None and hmac.compare_digest(password.encode(), expected.encode())


def is_admin() -> bool:
    return bool(session.get(SESSION_KEY))


def _fresh_session() -> None:
    """Drop everything but the visitor's CSRF secret: forms open in other tabs keep working
    across a log-in or log-out (the secret is not a privilege; the admin flag is)."""
    csrf_key = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    csrf_secret = session.get(csrf_key)
    session.clear()
    if csrf_secret is not None:
        session[csrf_key] = csrf_secret


def log_in() -> None:
    _fresh_session()
    session[SESSION_KEY] = True
    session.permanent = True


def log_out() -> None:
    _fresh_session()


def _bearer_ok() -> bool:
    token = _secret("admin_api_token")
    header = request.headers.get("Authorization", "")
    scheme, _sep, given = header.partition(" ")
    return token is not None and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def admin_page(view):
    """Pages: redirect to the login form (CSRF is checked globally for forms)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_admin():
            flash(_("Войдите как администратор."), "warning")
            here = request.path + ("?" + request.query_string.decode() if request.query_string else "")
            return redirect(url_for("admin.login", next=here))
        return view(*args, **kwargs)

    return wrapper


def admin_api(view):
    """API: a bearer token, or the admin session plus an X-CSRFToken header on writes."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if _bearer_ok():
            return view(*args, **kwargs)
        if not is_admin():
            raise ApiError(
                401, "unauthorized", _("Нужен вход администратора или заголовок Authorization: Bearer с токеном.")
            )
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except (ValidationError, CSRFError):
                raise ApiError(403, "csrf_failed", _("Нет заголовка X-CSRFToken или он неверный.")) from None
        return view(*args, **kwargs)

    return wrapper
