"""Telegram Bot API client for the notifier: one pooled session, a timeout on every call,
Telegram's rate limits honoured, and the bot token never shown in logs or errors."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any, BinaryIO

import requests

from .http import pooled_session

DEFAULT_BASE_URL = "https://api.telegram.org"
MESSAGE_LIMIT = 4096
UPLOAD_READ_TIMEOUT = 60.0  # Telegram answers an upload once it has stored the file
MAX_RETRY_AFTER = 60.0  # longer waits are handed back to the caller instead of sleeping
PRIVATE_CHAT_INTERVAL = 1.0  # about one message a second per chat
GROUP_WINDOW, GROUP_PER_WINDOW = 60.0, 20  # 20 messages a minute per group
# An edit refused for good: the message was deleted, is too old, or its chat is gone.
EDIT_GONE_MARKERS = ("message to edit not found", "message can't be edited", "chat not found")
GONE_MARKERS = (
    "chat not found",
    "bot was blocked",
    "bot was kicked",
    "user is deactivated",
    "have no rights to send",
    "not enough rights",
    "group chat was upgraded",
)


class TelegramError(Exception):
    code = "telegram_error"

    def __init__(self, description: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(description)
        self.description, self.status, self.retry_after = description, status, retry_after


class TelegramUnavailable(TelegramError):
    code = "telegram_unavailable"


class TelegramOutcomeUnknown(TelegramUnavailable):
    """The request went out (in part or whole) and no answer came: Telegram may have acted on it.
    Never retried here; the caller decides (the outbox waits an hour before trying again)."""

    code = "telegram_outcome_unknown"


class TelegramRetryLater(TelegramError):
    code = "telegram_rate_limited"


class TelegramChatGone(TelegramError):
    code = "telegram_chat_gone"


class TelegramBadRequest(TelegramError):
    code = "telegram_bad_request"


class TelegramUnauthorized(TelegramError):
    code = "telegram_unauthorized"


class TelegramConflict(TelegramError):
    code = "telegram_conflict"


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at line breaks (never inside a line shorter than the limit, so tags opened and
    closed on one line stay whole); an over-long single line is cut at the limit."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


class TokenMaskingFilter(logging.Filter):
    """Redacts the bot token from every log record passing through a handler."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, mask_token(self.token)), None
        return True


def _mask_in_logger(logger: logging.Logger, token: str) -> None:
    if not any(isinstance(f, TokenMaskingFilter) and f.token == token for f in logger.filters):
        logger.addFilter(TokenMaskingFilter(token))


def mask_token(token: str) -> str:
    bot_id = token.split(":", 1)[0]
    return f"{bot_id}:***"


def _never_connected(exc: requests.RequestException) -> bool:
    """Whether the request failed before a connection existed (refused, no route, no DNS), so
    Telegram cannot have seen it."""
    from urllib3.exceptions import NewConnectionError

    reason = exc.args[0] if exc.args else None
    return isinstance(getattr(reason, "reason", reason), NewConnectionError)


class _Pacer:
    """Waits before a send so each chat stays within Telegram's per-chat limits."""

    def __init__(self, sleep: Callable[[float], None], clock: Callable[[], float]):
        self.sleep, self.clock = sleep, clock
        self.lock = threading.Lock()
        self.sent: dict[str, deque[float]] = defaultdict(deque)

    def wait(self, chat_id: str) -> None:
        with self.lock:
            history = self.sent[chat_id]
            now = self.clock()
            delay = 0.0
            if history:
                delay = max(delay, history[-1] + PRIVATE_CHAT_INTERVAL - now)
            if chat_id.startswith("-"):
                while history and history[0] <= now - GROUP_WINDOW:
                    history.popleft()
                if len(history) >= GROUP_PER_WINDOW:
                    delay = max(delay, history[0] + GROUP_WINDOW - now)
            if delay > 0:
                self.sleep(delay)
            history.append(self.clock())
            if len(history) > GROUP_PER_WINDOW:
                history.popleft()


class TelegramClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        upload_read_timeout: float = UPLOAD_READ_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.upload_read_timeout = upload_read_timeout
        self.max_attempts, self.backoff_base, self.backoff_max = max_attempts, backoff_base, backoff_max
        self.sleep = sleep
        self.pacer = _Pacer(sleep, clock)
        self.session = pooled_session(4)  # retries are ours: a 429 needs its retry_after
        # urllib3 logs request URLs (and so the token) at DEBUG level.
        _mask_in_logger(logging.getLogger("urllib3.connectionpool"), token)

    def __repr__(self) -> str:
        return f"TelegramClient({mask_token(self._token)!r}, {self.base_url!r})"

    # -- public API ---------------------------------------------------------------------
    def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: str = "HTML",
        link_preview: bool = True,
        reply_markup: dict | None = None,
    ) -> dict:
        self.pacer.wait(str(chat_id))
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": parse_mode}
        if not link_preview:  # Bot API 7.0 replaced disable_web_page_preview with this object
            payload["link_preview_options"] = {"is_disabled": True}
        if reply_markup is not None:
            payload["reply_markup"] = reply_markup
        return self._call_with_retries("sendMessage", payload)

    def send_text(self, chat_id: int | str, text: str, *, reply_markup: dict | None = None) -> dict:
        """A text of any length: over Telegram's limit it goes as several messages (split_message),
        the keyboard under the last. Returns the last Message."""
        chunks = split_message(text)
        for chunk in chunks[:-1]:
            self.send_message(chat_id, chunk)
        return self.send_message(chat_id, chunks[-1], reply_markup=reply_markup)

    def send_document(
        self, chat_id: int | str, file_name: str, content: BinaryIO, *, mime_type: str, caption: str | None = None
    ) -> dict:
        """A file upload (multipart/form-data); `content` is read from its start on every attempt."""
        self.pacer.wait(str(chat_id))
        form = {"chat_id": str(chat_id)}
        if caption:
            form.update(caption=caption, parse_mode="HTML")
        return self._call_with_retries(
            "sendDocument",
            form,
            files={"document": (file_name, content, mime_type)},
            read_timeout=self.upload_read_timeout,
        )

    def edit_message_text(
        self,
        chat_id: int | str,
        message_id: int,
        text: str,
        *,
        parse_mode: str = "HTML",
        reply_markup: dict | None = None,
    ) -> dict:
        """Without reply_markup the message's inline keyboard is removed."""
        payload: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text, "parse_mode": parse_mode}
        if reply_markup is not None:
            payload["reply_markup"] = reply_markup
        return self._call("editMessageText", payload)

    def answer_callback_query(self, callback_query_id: str, text: str | None = None) -> bool:
        """Must come within seconds of the press, so no retry loop: a late answer is refused anyway."""
        payload: dict = {"callback_query_id": callback_query_id}
        if text:
            payload["text"] = text
        return self._call("answerCallbackQuery", payload)

    def get_updates(
        self, offset: int | None, *, timeout: int = 25, allowed_updates: tuple[str, ...] = ("message",)
    ) -> list[dict]:
        """Long polling. No retry loop here: on 409 the caller backs off."""
        payload = {"timeout": timeout, "allowed_updates": list(allowed_updates)}
        if offset is not None:
            payload["offset"] = offset
        return self._call("getUpdates", payload, read_timeout=timeout + 5)

    def get_me(self) -> dict:
        return self._call_with_retries("getMe", {})

    def delete_webhook(self) -> bool:
        return self._call_with_retries("deleteWebhook", {"drop_pending_updates": False})

    def close(self) -> None:
        self.session.close()

    # -- internals --------------------------------------------------------------------
    def _call_with_retries(self, method: str, payload: dict, **options):
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._call(method, payload, **options)
            except TelegramRetryLater as exc:
                if exc.retry_after is None or exc.retry_after > MAX_RETRY_AFTER or attempt == self.max_attempts:
                    raise
                self.sleep(exc.retry_after)
            except TelegramOutcomeUnknown:
                raise  # repeating it could post the message or the file twice
            except TelegramUnavailable:
                if attempt == self.max_attempts:
                    raise
                # Exponential backoff with full jitter.
                self.sleep(random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))))
        raise AssertionError("unreachable")

    def _call(self, method: str, payload: dict, read_timeout: float | None = None, files: dict | None = None):
        url = f"{self.base_url}/bot{self._token}/{method}"
        if files:  # an upload: form fields and files; each attempt sends the files from their start
            for _name, content, _type in files.values():
                content.seek(0)
            body: dict[str, Any] = {"data": payload, "files": files}
        else:
            body = {"json": payload}
        try:
            response = self.session.post(url, **body, timeout=(self.connect_timeout, read_timeout or self.read_timeout))
        except (requests.ConnectTimeout, requests.exceptions.SSLError) as exc:  # nothing was sent
            raise TelegramUnavailable(f"{method}: cannot reach Telegram ({exc.__class__.__name__})") from None
        except requests.Timeout:
            raise TelegramOutcomeUnknown(f"{method}: Telegram did not answer in time") from None
        except requests.RequestException as exc:
            # requests' messages embed the URL, and so the token: report the class only.
            if _never_connected(exc):
                raise TelegramUnavailable(f"{method}: cannot reach Telegram ({exc.__class__.__name__})") from None
            raise TelegramOutcomeUnknown(
                f"{method}: the connection broke before Telegram answered ({exc.__class__.__name__})"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 200 and body.get("ok"):
            return body.get("result")
        raise self._error(method, response.status_code, body)

    def _error(self, method: str, status: int, body: dict) -> TelegramError:
        description = self._clean(str(body.get("description") or f"HTTP {status}"))
        retry_after = (body.get("parameters") or {}).get("retry_after")
        if status == 429:
            return TelegramRetryLater(description, status=status, retry_after=float(retry_after or 1))
        if status >= 500 or status == 0:
            return TelegramUnavailable(f"{method}: {description}", status=status)
        if status == 401:
            return TelegramUnauthorized(description, status=status)
        if status == 409:
            return TelegramConflict(description, status=status)
        if status == 403 or (status == 400 and any(marker in description.lower() for marker in GONE_MARKERS)):
            return TelegramChatGone(description, status=status)
        return TelegramBadRequest(f"{method}: {description}", status=status)

    def _clean(self, text: str) -> str:
        return text.replace(self._token, mask_token(self._token))
