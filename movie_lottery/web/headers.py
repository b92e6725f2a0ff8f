"""The headers every response of the site carries (security, Vary, Content-Language)."""

from __future__ import annotations

# Posters come from Kinopoisk's CDN and anywhere an admin points to; scripts and styles are ours only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' https: http: data:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def content_security_policy(frame: str | None = None) -> str:
    """The site's policy; a page that embeds one player allows exactly its origin (its own header)."""
    return CONTENT_SECURITY_POLICY + (f"; frame-src {frame}" if frame else "")


def add_page_headers(response, language: str, secure: bool):
    """Security headers, Vary and Content-Language on every response; page_cache/fast.py adds them
    to the hits it answers before Flask."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if response.mimetype in ("text/html", "application/json"):
        response.vary.update(("Accept-Language", "Cookie"))  # the language comes from either
    if response.mimetype == "text/html":
        headers.setdefault("Content-Language", language)  # the service worker's offline page follows it
    if secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
