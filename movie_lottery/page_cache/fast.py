"""Cache hits answered before Flask, as /health is: a GET of a page the cache holds costs the
lookup, the visitor's own parts (their CSRF token, the cookie their page varies on) and the
bytes — not Flask's request context, routing, hooks or session saving.

Only the plainest visit is answered here; anything else falls through to Flask, which may still
serve it from the cache (``cached_page``) or render it:
* a GET of a path a cached view has answered (``PageCache.routes``: its endpoint and what its
  page varies on), without NUL characters in the query (Flask refuses those);
* the listener is trusted, and a writer's ``fresh_after`` cookie names a write this process heard;
* the session cookie, checked by the serializer of Flask's own session interface (the same
  signature and expiry), holds the visitor's CSRF secret and nothing else: no admin flag, no
  flashed message, no permanent session to refresh. A visitor without a valid session (none,
  expired, forged) gets a new secret and session cookie, made as Flask-WTF and Flask make them;
* every part the page varies on has a cookie-level form (``part.of_cookies``) with an answer
  (``voter_variant`` has none for a visitor without a voter cookie: Flask gives them one).
The key is ``page_key`` of the same request, so a page is found under exactly the key Flask's
path stores and looks it up with; the headers are the page's, the site's (``PageCache.headers``,
the after-request hook's own function) and ``X-Page-Cache-Path: before-flask``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Request

from . import EXTENSION, WRITE_COOKIE, PageCache, page_key
from .store import Page

MARK = ("X-Page-Cache-Path", "before-flask")  # tests and benchmarks tell the two paths apart by it
NEW = object()  # SessionSecrets.secret(): a visitor without a valid session
KNOWN = 4096  # session cookies and page headers remembered


def answer_hits_first(app: Flask, wsgi_app: Callable) -> Callable:
    """Wrap ``wsgi_app`` (Flask's, inside any proxy fix-up of the environ) with the fast path."""
    cache: PageCache | None = app.extensions.get(EXTENSION)
    if cache is None or type(app.session_interface) is not SecureCookieSessionInterface:
        return wsgi_app
    sessions, headers = SessionSecrets(app, cache.tokens.field), PageHeaders(app, cache)
    languages: OrderedDict[tuple, str] = OrderedDict()

    def language_of(environ: dict, request: Request) -> str:
        """The locale selector's answer, remembered by what it reads (extensions.select_locale):
        the query, the cookies, Accept-Language and whether the path is the API's."""
        inputs = (
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_COOKIE", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            environ.get("PATH_INFO", "").startswith("/api/"),
        )
        language = languages.get(inputs)
        if language is None:
            language = languages[inputs] = cache.language(request)
            while len(languages) > KNOWN:
                languages.popitem(last=False)
        return language

    def answer(environ: dict) -> tuple[list, bytes] | None:
        route = cache.routes.get(environ.get("PATH_INFO", ""))
        if route is None or not cache.freshness.trusted():
            return None
        query = environ.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return None
        request = Request(environ)
        cookies = parse_cookie(environ)  # what request.cookies parses, without its walk over the environ
        secret = sessions.secret(cookies.get(sessions.cookie_name))
        if secret is None:
            return None
        write_id = cookies.get(WRITE_COOKIE)
        if write_id is not None and not cache.freshness.has_heard(write_id):
            return None
        endpoint, vary = route
        parts = cookie_parts(vary, cookies)
        if parts is None:
            return None
        language = language_of(environ, request)
        page = cache.current(page_key(request, endpoint, language, parts))
        if page is None:
            return None
        new_cookie = None
        if secret is NEW:
            secret, new_cookie = sessions.new()
        assert isinstance(secret, str)  # the visitor's own, or the one just made
        body = cache.personal_body(page, cache.tokens.signed(secret))
        template, length_at = headers.of(page, language, request.is_secure, environ)
        sent = [*template[:length_at], ("Content-Length", str(len(body))), *template[length_at + 1 :]]
        if new_cookie is not None:
            sent.append(new_cookie)  # where Flask's session interface puts it: after every hook's headers
        return sent, body

    def app_with_fast_hits(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            found = answer(environ)
            if found is not None:
                start_response("200 OK", found[0])
                return [found[1]]
        return wsgi_app(environ, start_response)

    return app_with_fast_hits


class SessionSecrets:
    """The CSRF secret of a session cookie that holds nothing else, checked once per cookie by the
    serializer Flask's session interface opens it with (same keys, salt, signature and expiry);
    remembered until the cookie itself expires (its signed time + the session's lifetime). A
    visitor without a valid session gets a new secret and its cookie as Flask's path would give
    them: the secret made as Flask-WTF makes it, the cookie by Flask's session interface."""

    def __init__(self, app: Flask, field: str):
        interface = app.session_interface
        if not isinstance(interface, SecureCookieSessionInterface):
            raise TypeError("hits before Flask read Flask's own signed-cookie session")
        self.app, self.interface = app, interface
        self.cookie_name = interface.get_cookie_name(app)
        self.field = field
        self._serializer = interface.get_signing_serializer(app)
        self._max_age = int(app.permanent_session_lifetime.total_seconds())
        self._known: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def secret(self, cookie: str | None) -> str | object | None:
        """The secret; NEW for a visitor without a valid session (none, expired, forged, empty);
        None when the session holds more (an admin flag, a flashed message, a permanent session:
        Flask's to answer)."""
        if self._serializer is None:
            return None
        if not cookie:
            return NEW
        with self._lock:
            known = self._known.get(cookie)
        if known is not None and time.time() < known[1]:
            return known[0]
        try:
            data, signed_at = self._serializer.loads(cookie, max_age=self._max_age, return_timestamp=True)
        except BadSignature:
            return NEW  # Flask opens an empty session in its place
        if data == {}:
            return NEW
        if not (isinstance(data, dict) and len(data) == 1 and isinstance(secret := data.get(self.field), str)):
            return None
        with self._lock:
            self._known[cookie] = (secret, signed_at.timestamp() + self._max_age)
            while len(self._known) > KNOWN:
                self._known.popitem(last=False)
        return secret

    def new(self) -> tuple[str, tuple[str, str]]:
        """(a new visitor's secret, their Set-Cookie header): what generate_csrf() and Flask's
        session interface make of an empty session."""
        secret = hashlib.sha1(os.urandom(64)).hexdigest()  # as Flask-WTF's generate_csrf() makes it
        session = self.interface.session_class()
        session[self.field] = secret
        carrier = self.app.response_class()
        self.interface.save_session(self.app, session, carrier)
        return secret, ("Set-Cookie", carrier.headers["Set-Cookie"])


class PageHeaders:
    """A page's headers as Flask's path sends them on a hit — the page's own, X-Page-Cache, the
    site's (``PageCache.headers``), the mark — built once per page, language and scheme by the
    same response class and hook, with the place of Content-Length (each body's own)."""

    def __init__(self, app: Flask, cache: PageCache):
        self.response_class, self.cache = app.response_class, cache
        self._built: OrderedDict[tuple, tuple[Page, tuple[list, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, page: Page, language: str, secure: bool, environ: dict) -> tuple[list, int]:
        key = (id(page), language, secure)
        with self._lock:
            built = self._built.get(key)
        if built is not None and built[0] is page:
            return built[1]
        response = self.response_class(page.body, 200, page.headers)
        response.headers["X-Page-Cache"] = "hit"
        response.headers[MARK[0]] = MARK[1]
        self.cache.headers(response, language, secure)
        template = response.get_wsgi_headers(environ).to_wsgi_list()
        length_at = next(i for i, (name, _value) in enumerate(template) if name.lower() == "content-length")
        with self._lock:
            self._built[key] = (page, (template, length_at))
            while len(self._built) > KNOWN:
                self._built.popitem(last=False)
        return template, length_at


def cookie_parts(vary: tuple, cookies) -> list | None:
    """Each vary part's value from the cookies alone, or None when one has no such answer."""
    parts = []
    for part in vary:
        of_cookies = getattr(part, "of_cookies", None)
        value = None if of_cookies is None else of_cookies(cookies)
        if value is None:
            return None
        parts.append(value)
    return parts
