"""Rendered pages kept in the process's memory: least recently used out first, bounded in
bytes, and one render at a time per page (a burst of first visits waits for the first render
instead of rendering the same page once per thread)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable


@dataclass(frozen=True)
class Page:
    generation: int  # Freshness.generation when its render began
    expires: float  # time.time() after which it is stale by itself (a poll closing), or inf
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageStore:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, Page] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: Page) -> None:
        if len(page.body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped.body)

    def claim(self, key: Hashable) -> threading.Event | None:
        """None: the caller renders this page and must release() it. Else an event set when
        the thread that is rendering it is done."""
        with self._lock:
            event = self._rendering.get(key)
            if event is None:
                self._rendering[key] = threading.Event()
            return event

    def release(self, key: Hashable) -> None:
        with self._lock:
            event = self._rendering.pop(key, None)
        if event is not None:
            event.set()

    def __len__(self) -> int:
        return len(self._pages)
