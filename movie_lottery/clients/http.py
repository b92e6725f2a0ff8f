"""The pooled requests session the HTTP clients share the shape of."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter


def pooled_session(pool_maxsize: int, adapter_class: type[HTTPAdapter] = HTTPAdapter) -> requests.Session:
    """Keep-alive connections, and no urllib3 retries: each client decides when to retry."""
    session = requests.Session()
    adapter = adapter_class(pool_connections=2, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
