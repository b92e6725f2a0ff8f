"""A fake Telegram Bot API on loopback, faithful where our code depends on it.

Shapes: {"ok": true, "result": …} and {"ok": false, "error_code", "description",
"parameters": {"retry_after"}}. getUpdates long-polls and allows ONE consumer: a newer
request terminates the one in flight with 409 "Conflict: terminated by other getUpdates
request", and an active webhook makes getUpdates answer 409 too, as the real API does.
Every received message is kept so tests can count deliveries. Worker processes under test
talk to it over HTTP; the control methods are for the test process.

Every call is checked against the vendored Bot API specification (tests/fakes/telegram_spec.py):
an unknown parameter, a missing required one, a wrong JSON type or (with parse_mode=HTML)
text Telegram cannot parse is a 400 with the real error shape, and is recorded in
`refusals`. Sent messages can carry inline keyboards; tests push callback queries on them,
and answerCallbackQuery / editMessageText / editMessageReplyMarkup answer as the real API
does (including "message is not modified").
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, defaultdict, deque

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .telegram_spec import SpecViolation, check_call, check_html, check_multipart, known_method

MAX_LONG_POLL = 30.0
CONFLICT_TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# getUpdates delivers every kind but these until a call names allowed_updates (the real default).
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
BOT_USERNAME = "fake_bot"
UPLOAD_LIMIT = 50 * 1024 * 1024  # the Bot API's limit on a multipart upload
WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"


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
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Fake", "username": BOT_USERNAME}
        self._cond = threading.Condition()
        self._messages: list[dict] = []
        self._documents: list[dict] = []
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._callback_answers: list[dict] = []
        self._refusals: list[tuple[str, str]] = []
        self._allowed_updates: set[str] | None = None  # None: the default set
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
    def push_message(
        self, chat_id: int | str, text: str, from_user: dict | None = None, *, title: str = "Test group"
    ) -> None:
        """A user writes to the bot; a negative chat id is a group (-100… a supergroup)."""
        chat_id = int(chat_id)
        user = from_user or {"id": abs(chat_id), "is_bot": False, "first_name": "Tester"}
        message = {
            "message_id": next(self._message_ids),
            "from": user,
            "date": int(time.time()),
            "chat": _chat(chat_id, title),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._push({"message": message})

    def push_callback_query(self, message_id: int, data: str, from_user: dict | None = None) -> str:
        """A user presses an inline button of a message the bot sent; returns the query id."""
        with self._cond:
            sent = next(m for m in self._messages if m["message_id"] == message_id)
            query_id = str(next(self._query_ids))
            self._open_queries.add(query_id)
            message = self._message_object(sent)
        user = from_user or {"id": 4242, "is_bot": False, "first_name": "Voter"}
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": f"ci{sent['chat_id']}",
                    "data": data,
                }
            }
        )
        return query_id

    def _push(self, update: dict) -> None:
        with self._cond:
            self._updates.append({"update_id": next(self._update_ids), **update})
            self._cond.notify_all()

    def fail_next(
        self, method: str, status: int, times: int = 1, retry_after: float | None = None, description: str | None = None
    ) -> None:
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
            return [dict(m) for m in self._messages]

    @property
    def documents(self) -> list[dict]:
        """Files sent with sendDocument: chat_id, file_name, mime_type, content (bytes), caption."""
        with self._cond:
            return [dict(d) for d in self._documents]

    def wait_for_documents(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._documents) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def messages_for(self, chat_id) -> list[dict]:
        return [m for m in self.messages if m["chat_id"] == str(chat_id)]

    @property
    def refusals(self) -> list[tuple[str, str]]:
        """(method, description) of every call refused as not conforming to the specification."""
        with self._cond:
            return list(self._refusals)

    @property
    def callback_answers(self) -> list[dict]:
        with self._cond:
            return list(self._callback_answers)

    def requests_count(self, method: str) -> int:
        with self._cond:
            return self._counts[method]

    @property
    def long_polls_started(self) -> int:
        """getUpdates calls that got as far as waiting for updates (a test's event to wait on)."""
        with self._cond:
            return self._poll_generation

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
        handler = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook_http,
            "answerCallbackQuery": self._answer_callback_query,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "sendDocument": self._send_document,
        }.get(method)
        if handler is None or not known_method(method):
            return _error(404, "Not Found")
        multipart = request.mimetype == "multipart/form-data"
        if multipart and (request.content_length or 0) > UPLOAD_LIMIT:
            return _error(413, "Request Entity Too Large")
        params = dict(request.values)
        body = request.get_json(silent=True) if request.is_json else None
        if request.is_json:
            params.update(body or {})
        files = dict(request.files) if multipart else {}
        with self._cond:
            self._counts[method] += 1
            delay = self._delays[method].popleft() if self._delays[method] else 0
            failure = self._failures[method].popleft() if self._failures[method] else None
        try:
            if multipart:
                check_multipart(method, dict(request.values), files)
            else:
                check_call(method, params, typed=isinstance(body, dict))
            for text_field in ("text", "caption"):
                if params.get("parse_mode") == "HTML" and isinstance(params.get(text_field), str):
                    check_html(params[text_field])
        except SpecViolation as exc:
            with self._cond:
                self._refusals.append((method, str(exc)))
            return _error(400, str(exc))
        if delay:
            time.sleep(delay)
        if failure:
            status, retry_after, description = failure
            return _error(status, description, retry_after)
        return handler({**params, **files})

    def _get_me(self, _params) -> Response:
        return _ok(self.bot_user)

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
            message = {
                "message_id": next(self._message_ids),
                "chat_id": chat_id,
                "text": text,
                "parse_mode": params.get("parse_mode"),
                "reply_markup": params.get("reply_markup"),
                "link_preview_options": params.get("link_preview_options"),
                "date": int(time.time()),
                "edit_date": None,
                "received_at": time.monotonic(),
            }
            self._messages.append(message)
            self._cond.notify_all()
            return _ok(self._message_object(message))

    def _send_document(self, params) -> Response:
        upload = params.get("document")
        if not hasattr(upload, "read"):
            return _error(400, WRONG_FILE)  # a file_id or URL: the fake knows none
        chat_id = str(params.get("chat_id", ""))
        content = upload.read()
        with self._cond:
            if chat_id in self._blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if chat_id in self._missing:
                return _error(400, "Bad Request: chat not found")
            stored = {
                "message_id": next(self._message_ids),
                "chat_id": chat_id,
                "file_name": upload.filename,
                "mime_type": upload.mimetype,
                "content": content,
                "caption": params.get("caption"),
                "date": int(time.time()),
            }
            self._documents.append(stored)
            self._cond.notify_all()
        document = {
            "file_id": f"doc{stored['message_id']}",
            "file_unique_id": f"u{stored['message_id']}",
            "file_name": upload.filename,
            "mime_type": upload.mimetype,
            "file_size": len(content),
        }
        message = {
            "message_id": stored["message_id"],
            "from": self.bot_user,
            "date": stored["date"],
            "chat": _chat(int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id),
            "document": document,
        }
        if stored["caption"]:
            message["caption"] = stored["caption"]
        return _ok(message)

    def _message_object(self, stored: dict) -> dict:
        chat_id = stored["chat_id"]
        message = {
            "message_id": stored["message_id"],
            "from": self.bot_user,
            "date": stored["date"],
            "chat": _chat(int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id),
            "text": stored["text"],
        }
        if stored["edit_date"]:
            message["edit_date"] = stored["edit_date"]
        if stored["reply_markup"]:
            message["reply_markup"] = stored["reply_markup"]
        return message

    def _get_updates(self, params) -> Response:
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        offset = int(params["offset"]) if params.get("offset") not in (None, "") else None
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook_url:
                self.conflicts += 1
                return _error(409, CONFLICT_WEBHOOK)
            if isinstance(params.get("allowed_updates"), list):  # kept for later calls, as the real API does
                self._allowed_updates = set(params["allowed_updates"]) or None
            self._poll_generation += 1
            mine = self._poll_generation
            self._cond.notify_all()  # wakes an earlier poller, which sees it was superseded
            while True:
                if offset is not None:  # confirms every update before the offset
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                # Updates of a kind the bot did not ask for are never delivered.
                self._updates = [u for u in self._updates if self._wanted(u)]
                if self._poll_generation != mine:
                    self.conflicts += 1
                    return _error(409, CONFLICT_TERMINATED)
                if self._updates or self._stopping:
                    return _ok(list(self._updates))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return _ok([])
                self._cond.wait(remaining)

    def _wanted(self, update: dict) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed_updates is None:
            return kind not in NOT_DELIVERED_BY_DEFAULT
        return kind in self._allowed_updates

    def _delete_webhook(self, _params) -> Response:
        self.set_webhook(None)
        return _ok(True)

    def _set_webhook_http(self, params) -> Response:
        self.set_webhook(params.get("url") or None)
        return _ok(True)

    def _answer_callback_query(self, params) -> Response:
        with self._cond:
            query_id = params["callback_query_id"]
            if query_id not in self._open_queries:
                return _error(400, QUERY_INVALID)
            self._open_queries.discard(query_id)
            self._callback_answers.append(dict(params))
        return _ok(True)

    def _edit_message_text(self, params) -> Response:
        if not (params.get("text") or "").strip():
            return _error(400, "Bad Request: message text is empty")
        return self._edit(params, text=params["text"])

    def _edit_message_reply_markup(self, params) -> Response:
        return self._edit(params, text=None)

    def _edit(self, params, *, text: str | None) -> Response:
        """Edit a message the bot sent; a missing reply_markup removes the keyboard, as in the real API."""
        with self._cond:
            stored = self._find_message(params)
            if stored is None:
                return _error(400, EDIT_NOT_FOUND)
            new_text = stored["text"] if text is None else text
            new_markup = params.get("reply_markup")
            if new_text == stored["text"] and (new_markup or None) == (stored["reply_markup"] or None):
                return _error(400, NOT_MODIFIED)
            stored.update(text=new_text, reply_markup=new_markup, edit_date=int(time.time()))
            if text is not None:
                stored["parse_mode"] = params.get("parse_mode")
            self._cond.notify_all()
            return _ok(self._message_object(stored))

    def _find_message(self, params) -> dict | None:
        if params.get("inline_message_id") or params.get("chat_id") is None or params.get("message_id") is None:
            return None  # the bot never sends inline messages
        chat_id, message_id = str(params["chat_id"]), int(params["message_id"])
        return next((m for m in self._messages if m["chat_id"] == chat_id and m["message_id"] == message_id), None)


def _chat(chat_id, title: str = "Test group") -> dict:
    if isinstance(chat_id, str):
        return {"id": -1000000000001, "type": "channel", "title": title, "username": chat_id.lstrip("@")}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Tester"}
    return {"id": chat_id, "type": "supergroup" if str(chat_id).startswith("-100") else "group", "title": title}
