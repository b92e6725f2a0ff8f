"""Draw-to-Telegram latency: from a draw's COMMIT to the fake Bot API receiving the message.

Runs a real notifier worker process against a Postgres database and the fake Telegram on
loopback. Baseline, measured in the same run: one sendMessage round trip from this process
to the same fake (the floor any notifier pays). Target: p50 under 200 ms. Part of
bench/run.py; also runs on its own (with a throwaway database):

    .venv/bin/python bench/notify_latency.py [--draws 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dataset import throwaway_database  # noqa: E402
from bench.load import median, percentile  # noqa: E402
from movie_lottery.clients.telegram import TelegramClient  # noqa: E402
from movie_lottery.dbsetup import upgrade_database  # noqa: E402
from movie_lottery.extensions import db  # noqa: E402
from movie_lottery.services.lotteries import lottery  # noqa: E402
from movie_lottery.services.library import FilmData  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.helpers import build_app  # noqa: E402
from tests.workers import FIXED_CHAT, TOKEN, WorkerProcess, worker_env  # noqa: E402

SPACING = 1.1  # Telegram allows about one message a second per chat; the worker paces itself


def measure(url: str, draws: int) -> tuple[list[float], list[float]]:
    """(baseline round trips, commit-to-message latencies) in seconds, against the migrated ``url``."""
    app = build_app(url)
    try:
        with FakeTelegram(token=TOKEN) as fake, tempfile.TemporaryDirectory() as workdir:
            baseline = []
            direct = TelegramClient(TOKEN, fake.url)
            for _ in range(draws):
                started = time.monotonic()
                direct.send_message("42", "baseline")
                baseline.append(time.monotonic() - started)
                time.sleep(SPACING)
            worker = WorkerProcess(worker_env(url, fake.url), Path(workdir) / "worker.log")
            try:
                worker.wait_for_log("holds the singleton lock", timeout=20)
                time.sleep(1.0)
                latencies = []
                with app.app_context():
                    for i in range(draws):
                        entries = [lottery.EntryData(film=FilmData(title=f"Bench {i}-{j}")) for j in range(3)]
                        created = lottery.create_lottery(db.session, f"Bench {i}", entries)
                        db.session.commit()
                        before = len(fake.messages_for(FIXED_CHAT))
                        lottery.draw(db.session, created.public_id)  # commits
                        committed = time.monotonic()
                        if not fake.wait_for_messages(before + 1 + len(fake.messages_for("42")), timeout=10):
                            raise RuntimeError("message not received")
                        received = fake.messages_for(FIXED_CHAT)[-1]["received_at"]
                        latencies.append(received - committed)
                        time.sleep(SPACING)
            finally:
                worker.close()
    finally:
        with app.app_context():
            db.engine.dispose()
    return baseline, latencies


def measure_on_fresh_database(draws: int) -> tuple[list[float], list[float]]:
    """measure() on a new, empty database: an outbox with earlier draws would be sent first."""
    with throwaway_database() as url:
        upgrade_database(build_app(url))
        return measure(url, draws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args()
    baseline, latencies = measure_on_fresh_database(args.draws)
    p50, p95, base = median(latencies) * 1000, percentile(latencies, 0.95) * 1000, median(baseline) * 1000
    print(f"baseline: direct sendMessage round trip  p50 {base:.1f} ms")
    print(f"draw commit -> message received         p50 {p50:.1f} ms  p95 {p95:.1f} ms  ({len(latencies)} draws)")
    print(f"ratio p50/baseline = {p50 / base:.1f}  (target p50 < 200 ms: {'OK' if p50 < 200 else 'MISSED'})")


if __name__ == "__main__":
    main()
