"""Whole rendered pages, served again from memory until something they show changes.

A page opts in with one decorator::

    @bp.get("/history")
    @cached_page()
    def history(): ...

    @cached_page(vary=(voter_variant,))   # parts of the page that differ per visitor

What keeps it correct (each is proven by tests/test_page_cache.py):
* never stale: ``writes`` announces every committed write to a table any page shows;
  ``freshness`` hears them in every process of every instance and starts a new generation,
  and a page rendered under an older generation is not served. A process that cannot vouch
  for its listener renders uncached. The writer's own next view waits for its write (cookie).
* never shared across what differs: the key holds the path and query, host and scheme, and
  the language; each view adds what else varies (``vary``: the poll voter, …). Admins, and
  visitors with a flashed message waiting, are never served from or stored in the cache.
  The CSRF token is rendered as a secret placeholder and each visitor's own token is put in
  its place on every response, so forms work without JavaScript.
* time: a view whose page changes by itself at some moment (a poll closing, a new day)
  calls ``expires_at()`` while rendering.

The cache runs only in processes whose listener was started (``start()``: gunicorn's workers);
elsewhere (the worker, the CLI, the test client) pages render as before.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timezone
from functools import wraps

from flask import Flask, current_app, g, request, session
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Request, Response

from . import writes
from .freshness import Freshness
from .store import Page, PageStore

EXTENSION = "page_cache"
WRITE_COOKIE = "fresh_after"  # the id of the visitor's last write, for a few seconds
WRITE_COOKIE_SECONDS = 60
RENDER_WAIT_SECONDS = 5.0
MAX_BYTES = 8 * 1024 * 1024
MAX_ROUTES = 16 * 1024
STARTUP_WAIT_SECONDS = 3.0
_RENDERING = "page_cache_rendering"
_EXPIRES = "page_cache_expires"
_DROPPED_HEADERS = frozenset({"set-cookie", "content-length"})


class PageCache:
    def __init__(
        self,
        freshness: Freshness,
        tokens: SignedTokens,
        private: Callable[[], bool],
        language: Callable[[Request], str],
        headers: Callable[[Response, str, bool], object],
        max_bytes: int = MAX_BYTES,
    ):
        self.freshness = freshness
        self.tokens = tokens
        self.private = private  # visitors whose pages are never cached (admins)
        self.language = language  # the locale selector's answer for a request (cheaper than Babel's parsed Locale)
        self.headers = headers  # what the site adds to every page: (response, language, secure) (fast.py)
        self.started_at = -math.inf  # when start() began listening, until the listener is first trusted
        self.store = PageStore(max_bytes)
        # Each stored page's path (PATH_INFO as sent) → (endpoint, vary): how fast.py finds a
        # page's key without Flask's routing. Only paths a view of ours answered are in it.
        self.routes: OrderedDict[str, tuple[str | None, tuple]] = OrderedDict()
        # Where each visitor's CSRF token goes in a cached page: random, so no one can plant
        # it in a title or a poster URL to have other visitors' tokens written there.
        self.placeholder = "csrf-" + secrets.token_urlsafe(24)
        self._placeholder_bytes = self.placeholder.encode()

    def serves_this_request(self) -> bool:
        if request.method not in ("GET", "HEAD") or not self.trusted():
            return False
        if "_flashes" in session or self.private():
            return False
        write_id = request.cookies.get(WRITE_COOKIE)
        return write_id is None or self.freshness.has_heard(write_id)

    def trusted(self) -> bool:
        """The listener vouches for the cache. A process that has just started waits for its first
        word (STARTUP_WAIT_SECONDS at most) rather than render uncached: a burst of first visits
        arriving with the process would otherwise each render the page, on a CPU the listener
        needs to connect (on a tenth of a CPU, a render costs ~0.3 s)."""
        if self.freshness.trusted():
            self.started_at = -math.inf  # from now on an outage means rendering uncached at once
            return True
        waited = time.monotonic() - self.started_at
        return waited < STARTUP_WAIT_SECONDS and self.freshness.wait_trusted(STARTUP_WAIT_SECONDS - waited)

    def current(self, key: Hashable) -> Page | None:
        page = self.store.get(key)
        if page is None or page.generation != self.freshness.generation or page.expires <= time.time():
            return None
        return page

    def render(self, key: Hashable, vary: tuple, view, args, kwargs):
        generation = self.freshness.generation  # before the view reads anything
        setattr(g, _EXPIRES, math.inf)
        setattr(g, _RENDERING, True)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            g.pop(_RENDERING, None)
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and not response.is_streamed
            and "Set-Cookie" not in response.headers
            and "_flashes" not in session
        ):
            page = Page(
                generation,
                g.pop(_EXPIRES),
                response.get_data(),
                tuple((k, v) for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS),
            )
            self.store.put(key, page)
            self.routes[request.environ.get("PATH_INFO", "")] = (request.endpoint, vary)
            while len(self.routes) > MAX_ROUTES:
                self.routes.popitem(last=False)
        return response

    def respond(self, page: Page):
        response = current_app.response_class(self.personal_body(page), 200, page.headers)
        response.headers["X-Page-Cache"] = "hit"  # for the benchmarks and tests
        return response

    def personal_body(self, page: Page, token: str | None = None) -> bytes:
        """The page with the visitor's token (``token``: signed already, as fast.py does)."""
        if self._placeholder_bytes not in page.body:
            return page.body
        return page.body.replace(self._placeholder_bytes, (token or self.tokens.for_visitor()).encode())

    def personalise(self, response):
        """A response that may carry the placeholder (a render of ours) gets the visitor's token."""
        if not response.is_streamed and response.status_code == 200:
            data = response.get_data()
            if self._placeholder_bytes in data:
                response.set_data(data.replace(self._placeholder_bytes, self.tokens.for_visitor().encode()))
        return response


class SignedTokens:
    """The visitor's signed CSRF token, re-used for up to a minute: signing one cost ~55 µs, a
    sizeable part of a page served from the cache. Signed exactly as Flask-WTF's generate_csrf()
    signs it (the same serializer, key and salt), so validate_csrf() accepts it; the same session
    secret gives the same token (WTF_CSRF_TIME_LIMIT is off: it does not expire)."""

    REUSE_SECONDS = 60
    MAX_VISITORS = 4096

    def __init__(self, app: Flask):
        self.field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        if secret is None:
            raise RuntimeError("the page cache signs CSRF tokens as Flask-WTF does: it needs SECRET_KEY")
        self._serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        self._signed: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def signed(self, secret: str) -> str:
        """The token for a session's CSRF secret (no request context needed)."""
        now = time.monotonic()
        with self._lock:
            known = self._signed.get(secret)
        if known is not None and now - known[0] < self.REUSE_SECONDS:
            return known[1]
        token = self._serializer.dumps(secret)
        with self._lock:
            self._signed[secret] = (now, token)
            self._signed.move_to_end(secret)
            while len(self._signed) > self.MAX_VISITORS:
                self._signed.popitem(last=False)
        return token

    def for_visitor(self) -> str:
        """In a request: the visitor's token, what generate_csrf() returns for the rest of it."""
        secret = session.get(self.field)
        if not isinstance(secret, str):
            from flask_wtf.csrf import generate_csrf  # (here: the notifier imports writes, never Flask-WTF)

            generate_csrf()  # a new visitor: makes the secret, and so the session cookie
            secret = session[self.field]
        token = self.signed(secret)
        setattr(g, self.field, token)
        return token


def page_key(req: Request, endpoint: str | None, language: str, parts) -> tuple:
    """What a cached page is stored under: the same from a Flask request and from fast.py's."""
    return (endpoint, req.scheme, req.host, req.full_path, language, *parts)


def cached_page(vary: tuple[Callable[[], Hashable], ...] = ()):
    """Serve the view's page from the cache when it is known to be current (see the module)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            cache: PageCache | None = current_app.extensions.get(EXTENSION)
            if cache is None or not cache.serves_this_request():
                return view(*args, **kwargs)
            key = page_key(request, request.endpoint, cache.language(request), [part() for part in vary])
            page = cache.current(key)
            if page is not None:
                return cache.respond(page)
            waiting = cache.store.claim(key)
            if waiting is not None:  # another thread is rendering this very page: use its result
                waiting.wait(RENDER_WAIT_SECONDS)
                page = cache.current(key)
                if page is not None:
                    return cache.respond(page)
                return cache.personalise(cache.render(key, vary, view, args, kwargs))
            try:
                return cache.personalise(cache.render(key, vary, view, args, kwargs))
            finally:
                cache.store.release(key)

        return wrapper

    return decorate


def expires_at(moment: datetime) -> None:
    """Called while rendering: the page stops being current at ``moment`` whatever is written."""
    if g.get(_RENDERING):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        setattr(g, _EXPIRES, min(g.get(_EXPIRES, math.inf), moment.timestamp()))


def csrf_token() -> str:
    """The templates' csrf_token(): the placeholder while a cacheable page renders."""
    if g.get(_RENDERING):
        return current_app.extensions[EXTENSION].placeholder
    from flask_wtf.csrf import generate_csrf  # (here: the notifier imports writes, never Flask-WTF)

    return generate_csrf()


def remember_write(response):
    write_id = g.pop("page_cache_write", None)
    if write_id is not None:
        response.set_cookie(
            WRITE_COOKIE,
            write_id,
            max_age=WRITE_COOKIE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def init_app(
    app: Flask,
    private: Callable[[], bool],
    language: Callable[[Request], str],
    headers: Callable[[Response, str, bool], object],
) -> None:
    """No I/O: the listener starts only with start(). ``headers``: what the site's after-request
    hook adds to every page, for the hits fast.py answers before Flask."""
    writes.install()
    conninfo, connect_args = None, {}
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        from ..config import libpq_conninfo, postgres_connect_args

        conninfo = libpq_conninfo(make_url(url))
        connect_args = postgres_connect_args(app.config["SETTINGS"])
    app.extensions[EXTENSION] = PageCache(
        Freshness(conninfo, connect_args), SignedTokens(app), private, language, headers
    )
    app.after_request(remember_write)


def start(app: Flask) -> None:
    """Start listening (a web process, after forking): from then on pages may be cached."""
    cache: PageCache | None = app.extensions.get(EXTENSION)
    if cache is not None:
        cache.started_at = time.monotonic()
        cache.freshness.start()
