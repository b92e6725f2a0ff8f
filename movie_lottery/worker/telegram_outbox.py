"""The Telegram side of the outbox: one message (or the backup file) to one chat at a time.

Each step has its own short transaction, and none is open while Telegram is talked to:
claim a notification by lease (services/leases.py), make its message for the next chat that
still lacks it (reading the database: a text, or the backup exported into a temporary file),
send it, then record how it went while the lease is still this claim's. How an attempt ends:

* sent: the chat is marked served (and the kind's after-send hook runs);
* the chat is gone (blocked the bot, deleted): marked served and unsubscribed;
* rate limited or failed before Telegram could see it: retried with the outbox's back-off;
* outcome unknown (the request went out, no answer came): not repeated for an hour;
* the worker died: the lease runs out (notifications.LEASE) and the message is due again.
A kind attempted at most once a day (the backup copy) is retried no sooner than that.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..clients import telegram
from ..extensions import db
from ..models import Notification, utcnow
from ..services import leases, notifications

log = logging.getLogger("movie_lottery.notifier")


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | gone | retry | unknown
    sent: dict | None = None  # the Message Telegram gave back: set when (and only when) status is "sent"
    error: str = ""
    delay: float | None = None


class TelegramOutbox:
    def __init__(
        self, client: telegram.TelegramClient, fixed_chat_id: str | None, site_url: str | None, leading: threading.Event
    ):
        self.client, self.fixed_chat_id, self.site_url, self.leading = client, fixed_chat_id, site_url, leading

    def deliver_one(self) -> bool:
        """Send one message of the oldest due notification; True if there was work."""
        try:
            lease = leases.claim(
                db.session,
                Notification,
                lambda row: notifications.lease_for(row.kind),
                select(Notification.id, Notification.kind),
            )
            if lease is None:
                return False
            ready = self._prepare(lease)
            if ready is None:
                return True
            chat_id, prepared = ready
            try:
                if not self.leading.is_set():  # lost the lock since the claim: leave it to the next holder
                    self._release(lease)
                    return False
                outcome = self._send(prepared, lease.id, chat_id)
            finally:
                prepared.close()
            self._record(lease, chat_id, outcome)
            return True
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("outbox database error: %s", exc.__class__.__name__)
            return False

    def _prepare(self, lease: leases.Lease) -> tuple[str, notifications.Prepared] | None:
        """The next chat and its message, read in a transaction that ends before anything is
        sent; None when there is nothing to send (the notification is then recorded)."""
        session = db.session
        notification = session.get(Notification, lease.id)
        chat_id = notifications.next_recipient(session, notification, self.fixed_chat_id)
        if chat_id is None:
            notifications.mark_done(notification)
        else:
            try:
                prepared = notifications.prepare(session, notification, chat_id, self.site_url)
            except (KeyError, TypeError, ValueError) as exc:  # a payload this code cannot read
                log.exception("notification %s cannot be composed", lease.id)
                notifications.mark_retry(notification, f"cannot compose: {exc!r}")
                prepared = None
            else:
                if prepared is not None:
                    session.rollback()  # only read: nothing stays open while it is sent
                    return chat_id, prepared
                notifications.mark_delivered(notification, chat_id)  # nothing left to say to this chat
        leases.end(notification)
        session.commit()
        return None

    def _send(self, prepared: notifications.Prepared, notification_id: int, chat_id: str) -> Outcome:
        try:
            return Outcome("sent", sent=prepared.send(self.client))
        except telegram.TelegramChatGone as exc:
            log.warning("chat %s is gone (%s): unsubscribed", chat_id, exc.description)
            return Outcome("gone")
        except telegram.TelegramRetryLater as exc:
            return Outcome("retry", error=f"rate limited for {exc.retry_after}s", delay=exc.retry_after)
        except telegram.TelegramOutcomeUnknown as exc:
            log.warning(
                "notification %s to chat %s: outcome unknown (%s); not repeated for an hour",
                notification_id,
                chat_id,
                exc,
            )
            return Outcome("unknown", error=str(exc))
        except telegram.TelegramError as exc:
            log.warning("sending notification %s failed: %s", notification_id, exc)
            return Outcome("retry", error=str(exc))

    @staticmethod
    def _release(lease: leases.Lease) -> None:
        notification = leases.held(db.session, lease)
        if notification is not None:
            leases.end(notification)
        db.session.commit()

    def _record(self, lease: leases.Lease, chat_id: str, outcome: Outcome) -> None:
        session = db.session
        notification = leases.held(session, lease)
        if notification is None:  # the send outlasted its lease: the next claim decides
            log.warning(
                "notification %s: its lease ran out before the outcome (%s) was recorded", lease.id, outcome.status
            )
            session.rollback()
            return
        if outcome.sent is not None:  # status "sent"
            notifications.on_sent(session, notification, chat_id, outcome.sent)
            notifications.mark_delivered(notification, chat_id)
        elif outcome.status == "gone":
            notifications.mark_delivered(notification, chat_id)
            if chat_id.lstrip("-").isdigit():
                notifications.set_subscription(session, int(chat_id), False)
        else:
            once_per = notifications.ONCE_PER.get(notification.kind)
            not_before = lease.until if once_per is not None else None
            delay = outcome.delay
            if outcome.status == "unknown":
                not_before = max(not_before or utcnow(), utcnow() + notifications.UNKNOWN_OUTCOME_HOLD)
            notifications.mark_retry(notification, outcome.error, delay=delay, not_before=not_before)
        leases.end(notification)
        session.commit()
