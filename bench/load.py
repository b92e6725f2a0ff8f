"""Load and measurement tools: wrk runs, process memory, percentiles."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
COUNT_SCRIPT = Path(__file__).with_name("count_header.lua")


def ensure_wrk() -> str:
    """wrk from Debian, installed with apt when missing (as root)."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: apt-get install wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600, check=True)
        subprocess.run(install, env=env, capture_output=True, timeout=600, check=True)
    return shutil.which("wrk") or "wrk"


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50: float  # seconds
    p99: float
    non_2xx: int
    errors: int
    counted: float | None = None  # the share of responses with the header counted (count=)


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def wrk(
    url: str,
    seconds: float,
    connections: int = 16,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    count: tuple[str, str] | None = None,
) -> WrkResult:
    """``count``: (header, value) — also the share of responses that carry it (a Lua callback
    per response, which costs wrk time: for checks beside the measurements, not in them)."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if count:
        command += ["-s", str(COUNT_SCRIPT), url, "--", *count]
    else:
        command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _seconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errors = (
        sum(int(n) for n in m.groups())
        if (m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out))
        else 0
    )
    counted = None
    if count and (m := re.search(r"COUNTED (\d+) OF (\d+)", out)):
        counted = int(m.group(1)) / max(1, int(m.group(2)))
    return WrkResult(rps, p50, p99, non_2xx, errors, counted)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def pss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1))


def service_memory(master_pid: int) -> tuple[float, float]:
    """(summed PSS of master + workers, largest worker RSS), both in MB."""
    workers = children(master_pid)
    total = sum(pss_kib(pid) for pid in [master_pid, *workers])
    return total / 1024, max(rss_kib(pid) for pid in workers) / 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
