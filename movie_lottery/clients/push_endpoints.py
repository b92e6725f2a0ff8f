"""Where a Web Push endpoint leads: the (host, port) the sending client connects to.

Parsers disagree on odd URLs. `urllib.parse` reads `https://127.0.0.1\\.push.apple.com/x` as
host "127.0.0.1\\.push.apple.com", while requests and urllib3 (which send the push) read it the
WHATWG way, where a backslash ends the host: they connect to 127.0.0.1. So an endpoint counts
only when it is a plain `https://host[:port]/…` of printable ASCII (no backslash, userinfo,
percent-encoding, IPv6 brackets or trailing dot in the host) and the URL requests prepares for
sending names the same host and port. Nothing is imported until first use: the web process
checks endpoints without loading requests for its pages.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

Target = tuple[str, int]  # (lower-case host, port)

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
AUTHORITY = re.compile(rf"(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[1-9][0-9]{{0,4}}))?", re.IGNORECASE)
PRINTABLE_WITHOUT_BACKSLASH = re.compile(r"[\x21-\x5b\x5d-\x7e]+")
HTTPS_PORT = 443


def target(endpoint: str) -> Target | None:
    """The (host, port) a push to `endpoint` connects to, or None when it is not a plain https
    URL that urllib.parse and the sending client read alike."""
    if not PRINTABLE_WITHOUT_BACKSLASH.fullmatch(endpoint):
        return None
    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return None
    match = AUTHORITY.fullmatch(parts.netloc)
    if parts.scheme != "https" or match is None:
        return None
    host, port = match["host"].lower(), int(match["port"] or HTTPS_PORT)
    if port > 65535 or len(host) > 253:
        return None
    sent = _as_sent(endpoint)
    return (host, port) if sent == ("https", host, port) else None


def _as_sent(endpoint: str) -> tuple[str | None, str | None, int] | None:
    """(scheme, host, port) of the URL requests would send the POST to."""
    import requests
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        url = requests.Request("POST", endpoint).prepare().url
        if url is None:
            return None
        sent = parse_url(url)
    except (requests.RequestException, LocationParseError, ValueError):
        return None
    return sent.scheme, sent.host, sent.port or HTTPS_PORT


def allowed(found: Target, hosts: str) -> bool:
    """Whether PUSH_ENDPOINT_HOSTS lists this (host, port): `host` or `*.domain` (subdomains)
    on port 443, or with an explicit `:port`, on that port only."""
    host, port = found
    for entry in hosts.split(","):
        name, _sep, entry_port = entry.partition(":")
        if port == int(entry_port or HTTPS_PORT) and (
            host == name or (name.startswith("*.") and host.endswith(name[1:]))
        ):
            return True
    return False
