"""A fake Telegram Bot API on loopback, faithful where our code depends on it.

Shapes: {"ok": true, "result": …} and {"ok": false, "error_code", "description",
"parameters": {"retry_after"}}. getUpdates long-polls and allows ONE consumer: a newer
request terminates the one in flight with 409 "Conflict: terminated by other getUpdates
request", and an active webhook makes getUpdates answer 409 too, as the real API does.
Every received message is kept so tests can count deliveries. Worker processes under test
talk to it over HTTP; the control methods are for the test process.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, defaultdict, deque

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

MAX_LONG_POLL = 30.0
CONFLICT_TERMINATED = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
CONFLICT_WEBHOOK = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


def _error(status: int, description: str, retry_after: float | None = None) -> Response:
    body = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _ok(result) -> Response:
    return Response(json.dumps({"ok": True, "result": result}), mimetype="application/json")


class FakeTelegram:
    def __init__(self, token: str = "123456:FAKE-token"):
        self.token = token
        self._cond = threading.Condition()
        self._messages: list[dict] = []
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._failures: dict[str, deque] = defaultdict(deque)
        self._delays: dict[str, deque] = defaultdict(deque)
        self._blocked: set[str] = set()
        self._missing: set[str] = set()
        self._counts: Counter = Counter()
        self._poll_generation = 0
        self._stopping = False
        self.conflicts = 0
        self.webhook_url: str | None = None
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    # -- control API (test side) -------------------------------------------------------
    def push_message(self, chat_id: int, text: str, from_user: dict | None = None) -> None:
        chat_type = "private" if chat_id > 0 else "group"
        user = from_user or {"id": abs(chat_id), "is_bot": False, "first_name": "Tester"}
        with self._cond:
            self._updates.append({
                "update_id": next(self._update_ids),
                "message": {"message_id": next(self._message_ids), "date": int(time.time()), "text": text,
                            "chat": {"id": chat_id, "type": chat_type, "first_name": "Tester"}, "from": user},
            })
            self._cond.notify_all()

    def fail_next(self, method: str, status: int, times: int = 1, retry_after: float | None = None,
                  description: str | None = None) -> None:
        with self._cond:
            for _ in range(times):
                self._failures[method].append((status, retry_after, description or f"Error {status}"))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        with self._cond:
            self._delays[method].extend([min(seconds, MAX_LONG_POLL)] * times)

    def block_chat(self, chat_id) -> None:
        """The user blocked the bot: sendMessage answers 403."""
        with self._cond:
            self._blocked.add(str(chat_id))

    def forget_chat(self, chat_id) -> None:
        """The chat no longer exists: sendMessage answers 400 chat not found."""
        with self._cond:
            self._missing.add(str(chat_id))

    def set_webhook(self, url: str | None) -> None:
        with self._cond:
            self.webhook_url = url

    @property
    def messages(self) -> list[dict]:
        with self._cond:
            return list(self._messages)

    def messages_for(self, chat_id) -> list[dict]:
        return [m for m in self.messages if m["chat_id"] == str(chat_id)]

    def requests_count(self, method: str) -> int:
        with self._cond:
            return self._counts[method]

    def wait_for_messages(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._messages) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeTelegram:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # -- the HTTP side -------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return _error(404, "Not Found")
        token, method = parts[0][3:], parts[1]
        if token != self.token:
            return _error(401, "Unauthorized")
        params = dict(request.values)
        if request.is_json:
            params.update(request.get_json(silent=True) or {})
        with self._cond:
            self._counts[method] += 1
            delay = self._delays[method].popleft() if self._delays[method] else 0
            failure = self._failures[method].popleft() if self._failures[method] else None
        if delay:
            time.sleep(delay)
        if failure:
            status, retry_after, description = failure
            return _error(status, description, retry_after)
        handler = {
            "getMe": self._get_me, "sendMessage": self._send_message, "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook, "setWebhook": self._set_webhook_http,
        }.get(method)
        return handler(params) if handler else _error(404, "Not Found")

    def _get_me(self, _params) -> Response:
        return _ok({"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Fake", "username": "fake_bot"})

    def _send_message(self, params) -> Response:
        chat_id, text = str(params.get("chat_id", "")), params.get("text") or ""
        if not chat_id:
            return _error(400, "Bad Request: chat_id is empty")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        with self._cond:
            if chat_id in self._blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if chat_id in self._missing:
                return _error(400, "Bad Request: chat not found")
            message = {"message_id": next(self._message_ids), "chat_id": chat_id, "text": text,
                       "parse_mode": params.get("parse_mode"), "received_at": time.monotonic()}
            self._messages.append(message)
            self._cond.notify_all()
        return _ok({"message_id": message["message_id"], "date": int(time.time()),
                    "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id}, "text": text})

    def _get_updates(self, params) -> Response:
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        offset = int(params["offset"]) if params.get("offset") not in (None, "") else None
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook_url:
                self.conflicts += 1
                return _error(409, CONFLICT_WEBHOOK)
            self._poll_generation += 1
            mine = self._poll_generation
            self._cond.notify_all()  # wakes an earlier poller, which sees it was superseded
            if offset is not None:  # confirms every update before the offset
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                if self._poll_generation != mine:
                    self.conflicts += 1
                    return _error(409, CONFLICT_TERMINATED)
                if self._updates or self._stopping:
                    return _ok(list(self._updates))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return _ok([])
                self._cond.wait(remaining)

    def _delete_webhook(self, _params) -> Response:
        self.set_webhook(None)
        return _ok(True)

    def _set_webhook_http(self, params) -> Response:
        self.set_webhook(params.get("url") or None)
        return _ok(True)
