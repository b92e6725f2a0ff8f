"""A Telegram announcement's burst: visitors opening the same page together on a service that
has just started (empty page cache), optionally limited to a fraction of one CPU."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import requests

from .load import percentile

CGROUP_V2 = Path("/sys/fs/cgroup")
CGROUP_V1_CPU = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000
T = TypeVar("T")


def visitor_cookie(base_url: str, path: str) -> str:
    """The Cookie header of a visitor who has opened ``path`` once (session, voter id); on a
    night's page, a friend who has answered it first (a member, with their own RSVP)."""
    session = requests.Session()
    if path.startswith("/n/"):
        session.post(
            f"{base_url}/api/nights/{path[3:]}/rsvp", json={"answer": "going", "name": "Зритель"}, timeout=30
        ).raise_for_status()
    session.get(base_url + path, timeout=30).raise_for_status()
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def first_visits(base_url: str, path: str, visitors: int = 30) -> dict:
    """``visitors`` new browsers (no cookies) request ``path`` at the same moment."""
    barrier = threading.Barrier(visitors)

    def one(_index: int) -> tuple[int, float, bool]:
        session = requests.Session()
        barrier.wait(timeout=60)
        started = time.monotonic()
        response = session.get(base_url + path, timeout=120)
        return response.status_code, time.monotonic() - started, response.headers.get("X-Page-Cache") == "hit"

    with ThreadPoolExecutor(max_workers=visitors) as pool:
        results = list(pool.map(one, range(visitors)))
    latencies = [r[1] for r in results]
    return {
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "failed": sum(1 for r in results if r[0] != 200),
        "hits": sum(1 for r in results if r[2]),
    }


class CpuGroup:
    """A cgroup allowed a share of one CPU; processes started through ``start`` begin inside it."""

    def __init__(self, group: Path, how: str):
        self.group, self.how = group, how

    def start(self, launch: Callable[[], T]) -> T:
        """Run ``launch`` (which starts a process) with this process inside the group, so the
        child is limited from its first instruction and reads the quota as its own (gunicorn_config
        sizes its workers from it); then this process moves back out."""
        own = str(os.getpid())
        (self.group / "cgroup.procs").write_text(own)
        try:
            return launch()
        finally:
            (self.group.parent / "cgroup.procs").write_text(own)


@contextlib.contextmanager
def cpu_limited(share: float) -> Iterator[CpuGroup | None]:
    """A cgroup allowed ``share`` of one CPU: cgroup v2's cpu.max, else v1's cpu.cfs_quota_us.
    Yields None if the machine does not allow it (not root, no writable cpu controller)."""
    name = f"ml_bench_{os.getpid()}_{int(share * 1000)}"
    quota = str(int(PERIOD_US * share))
    if (CGROUP_V2 / "cgroup.controllers").exists() and "cpu" in (CGROUP_V2 / "cgroup.subtree_control").read_text():
        group, how = CGROUP_V2 / name, "cgroup v2 cpu.max"
        limit = lambda: (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")  # noqa: E731
    elif (CGROUP_V1_CPU / "cpu.cfs_quota_us").exists():
        group, how = CGROUP_V1_CPU / name, "cgroup v1 cpu.cfs_quota_us (cgroup v2's cpu.max is not mounted here)"

        def limit():
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(quota)
    else:
        yield None
        return
    try:
        group.mkdir()
        limit()
    except OSError:
        with contextlib.suppress(OSError):
            group.rmdir()
        yield None
        return
    try:
        yield CpuGroup(group, f"{how} = {share:.0%} of one CPU")
    finally:
        parent = group.parent / "cgroup.procs"
        for process in (group / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                parent.write_text(process)
        with contextlib.suppress(OSError):
            group.rmdir()
