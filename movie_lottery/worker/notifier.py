"""The notifier: a singleton worker that delivers the outbox to Telegram and answers bot commands.

Threads, all stopping on one event:
* main: acquires the singleton lock (standing by while another instance holds it), then
  every HEARTBEAT seconds checks the lock and writes the heartbeat. The moment the lock
  is lost it clears `leading`, so nothing is sent or polled any more.
* outbox: wakes on Postgres LISTEN/NOTIFY (a backoff poll on SQLite) and sends due
  notifications one message at a time, each claimed by lease and sent with no transaction
  open (worker/telegram_outbox.py).
* updates: asks getMe for the bot's @username once, then long-polls getUpdates (only while
  leading, so never a 409 from ourselves) and answers commands (services/bot_commands.py).
* downloads (when qBittorrent is configured): checks for finished downloads every 30 s.
* maintenance: purges old closed polls (worker/maintenance.py).
* due jobs: runs reminders and other jobs when their time comes, exactly once (worker/due_jobs.py).
* polls: announces closed polls' results once and keeps announcements' counts current (worker/poll_sync.py).
* push: Web Push senders for the same outbox, apart from Telegram's thread (worker/push.py).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid

import psycopg
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..clients import telegram
from ..config import postgres_connect_args
from ..extensions import db
from ..services.bot import commands as bot_commands
from ..services.torrents import downloads
from ..services import notifications
from . import due_jobs, maintenance, poll_sync, push, telegram_outbox
from .singleton import SingletonLock, libpq_conninfo, lock_for

log = logging.getLogger("movie_lottery.notifier")

HEARTBEAT_SECONDS = 5.0
STANDBY_RETRY_SECONDS = 2.0
# How long a lost lock is sought again before exiting; like the download check below, tests
# shorten it through the environment.
REACQUIRE_SECONDS = float(os.environ.get("NOTIFIER_REACQUIRE_SECONDS", "15"))
LONG_POLL_SECONDS = 10
POLL_MIN, POLL_MAX = 0.1, 2.0  # SQLite backoff poll bounds
CONFLICT_BACKOFF_MAX = 60.0
DOWNLOAD_CHECK_SECONDS = float(os.environ.get("NOTIFIER_DOWNLOAD_CHECK_SECONDS", "30"))


class Notifier:
    def __init__(self, app: Flask, *, client: telegram.TelegramClient | None = None, lock: SingletonLock | None = None):
        self.app = app
        settings = app.config["SETTINGS"]
        self.site_url = settings.site_url
        self.fixed_chat_id = settings.telegram_chat_id
        self.backup_chat_id = settings.backup_telegram_chat_id
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        with app.app_context():
            self.engine_url = db.engine.url
            self.is_postgres = db.engine.dialect.name == "postgresql"
        self.connect_args = postgres_connect_args(settings)
        self.lock = lock or lock_for(self.engine_url, self.connect_args, app.instance_path)
        if client is None and settings.telegram_bot_token is not None:
            # Few, short retries: a message in flight must not hold up a SIGTERM for long.
            client = telegram.TelegramClient(
                settings.telegram_bot_token.get_secret_value(),
                settings.telegram_api_url,
                connect_timeout=3.0,
                read_timeout=10.0,
                max_attempts=3,
                backoff_max=4.0,
            )
        self.client = client
        self.bot_username: str | None = None  # from getMe when first leading
        self.stopping = threading.Event()
        self.leading = threading.Event()
        self.wake = threading.Event()
        self.lost_lock = False
        self.outbox = (
            telegram_outbox.TelegramOutbox(client, self.fixed_chat_id, self.site_url, self.leading)
            if client is not None
            else None
        )

    # -- lifecycle ---------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def handle(signum, _frame):
            log.info("received %s: finishing the message in flight, then exiting", signal.Signals(signum).name)
            self.stopping.set()
            self.wake.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def run(self) -> int:
        """Returns the process exit code: 0 after SIGTERM/SIGINT, 1 if the lock was lost for good."""
        if self.client is None:
            log.warning("TELEGRAM_BOT_TOKEN is not set: Telegram is off; the outbox is kept for later")
        if not self._acquire():
            return 0  # stopped while standing by
        # Daemon threads: a Telegram call stuck past the shutdown budget must not keep the
        # process alive (its message falls into the documented crash window).
        workers = [threading.Thread(target=self._outbox_loop, name="outbox", daemon=True)]
        if self.client is not None:
            workers.append(threading.Thread(target=self._updates_loop, name="updates", daemon=True))
        workers.append(
            threading.Thread(
                target=maintenance.purge_loop,
                args=(self.app, self.stopping, self.leading),
                name="maintenance",
                daemon=True,
            )
        )
        workers.append(
            threading.Thread(
                target=due_jobs.run_loop, args=(self.app, self.stopping, self.leading), name="due-jobs", daemon=True
            )
        )
        workers.append(
            threading.Thread(
                target=poll_sync.sync_loop,
                args=(self.app, self.client, self.site_url, self.stopping, self.leading),
                name="polls",
                daemon=True,
            )
        )
        if "qbittorrent" in self.app.extensions:
            workers.append(threading.Thread(target=self._downloads_loop, name="downloads", daemon=True))
        workers.extend(push.threads(self.app, self.stopping, self.leading))  # Web Push, apart from Telegram
        for worker in workers:
            worker.start()
        try:
            self._heartbeat_loop()
        finally:
            self.leading.clear()
            self.stopping.set()
            self.wake.set()
            workers[0].join(timeout=8)  # the outbox finishes its message in flight
            self.lock.release()
            log.info("notifier stopped; lock released")
        return 1 if self.lost_lock else 0

    def _acquire(self) -> bool:
        announced = False
        while not self.stopping.is_set():
            if self.lock.try_acquire():
                log.info("notifier %s holds the singleton lock", self.instance)
                self.leading.set()
                return True
            if not announced:
                log.info("another notifier holds the lock: standing by, retrying every %.0fs", STANDBY_RETRY_SECONDS)
                announced = True
            self.stopping.wait(STANDBY_RETRY_SECONDS)
        return False

    def _heartbeat_loop(self) -> None:
        while not self.stopping.is_set():
            if not self.lock.still_held():
                self.leading.clear()  # stop sending and polling at once
                log.error("the notifier lock is lost: stopped sending; trying to re-acquire")
                deadline = time.monotonic() + REACQUIRE_SECONDS
                while time.monotonic() < deadline and not self.stopping.is_set():
                    if self.lock.try_acquire():
                        log.info("re-acquired the notifier lock")
                        self.leading.set()
                        break
                    self.stopping.wait(STANDBY_RETRY_SECONDS)
                if not self.leading.is_set():
                    if not self.stopping.is_set():
                        log.error("could not re-acquire the notifier lock: exiting for the platform to restart us")
                        self.lost_lock = True
                    return
            self._write_heartbeat()
            self.stopping.wait(HEARTBEAT_SECONDS)

    def _write_heartbeat(self) -> None:
        with self.app.app_context():
            try:
                notifications.beat(db.session, self.instance)
                db.session.commit()
            except SQLAlchemyError as exc:
                db.session.rollback()
                log.warning("heartbeat not written: %s", exc.__class__.__name__)

    # -- outbox --------------------------------------------------------------------
    def _outbox_loop(self) -> None:
        listener = self._listen() if self.is_postgres else None
        idle_wait = POLL_MIN
        with self.app.app_context():
            while not self.stopping.is_set():
                sent_any = False
                if self.leading.is_set() and self.outbox is not None:
                    sent_any = self.outbox.deliver_one()
                if sent_any:
                    idle_wait = POLL_MIN
                    continue
                if self.is_postgres:  # a lost LISTEN connection is re-opened, not traded for polling
                    listener = self._wait_for_notify(listener)
                else:
                    self.wake.wait(idle_wait)
                    self.wake.clear()
                    idle_wait = min(POLL_MAX, idle_wait * 2)
        if listener is not None:
            listener.close()

    def _listen(self) -> psycopg.Connection | None:
        try:
            conn = psycopg.connect(libpq_conninfo(self.engine_url), autocommit=True, **self.connect_args)
            conn.execute(f"LISTEN {notifications.CHANNEL}")
            return conn
        except psycopg.Error as exc:
            log.warning("LISTEN failed (%s); polling instead", exc.__class__.__name__)
            return None

    def _wait_for_notify(self, conn: psycopg.Connection | None) -> psycopg.Connection | None:
        """Block until a NOTIFY arrives or a heartbeat interval passes (then re-check due retries)."""
        if conn is None:
            self.stopping.wait(POLL_MAX)
            return self._listen()
        try:
            for _notify in conn.notifies(timeout=HEARTBEAT_SECONDS, stop_after=1):
                break
            return conn
        except psycopg.Error as exc:
            log.warning("LISTEN connection lost (%s); reconnecting", exc.__class__.__name__)
            conn.close()
            return None

    # -- finished downloads -----------------------------------------------------------------
    def _downloads_loop(self) -> None:
        """Ask qBittorrent now and then, so finished downloads are announced even when no
        admin has the library open (the status endpoint records them the same way)."""
        qbit = self.app.extensions["qbittorrent"]
        with self.app.app_context():
            while not self.stopping.wait(DOWNLOAD_CHECK_SECONDS):
                if not self.leading.is_set():
                    continue
                try:
                    downloads.refresh(db.session, qbit)
                    db.session.commit()
                except SQLAlchemyError as exc:
                    db.session.rollback()
                    log.warning("download check failed: %s", exc.__class__.__name__)

    # -- commands --------------------------------------------------------------------
    def _updates_loop(self) -> None:
        backoff = 1.0
        with self.app.app_context():
            offset = notifications.get_offset(db.session)
            db.session.rollback()
            while not self.stopping.is_set():
                if not self.leading.is_set():
                    self.stopping.wait(0.5)
                    continue
                try:
                    if self.bot_username is None:
                        self.bot_username = self._learn_username()
                    updates = self.bot.get_updates(
                        offset, timeout=LONG_POLL_SECONDS, allowed_updates=("message", "callback_query")
                    )
                    backoff = 1.0
                except telegram.TelegramError as exc:
                    if isinstance(exc, telegram.TelegramConflict):
                        log.error(
                            "Telegram answered 409 Conflict (%s): another bot instance or a webhook is "
                            "using this token; backing off %.0fs",
                            exc.description,
                            backoff,
                        )
                    else:
                        log.warning(
                            "%s failed: %s; retrying in %.0fs",
                            "getMe" if self.bot_username is None else "getUpdates",
                            exc,
                            backoff,
                        )
                    self.stopping.wait(backoff)
                    backoff = min(CONFLICT_BACKOFF_MAX, backoff * 2)
                    continue
                except SQLAlchemyError as exc:  # the thread must outlive a database hiccup
                    db.session.rollback()
                    log.warning("updates: database error %s; retrying in %.0fs", exc.__class__.__name__, backoff)
                    self.stopping.wait(backoff)
                    backoff = min(CONFLICT_BACKOFF_MAX, backoff * 2)
                    continue
                for update in updates:
                    if not self.leading.is_set():
                        break
                    try:
                        self._handle_update(update)
                    except SQLAlchemyError as exc:
                        db.session.rollback()
                        log.warning("update %s not handled: %s", update.get("update_id"), exc.__class__.__name__)
                    offset = update["update_id"] + 1
                    notifications.save_offset(db.session, offset)
                    db.session.commit()

    def _handle_update(self, update: dict) -> None:
        if "callback_query" in update:
            poll_sync.answer_button(self.bot, update["callback_query"])
            return
        reply = bot_commands.reply(
            db.session,
            update.get("message") or {},
            bot_username=self.bot_username or "",
            fixed_chat_id=self.fixed_chat_id,
            site_url=self.site_url,
            backup_chat_id=self.backup_chat_id,
            kinopoisk=self.app.extensions.get("kinopoisk"),
        )
        db.session.commit()
        if reply is None:
            return
        chat_id = update["message"]["chat"]["id"]
        try:
            self.bot.send_message(chat_id, reply)
        except telegram.TelegramError as exc:
            log.warning("reply to chat %s failed: %s", chat_id, exc)

    @property
    def bot(self) -> telegram.TelegramClient:
        """The bot's client, for the loops that run only when Telegram is configured."""
        if self.client is None:
            raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
        return self.client

    def _learn_username(self) -> str:
        """getMe, once per process: a group command naming another bot is not ours."""
        username = self.bot.get_me().get("username") or ""
        log.info("answering commands as @%s", username)
        if username:  # the site builds t.me deep links with it
            notifications.save_bot_username(db.session, self.instance, username)
            db.session.commit()
        return username
