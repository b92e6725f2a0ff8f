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
import contextlib
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import burst, cold_start, notify_latency, scenarios  # noqa: E402
from bench.start_figures import burst_figures, cold_start_figures, notifier_memory_figure, quota_memory_figures  # noqa: E402
from bench.dataset import fill, throwaway_database  # noqa: E402
from bench.load import ensure_wrk, median, service_memory, wrk  # noqa: E402
from bench.scenarios import WORKERS, site_env  # noqa: E402
from tests.fakes.tcp_proxy import TcpProxy  # noqa: E402
from tests.servers import ROOT, Gunicorn  # noqa: E402

FAST_MARK = ("X-Page-Cache-Path", "before-flask")  # movie_lottery/page_cache/fast.py
BEFORE = "before: "  # the figures of an older checkout measured alongside (--before)


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


PAGE_TARGETS = {
    "home page": ("home", 0.60),
    "library p1": ("library p1", 0.60),
    "history p1": ("history p1", 0.60),
    "lottery page": ("lottery", 0.60),
    "poll page": ("poll", 0.60),
    "night page": ("night", 0.60),
    "film page": ("film", 0.60),
    "/stats": ("stats", 0.30),
}


def throughput_figures(
    table: Table,
    site: Gunicorn,
    bare: Gunicorn,
    floor: Gunicorn,
    paths: dict[str, str],
    args,
    deep: str,
    before: Gunicorn | None = None,
) -> None:
    """Repeat views: one visitor's cookies (session, voter id) replayed, as a browser sends them;
    ``before``: the same pages of an older checkout, in the same rounds."""
    pages = {
        "/health": "/health",
        **{name: paths[key] for name, (key, _target) in PAGE_TARGETS.items()},
        deep: paths[deep],
    }
    runs = {
        "bare": lambda: wrk(bare.url + "/", args.seconds),
        "floor": lambda: wrk(floor.url + "/health", args.seconds),
    }
    cookies = {name: {"Cookie": burst.visitor_cookie(site.url, path)} for name, path in pages.items()}
    for name, path in pages.items():
        runs[name] = lambda p=path, h=cookies[name]: wrk(site.url + p, args.seconds, headers=h)
        if before is not None and name != deep:
            cookie = {"Cookie": burst.visitor_cookie(before.url, path)}
            runs[BEFORE + name] = lambda p=path, h=cookie: wrk(before.url + p, args.seconds, headers=h)
    results = scenarios.interleaved(args.rounds, runs)
    cache_figure(table, site, {name: path for name, path in pages.items() if name != "/health"}, cookies)
    bare_rps = median([r.rps for r in results["bare"]])
    table.add("bare WSGI baseline", f"{bare_rps:.0f} req/s", "–")
    targets = {"/health": 0.75, **{name: target for name, (_key, target) in PAGE_TARGETS.items()}}
    for name, target in targets.items():
        ratio = median([r.rps for r in results[name]]) / bare_rps
        older = (
            f"; before {median([r.rps for r in results[BEFORE + name]]) / bare_rps:.1%}"
            if BEFORE + name in results
            else ""
        )
        table.add(
            f"{name} vs bare WSGI",
            f"{ratio:.1%} ({median([r.rps for r in results[name]]):.0f} req/s){older}",
            f"≥ {target:.0%}",
            ratio >= target,
        )
    ratio = median([r.rps for r in results[deep]]) / median([r.rps for r in results["library p1"]])
    table.add(f"{deep} vs library p1", f"{ratio:.0%}", "≥ 90 %", ratio >= 0.9)
    bad = sum(r.non_2xx + r.errors for rs in results.values() for r in rs)
    table.add("non-2xx or socket errors under load", str(bad), "0", bad == 0)


def cache_figure(table: Table, site: Gunicorn, pages: dict[str, str], cookies: dict[str, dict]) -> None:
    """What the page figures measured: the share of each page's repeat views answered from the cache
    before Flask (a second of the same load, after the rounds, counting X-Page-Cache-Path)."""
    shares = {
        name: wrk(site.url + path, 1, headers=cookies[name], count=FAST_MARK).counted for name, path in pages.items()
    }
    table.add(
        "repeat views answered from the page cache before Flask",
        ", ".join(f"{name} {share:.1%}" for name, share in shares.items()),
        "≥ 99 %",
        all(share >= 0.99 for share in shares.values()),
    )


def recycling_figure(table: Table, url: str, bare: Gunicorn, args, workdir: Path) -> None:
    """/health with worker recycling switched off, for comparison with the configured value."""
    site = Gunicorn(site_env(url, GUNICORN_MAX_REQUESTS="0"), workdir / "norecycle.log", root=args.site_root)
    try:
        site.wait_healthy()
        results = scenarios.interleaved(
            args.rounds,
            {
                "bare": lambda: wrk(bare.url + "/", args.seconds),
                "site": lambda: wrk(site.url + "/health", args.seconds),
            },
        )
        ratio = median([r.rps for r in results["site"]]) / median([r.rps for r in results["bare"]])
        table.add("/health vs bare WSGI, worker recycling off", f"{ratio:.1%}", "(for comparison)")
    finally:
        site.stop()


def memory_figures(table: Table, site: Gunicorn, bare: Gunicorn, floor: Gunicorn) -> None:
    pss, rss = service_memory(site.process.pid)
    bare_pss, bare_rss = service_memory(bare.process.pid)
    floor_pss, floor_rss = service_memory(floor.process.pid)
    table.add(
        "summed PSS (master + 2 workers) after load vs the floor's",
        f"{pss / floor_pss:.2f}× ({pss:.0f} MB; floor {floor_pss:.0f} MB, bare {bare_pss:.0f} MB)",
        "≤ 1.3×",
        pss <= 1.3 * floor_pss,
    )
    table.add(
        "RSS of one worker", f"{rss:.0f} MB (floor {floor_rss:.0f} MB, bare {bare_rss:.0f} MB)", "(for comparison)"
    )


# The bench's visitor has a device cookie (members: one lookup of the device's member on the poll and night
# pages). Poll: ballot, its entries, the tally, the visitor's vote, the device's voter, the library's bans
# (a film banned since the poll opened is marked on the ballot); night: the night, its
# dates, the answers, the date marks, the device's member; /nights: upcoming and past with their dates, the watchlist;
# film: the film, its scores, lotteries, polls and nights, the device's member, who wants it and
# who has seen it (issues 31, 32); stats: 5 + the group's taste (4, issue 19)
SQL_BUDGETS = {"poll": 6, "stats": 9, "night": 5, "nights": 5, "film": 8}


def sql_figures(table: Table, url: str, paths: dict[str, str]) -> None:
    counts = scenarios.sql_per_page(url, paths)
    for name, count in counts.items():
        budget = SQL_BUDGETS.get(name, 3)
        table.add(f"SQL statements: {name}", str(count), f"≤ {budget}", count <= budget)
    constant = (
        counts["library p1"] == [v for k, v in counts.items() if k.startswith("library p") and k != "library p1"][0]
    )
    table.add("SQL statements constant at any page depth", "yes" if constant else "no", "yes", constant)


def live_update_figures(table: Table, site: Gunicorn, sample_lottery: str, args) -> None:
    shares = scenarios.poll_cost(site.url, f"/api/lotteries/{sample_lottery}", args.seconds, args.rounds, WORKERS)
    conditional = f"{shares['conditional']:.1%} with If-None-Match → 304" if "conditional" in shares else "no ETag"
    table.add(
        f"{scenarios.VIEWERS} viewers polling a lottery every {scenarios.LOTTERY_POLL_SECONDS:.0f} s, share of one worker",
        f"{conditional}; {shares['plain']:.1%} as plain GETs",
        "cheap",
    )


def draw_figures(table: Table, site: Gunicorn, url: str, targets: list[str]) -> None:
    result = scenarios.concurrent_draws(site.url, url, targets)
    # The fact: one winner per lottery, announced once. Refused requests (a 503 when an overloaded
    # machine makes the pool wait past its timeout) are a capacity figure, shown beside it.
    exact = result["drawn"] == result["announced"] == len(targets) and result["consistent"]
    table.add(
        f"200 concurrent draws over {len(targets)} lotteries",
        f"{result['announced']} winners announced, {result['failed']} failed, "
        f"{result['throughput']:.0f} draws/s, p99 {result['p99'] * 1000:.0f} ms",
        f"exactly {len(targets)} winners",
        exact,
    )


def blackhole_figures(table: Table, url: str, site: Gunicorn, path: str, args, workdir: Path) -> None:
    """Library page p99 while admins poll /api/torrents: qBittorrent off vs blackholed."""
    with TcpProxy("127.0.0.1", 9) as hole:
        hole.set_mode("blackhole")  # accepts connections and never answers
        holed = Gunicorn(
            site_env(url, QBIT_HOST="127.0.0.1", QBIT_PORT=str(hole.port)),
            workdir / "blackhole.log",
            root=args.site_root,
        )
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
    table.add(
        "library p99, qBittorrent blackholed vs off",
        f"{holed_p99 / off:.2f}× ({holed_p99 * 1000:.0f} ms vs {off * 1000:.0f} ms)",
        "≤ 2×",
        holed_p99 <= 2 * off,
    )
    table.add("worker timeouts with qBittorrent blackholed", str(timeouts), "0", timeouts == 0)


def notify_figures(table: Table, draws: int) -> None:
    baseline, latencies = notify_latency.measure_on_fresh_database(draws)
    p50, base = median(latencies) * 1000, median(baseline) * 1000
    table.add(
        "draw commit → Telegram message, p50", f"{p50:.0f} ms (direct sendMessage {base:.0f} ms)", "< 200 ms", p50 < 200
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="small data, a second of load per figure")
    parser.add_argument(
        "--site-root",
        type=Path,
        default=ROOT,
        help="run the site from this checkout (e.g. an exported older commit, for before/after)",
    )
    parser.add_argument(
        "--before",
        metavar="COMMIT",
        help="also measure this commit of the site (exported with git archive) in the same run: "
        "the page ratios, the burst, memory by CPU quota, the notifier and start-up",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        before = exported(args.before, stack) if args.before else None
        run_all(args, before)


def exported(commit: str, stack: contextlib.ExitStack) -> Path:
    """The commit's tree in a temporary directory, compiled as render.yaml's build does."""
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ml_before_")))
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True, timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True, timeout=120)
    cold_start.build(directory)
    return directory


def run_all(args, before: Path | None) -> None:
    args.films, args.lotteries = (300, 60) if args.smoke else (10_000, 2_000)
    args.seconds, args.rounds = (1, 1) if args.smoke else (5, 3)
    library_depth, history_depth = (3, 2) if args.smoke else (11, 11)
    ensure_wrk()
    cold_start.build(args.site_root)
    table = Table()
    started, load_at_start = time.monotonic(), os.getloadavg()[0]
    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        data = fill(url, args.films, args.lotteries)
        print(f"data: {args.films} films, {args.lotteries} lotteries ({time.monotonic() - started:.1f} s)", flush=True)
        paths = scenarios.page_paths(
            url, data.sample_lottery, data.sample_poll, library_depth, history_depth, data.sample_night
        )
        deep = f"library p{library_depth}"
        sql_figures(table, url, paths)
        bare = Gunicorn(site_env(url), workdir / "bare.log", app=cold_start.BARE_APP)
        floor = Gunicorn(site_env(url), workdir / "floor.log", app=cold_start.FLOOR_APP)
        site = Gunicorn(site_env(url), workdir / "site.log", root=args.site_root)
        older = Gunicorn(site_env(url), workdir / "before.log", root=before) if before else None
        try:
            bare.wait_healthy()
            floor.wait_healthy()
            site.wait_healthy()
            if older is not None:
                older.wait_healthy()
            throughput_figures(table, site, bare, floor, paths, args, deep, older)
            if older is not None:
                older.stop()
            memory_figures(table, site, bare, floor)
            recycling_figure(table, url, bare, args, workdir)
            live_update_figures(table, site, data.sample_lottery, args)
            blackhole_figures(table, url, site, paths["library p1"], args, workdir)
            draw_figures(table, site, url, data.draw_targets)
        finally:
            for server in (site, floor, bare, older):
                if server is not None:
                    server.stop()
        quota_memory_figures(table, url, paths, workdir, args.site_root, before)
        cold_start_figures(table, url, 1 if args.smoke else 5, args.site_root, before)
        burst_figures(
            table, url, paths["lottery"], workdir, 30, args.site_root, rounds=1 if args.smoke else 3, before=before
        )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake Telegram's access log
    with tempfile.TemporaryDirectory() as tmp:
        notifier_memory_figure(table, Path(tmp), args.site_root, before)
    notify_figures(table, 2 if args.smoke else 10)
    print()
    print(
        f"movie_lottery benchmark — {'smoke' if args.smoke else 'full'} run, {time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{time.monotonic() - started:.0f} s, load average {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end"
        + (f"; before = {args.before}" if args.before else "")
    )
    print(table.markdown())


if __name__ == "__main__":
    main()
