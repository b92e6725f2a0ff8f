"""The benchmark suite: one command, a table of figures against a baseline from the same run.

    .venv/bin/python bench/run.py            # full: 10 000 films, 2 000 lotteries, ~5 minutes
    .venv/bin/python bench/run.py --smoke    # seconds of load on small data (CI)

gunicorn is started exactly as render.yaml starts it (tests/servers.py), on a throwaway
Postgres database the script fills; load comes from wrk (installed with apt when missing).
The baseline is a bare WSGI app under the same gunicorn settings; each load figure is the
median of several rounds in which the baseline and the site take turns.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cold_start, notify_latency, scenarios  # noqa: E402
from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.load import ensure_wrk, median, service_memory, wrk  # noqa: E402
from tests.fakes.tcp_proxy import TcpProxy  # noqa: E402
from tests.helpers import ADMIN_TOKEN  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402

WORKERS = 2


class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str]] = []

    def add(self, figure: str, value: str, target: str, ok: bool | None = None) -> None:
        verdict = "" if ok is None else (" ✔" if ok else " ✘")
        self.rows.append((figure, value, target + verdict))
        print(f"  {figure}: {value}", flush=True)

    def markdown(self) -> str:
        lines = ["| figure | measured | target |", "|---|---|---|"]
        lines += [f"| {figure} | {value} | {target} |" for figure, value, target in self.rows]
        return "\n".join(lines)


def site_env(url: str, **extra: str) -> dict[str, str]:
    """What render.yaml gives the web service (integrations off unless ``extra`` sets them)."""
    return {"APP_ENV": "production", "DATABASE_URL": url, "SECRET_KEY": "bench", "WEB_CONCURRENCY": str(WORKERS),
            "LOG_LEVEL": "INFO", "ADMIN_API_TOKEN": ADMIN_TOKEN, "ADMIN_PASSWORD": "bench-password", **extra}


def throughput_figures(table: Table, site: Gunicorn, bare: Gunicorn, paths: dict[str, str], args, deep: str) -> None:
    pages = {"/health": "/health", "home page": paths["home"], "library p1": paths["library p1"],
             deep: paths[deep]}
    runs = {"bare": lambda: wrk(bare.url + "/", args.seconds)}
    runs.update({name: (lambda p=path: wrk(site.url + p, args.seconds)) for name, path in pages.items()})
    results = scenarios.interleaved(args.rounds, runs)
    bare_rps = median([r.rps for r in results["bare"]])
    table.add("bare WSGI baseline", f"{bare_rps:.0f} req/s", "–")
    targets = {"/health": 0.75, "home page": 0.25, "library p1": 0.15}
    for name, target in targets.items():
        ratio = median([r.rps for r in results[name]]) / bare_rps
        table.add(f"{name} vs bare WSGI", f"{ratio:.1%} ({median([r.rps for r in results[name]]):.0f} req/s)",
                  f"≥ {target:.0%}", ratio >= target)
    ratio = median([r.rps for r in results[deep]]) / median([r.rps for r in results["library p1"]])
    table.add(f"{deep} vs library p1", f"{ratio:.0%}", "≥ 90 %", ratio >= 0.9)
    bad = sum(r.non_2xx + r.errors for rs in results.values() for r in rs)
    table.add("non-2xx or socket errors under load", str(bad), "0", bad == 0)


def recycling_figure(table: Table, url: str, bare: Gunicorn, args, workdir: Path) -> None:
    """/health with worker recycling switched off, for comparison with the configured value."""
    site = Gunicorn(site_env(url, GUNICORN_MAX_REQUESTS="0"), workdir / "norecycle.log")
    try:
        site.wait_healthy()
        results = scenarios.interleaved(args.rounds, {
            "bare": lambda: wrk(bare.url + "/", args.seconds),
            "site": lambda: wrk(site.url + "/health", args.seconds)})
        ratio = median([r.rps for r in results["site"]]) / median([r.rps for r in results["bare"]])
        table.add("/health vs bare WSGI, worker recycling off", f"{ratio:.1%}", "(for comparison)")
    finally:
        site.stop()


def memory_figures(table: Table, site: Gunicorn, bare: Gunicorn) -> None:
    pss, rss = service_memory(site.process.pid)
    bare_pss, bare_rss = service_memory(bare.process.pid)
    table.add("web service memory, summed PSS (master + 2 workers)", f"{pss:.0f} MB (bare {bare_pss:.0f} MB)",
              "≤ 100 MB", pss <= 100)
    table.add("RSS of one worker", f"{rss:.0f} MB (bare {bare_rss:.0f} MB)", "≤ 60 MB", rss <= 60)


def sql_figures(table: Table, url: str, paths: dict[str, str]) -> None:
    counts = scenarios.sql_per_page(url, paths)
    for name, count in counts.items():
        table.add(f"SQL statements: {name}", str(count), "≤ 3", count <= 3)
    constant = counts["library p1"] == [v for k, v in counts.items() if k.startswith("library p") and k != "library p1"][0]
    table.add("SQL statements constant at any page depth", "yes" if constant else "no", "yes", constant)


def live_update_figures(table: Table, site: Gunicorn, sample_lottery: str, args) -> None:
    shares = scenarios.poll_cost(site.url, f"/api/lotteries/{sample_lottery}", args.seconds, args.rounds, WORKERS)
    conditional = f"{shares['conditional']:.1%} with If-None-Match → 304" if "conditional" in shares else "no ETag"
    table.add(f"{scenarios.VIEWERS} viewers polling a lottery every {scenarios.LOTTERY_POLL_SECONDS:.0f} s, share of one worker",
              f"{conditional}; {shares['plain']:.1%} as plain GETs", "cheap")


def draw_figures(table: Table, site: Gunicorn, url: str, targets: list[str]) -> None:
    result = scenarios.concurrent_draws(site.url, url, targets)
    # The fact: one winner per lottery, announced once. Refused requests (a 503 when an overloaded
    # machine makes the pool wait past its timeout) are a capacity figure, shown beside it.
    exact = result["drawn"] == result["announced"] == len(targets) and result["consistent"]
    table.add(f"200 concurrent draws over {len(targets)} lotteries",
              f"{result['announced']} winners announced, {result['failed']} failed, "
              f"{result['throughput']:.0f} draws/s, p99 {result['p99'] * 1000:.0f} ms",
              f"exactly {len(targets)} winners", exact)


def blackhole_figures(table: Table, url: str, site: Gunicorn, path: str, args, workdir: Path) -> None:
    """Library page p99 while admins poll /api/torrents: qBittorrent off vs blackholed."""
    with TcpProxy("127.0.0.1", 9) as hole:
        hole.set_mode("blackhole")  # accepts connections and never answers
        holed = Gunicorn(site_env(url, QBIT_HOST="127.0.0.1", QBIT_PORT=str(hole.port)), workdir / "blackhole.log")
        try:
            holed.wait_healthy()
            runs = {}
            for name, server in (("off", site), ("blackholed", holed)):
                def run(server=server):
                    with scenarios.AdminPollers(server.url):
                        return wrk(server.url + path, args.seconds)
                runs[name] = run
            results = scenarios.interleaved(args.rounds, runs)
            timeouts = holed.log().count("WORKER TIMEOUT")
        finally:
            holed.stop()
    off, holed_p99 = median([r.p99 for r in results["off"]]), median([r.p99 for r in results["blackholed"]])
    table.add("library p99, qBittorrent blackholed vs off",
              f"{holed_p99 / off:.2f}× ({holed_p99 * 1000:.0f} ms vs {off * 1000:.0f} ms)", "≤ 2×", holed_p99 <= 2 * off)
    table.add("worker timeouts with qBittorrent blackholed", str(timeouts), "0", timeouts == 0)


def cold_start_figures(table: Table, url: str, runs: int) -> None:
    bare, ours = cold_start.measure(site_env(url), runs)
    table.add("process start → first 200 on /health", f"{median(ours):.2f} s (bare WSGI {median(bare):.2f} s)",
              "≤ 0.4 s", median(ours) <= 0.4)


def notify_figures(table: Table, draws: int) -> None:
    baseline, latencies = notify_latency.measure_on_fresh_database(draws)
    p50, base = median(latencies) * 1000, median(baseline) * 1000
    table.add("draw commit → Telegram message, p50", f"{p50:.0f} ms (direct sendMessage {base:.0f} ms)",
              "< 200 ms", p50 < 200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="small data, a second of load per figure")
    args = parser.parse_args()
    args.films, args.lotteries = (300, 60) if args.smoke else (10_000, 2_000)
    args.seconds, args.rounds = (1, 1) if args.smoke else (5, 3)
    library_depth, history_depth = (3, 2) if args.smoke else (11, 11)
    ensure_wrk()
    table = Table()
    started, load_at_start = time.monotonic(), os.getloadavg()[0]
    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        data = fill(url, args.films, args.lotteries)
        print(f"data: {args.films} films, {args.lotteries} lotteries ({time.monotonic() - started:.1f} s)", flush=True)
        paths = scenarios.page_paths(url, data.sample_lottery, library_depth, history_depth)
        deep = f"library p{library_depth}"
        sql_figures(table, url, paths)
        bare = Gunicorn(site_env(url), workdir / "bare.log", app=cold_start.BARE_APP)
        site = Gunicorn(site_env(url), workdir / "site.log")
        try:
            bare.wait_healthy()
            site.wait_healthy()
            throughput_figures(table, site, bare, paths, args, deep)
            memory_figures(table, site, bare)
            recycling_figure(table, url, bare, args, workdir)
            live_update_figures(table, site, data.sample_lottery, args)
            blackhole_figures(table, url, site, paths["library p1"], args, workdir)
            draw_figures(table, site, url, data.draw_targets)
        finally:
            site.stop()
            bare.stop()
        cold_start_figures(table, url, 1 if args.smoke else 5)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake Telegram's access log
    notify_figures(table, 2 if args.smoke else 10)
    print()
    print(f"movie_lottery benchmark — {'smoke' if args.smoke else 'full'} run, {time.strftime('%Y-%m-%d')}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.monotonic() - started:.0f} s, load average {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end")
    print(table.markdown())


if __name__ == "__main__":
    main()
