"""Figures of bench/run.py about a service as it starts: CPU until the first /health, a burst of
first visits on a just-started service (also on a tenth of a CPU), memory when gunicorn sizes its
workers to a CPU quota, and the notifier's memory. Each against a baseline from the same run; an
older checkout (``before``) measured alongside when given."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bench import burst, cold_start, start_memory, worker_memory
from bench.load import median
from bench.scenarios import site_env
from tests.servers import ROOT, Gunicorn

if TYPE_CHECKING:
    from bench.run import Table


def quota_memory_figures(
    table: Table, url: str, paths: dict[str, str], workdir: Path, root: Path, before: Path | None = None
) -> None:
    """Summed PSS of the site started in a cgroup of 0.5 and of 2 CPUs without WEB_CONCURRENCY:
    gunicorn_config sizes the workers to the quota (one on half a CPU)."""
    for share in (0.5, 2.0):
        measured = {}
        with burst.cpu_limited(share) as group:
            if group is None:
                table.add(
                    f"summed PSS at a CPU quota of {share:g}", "not measured: no writable cgroup cpu controller", "–"
                )
                continue
            env = site_env(url, LOG_LEVEL="WARNING")
            del env["WEB_CONCURRENCY"]
            for name, checkout in (("after", root), ("before", before)):
                if checkout is not None:
                    measured[name] = start_memory.settled_pss(
                        env, "wsgi:app", ["/health", *paths.values()], workdir, checkout, start=group.start
                    )
        pss, workers = measured["after"]
        older = (
            f"; before {measured['before'][0]:.0f} MB, {measured['before'][1]} workers" if "before" in measured else ""
        )
        table.add(
            f"summed PSS after load at a CPU quota of {share:g} (workers from the quota)",
            f"{pss:.0f} MB, {workers} worker{'s' if workers > 1 else ''}{older}",
            "one worker" if share < 1 else "one per CPU",
            workers == max(1, min(int(share), len(os.sched_getaffinity(0)))),
        )


def notifier_memory_figure(table: Table, workdir: Path, root: Path, before: Path | None = None) -> None:
    """The notifier's PSS after an hour's worth of jobs against a web worker's (bench/worker_memory.py)."""
    measured = {
        name: worker_memory.measure(checkout, workdir)
        for name, checkout in (("after", root), ("before", before))
        if checkout is not None
    }
    after = measured["after"]
    ratio = after["notifier"] / after["web worker"]
    older = (
        f"; before {measured['before']['notifier']:.0f} MB ({measured['before']['notifier'] / measured['before']['web worker']:.0%})"
        if "before" in measured
        else ""
    )
    table.add(
        "notifier PSS after an hour's jobs vs a web worker's (one-worker service)",
        f"{ratio:.0%} ({after['notifier']:.0f} MB vs {after['web worker']:.0f} MB; {after['at start']:.0f} MB at start, "
        f"{after['messages']:.0f} messages){older}",
        "≤ 60 %",
        ratio <= 0.6,
    )


def cold_start_figures(table: Table, url: str, runs: int, root: Path, before: Path | None = None) -> None:
    bare, floor, ours, *older = cold_start.measure(site_env(url), runs, root, before)
    wall, cpu = ([median([r[i] for r in rs]) for rs in (bare, floor, ours)] for i in (0, 1))
    table.add(
        "process start → first 200 on /health vs the floor's",
        f"{wall[2] / wall[1]:.2f}× ({wall[2]:.2f} s; floor {wall[1]:.2f} s, bare WSGI {wall[0]:.2f} s)",
        "≤ 1.3×",
        wall[2] <= 1.3 * wall[1],
    )
    earlier = f"; before {median([r[1] for r in older[0]]) / cpu[1]:.2f}×" if older else ""
    table.add(
        "CPU spent until the first /health 200 (master + workers) vs the floor's",
        f"{cpu[2] / cpu[1]:.2f}× ({cpu[2]:.2f} s; floor {cpu[1]:.2f} s, bare WSGI {cpu[0]:.2f} s){earlier}",
        "≤ 1.3×",
        cpu[2] <= 1.3 * cpu[1],
    )


def burst_figures(
    table: Table,
    url: str,
    path: str,
    workdir: Path,
    visitors: int,
    root: Path,
    rounds: int = 1,
    before: Path | None = None,
) -> None:
    """First visits together on a just-started service (empty cache), against the same burst on a
    just-started bare WSGI app; then both again limited to a tenth of a CPU, where gunicorn_config
    sizes both to one worker (no WEB_CONCURRENCY: as render.yaml starts the free plan). Each round
    starts each afresh, in turns; medians of the rounds' p50 and p99 (the p99 of 30 is their slowest)."""
    services = [("bare", cold_start.BARE_APP, "/", ROOT), ("site", "wsgi:app", path, root)]
    if before is not None:
        services.append(("before", "wsgi:app", path, before))
    for share in (None, 0.1):
        measured: dict[str, list] = {name: [] for name, *_rest in services}
        with burst.cpu_limited(share) if share else contextlib.nullcontext() as group:
            if share and group is None:
                table.add(
                    f"{visitors} first visits together, {share:.0%} of a CPU",
                    "not measured: no writable cgroup cpu controller on this machine",
                    "(for comparison)",
                )
                continue
            for _ in range(rounds):
                for name, app, target, checkout in services:
                    env = site_env(url, LOG_LEVEL="WARNING")
                    if group is not None:
                        del env["WEB_CONCURRENCY"]

                    def launch(name=name, app=app, env=env, checkout=checkout):
                        return Gunicorn(env, workdir / f"burst-{name}.log", app=app, root=checkout)

                    server = group.start(launch) if group else launch()
                    try:
                        started = server.wait_healthy(timeout=180)
                        measured[name].append((started, burst.first_visits(server.url, target, visitors)))
                    finally:
                        server.stop()
        summary = {
            name: {
                "start": median([r[0] for r in runs]),
                **{key: median([r[1][key] for r in runs]) for key in ("p50", "p99", "hits")},
                "failed": sum(r[1]["failed"] for r in runs),
            }
            for name, runs in measured.items()
        }
        site, bare = summary["site"], summary["bare"]
        ratio = site["p99"] / bare["p99"]
        older = ""
        if "before" in summary:
            old = summary["before"]
            older = (
                f"; before: p50 {old['p50'] * 1000:.0f} ms, p99 {old['p99'] * 1000:.0f} ms "
                f"({old['p99'] / bare['p99']:.1f}× bare's), start {old['start']:.2f} s"
            )
        how = group.how if share else "no limit"
        table.add(
            f"{visitors} first visits to a lottery page together, just started ({how}; medians of {rounds})",
            f"p50 {site['p50'] * 1000:.0f} ms, p99 {site['p99'] * 1000:.0f} ms ({ratio:.1f}× bare's), "
            f"{site['hits']:.0f} from the cache, {site['failed']} failed; start → /health {site['start']:.2f} s "
            f"(bare WSGI: p50 {bare['p50'] * 1000:.0f} ms, p99 {bare['p99'] * 1000:.0f} ms, start {bare['start']:.2f} s)"
            f"{older}",
            "p99 ≤ 3× bare's" if share else "(for comparison)",
            site["failed"] == 0 and (ratio <= 3 if share else True),
        )
