"""The Telegram client over real HTTP against the fake Bot API."""

import inspect
import io
import logging
import random
import re
import threading
import time

import pytest
import requests

from movie_lottery.clients import telegram
from movie_lottery.clients.formats import escape_html
from movie_lottery.clients.telegram import TelegramClient, split_message

from .fakes.telegram_api import FakeTelegram
from .fakes.telegram_spec import known_method, spec

TOKEN = "987654:SECRET-token-value-xyz"


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


class Recorder:
    """An injectable sleep that records instead of waiting (and a clock that follows it)."""

    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


def client_for(fake, recorder=None, **kwargs):
    recorder = recorder or Recorder()
    return TelegramClient(TOKEN, fake.url, sleep=recorder.sleep, clock=recorder.clock, **kwargs)


def test_send_and_html_escaping(fake):
    client = client_for(fake)
    client.send_message(42, f"<b>{escape_html('Tom & Jerry <3')}</b>")
    assert fake.messages_for(42)[0]["text"] == "<b>Tom &amp; Jerry &lt;3</b>"
    assert fake.messages_for(42)[0]["parse_mode"] == "HTML"


def test_split_keeps_every_chunk_within_the_limit():
    text = "\n".join(f"<b>line {i}</b> " + "x" * 90 for i in range(100)) + "\n" + "y" * 9000
    chunks = split_message(text)
    assert all(0 < len(c) <= 4096 for c in chunks)
    assert "".join(c.replace("\n", "") for c in chunks) == text.replace("\n", "")
    assert all(c.count("<b>") == c.count("</b>") for c in chunks[:-3])


def test_429_honours_retry_after_then_sends_once(fake):
    recorder = Recorder()
    fake.fail_next("sendMessage", 429, retry_after=3, description="Too Many Requests: retry after 3")
    client_for(fake, recorder).send_message(1, "hi")
    assert 3 in recorder.sleeps
    assert len(fake.messages) == 1


def test_a_huge_retry_after_is_handed_back_not_slept(fake):
    recorder = Recorder()
    fake.fail_next("sendMessage", 429, retry_after=3600)
    with pytest.raises(telegram.TelegramRetryLater) as info:
        client_for(fake, recorder).send_message(1, "hi")
    assert info.value.retry_after == 3600 and recorder.sleeps == []


class JitterRecorder(random.Random):
    """A seeded random source that records the range of every jittered wait."""

    def __init__(self):
        super().__init__(25)
        self.ranges = []

    def uniform(self, a, b):
        self.ranges.append((a, b))
        return super().uniform(a, b)


def test_5xx_burst_retries_with_growing_jittered_backoff(fake, monkeypatch):
    recorder, jitter = Recorder(), JitterRecorder()
    monkeypatch.setattr(telegram, "random", jitter)
    fake.fail_next("sendMessage", 502, times=5)
    client_for(fake, recorder, backoff_base=1.0, backoff_max=4.0, max_attempts=6).send_message(1, "hi")
    # Full jitter: each wait is drawn from [0, ceiling], the ceiling doubling up to backoff_max.
    assert jitter.ranges == [(0, 1.0), (0, 2.0), (0, 4.0), (0, 4.0), (0, 4.0)]
    assert len(recorder.sleeps) == 5
    assert all(0 <= slept <= ceiling for slept, (_, ceiling) in zip(recorder.sleeps, jitter.ranges, strict=True))
    assert len(set(recorder.sleeps)) == 5  # jittered, not a fixed schedule
    assert len(fake.messages) == 1


def test_a_timeout_after_the_request_went_out_is_an_unknown_outcome_never_repeated(fake):
    """Telegram may have posted it already: sending it again could post it twice (the outbox
    decides when to try again)."""
    fake.delay_next("sendMessage", 1.0, times=3)
    client = client_for(fake, read_timeout=0.2, max_attempts=3)
    with pytest.raises(telegram.TelegramOutcomeUnknown):
        client.send_message(1, "slow")
    assert fake.requests_count("sendMessage") == 1
    fake.delay_next("sendDocument", 1.0, times=3)
    with pytest.raises(telegram.TelegramOutcomeUnknown):
        client_for(fake, upload_read_timeout=0.2, max_attempts=3).send_document(
            1, "a.gz", io.BytesIO(b"x"), mime_type="application/gzip"
        )
    assert fake.requests_count("sendDocument") == 1


def test_connection_refused_is_unavailable_and_retried(fake):
    """Nothing reached Telegram: trying again is safe."""
    attempts = []
    client = TelegramClient(TOKEN, "http://127.0.0.1:9", max_attempts=2, sleep=attempts.append)
    with pytest.raises(telegram.TelegramUnavailable) as raised:
        client.send_message(1, "x")
    assert not isinstance(raised.value, telegram.TelegramOutcomeUnknown) and len(attempts) == 1


def test_blocked_and_missing_chats_are_gone(fake):
    fake.block_chat(5)
    fake.forget_chat(6)
    client = client_for(fake)
    for chat in (5, 6):
        with pytest.raises(telegram.TelegramChatGone):
            client.send_message(chat, "x")


def test_wrong_token_is_unauthorized(fake):
    client = TelegramClient("111:wrong", fake.url, sleep=lambda s: None)
    with pytest.raises(telegram.TelegramUnauthorized):
        client.get_me()


def test_two_pollers_conflict_like_the_real_api(fake):
    client = client_for(fake)
    results = {}

    def first():
        try:
            results["first"] = client.get_updates(None, timeout=5)
        except telegram.TelegramConflict as exc:
            results["first"] = exc

    thread = threading.Thread(target=first)
    thread.start()
    deadline = time.monotonic() + 10
    while fake.long_polls_started == 0 and time.monotonic() < deadline:  # the first poller is waiting inside the fake
        time.sleep(0.01)
    second = TelegramClient(TOKEN, fake.url).get_updates(None, timeout=1)
    thread.join(timeout=10)
    assert isinstance(results["first"], telegram.TelegramConflict)
    assert second == [] and fake.conflicts == 1


def test_webhook_makes_get_updates_conflict(fake):
    fake.set_webhook("https://example.org/hook")
    with pytest.raises(telegram.TelegramConflict):
        client_for(fake).get_updates(None, timeout=0)
    client_for(fake).delete_webhook()
    assert client_for(fake).get_updates(None, timeout=0) == []


def test_updates_and_offsets(fake):
    client = client_for(fake)
    fake.push_message(10, "/start")
    fake.push_message(11, "/help")
    updates = client.get_updates(None, timeout=1)
    assert [u["message"]["text"] for u in updates] == ["/start", "/help"]
    assert client.get_updates(updates[-1]["update_id"] + 1, timeout=0) == []


def test_the_token_never_leaks(fake, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # it logs request URLs, token included
    failures = []
    for status in (400, 401, 403, 409, 429, 500):
        fake.fail_next("sendMessage", status, retry_after=999 if status == 429 else None)
        try:
            client_for(fake, max_attempts=1).send_message(1, "x")
        except telegram.TelegramError as exc:
            failures.append(exc)
    try:
        TelegramClient(TOKEN, "http://127.0.0.1:9", max_attempts=1).send_message(1, "x")
    except telegram.TelegramError as exc:
        failures.append(exc)
    assert len(failures) == 7
    for exc in failures:
        assert TOKEN not in str(exc) and TOKEN not in repr(exc)
    assert TOKEN not in repr(client_for(fake))
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]  # the fake's own log
    assert ours and not any(TOKEN in line for line in ours)

    record = logging.LogRecord("x", logging.INFO, "f", 1, "calling %s", (f"https://api/bot{TOKEN}/getMe",), None)
    telegram.TokenMaskingFilter(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "987654:***" in record.getMessage()


def test_pacing_spaces_messages_to_one_chat(fake):
    recorder = Recorder()
    client = client_for(fake, recorder)
    for _ in range(3):
        client.send_message(7, "x")
    assert sum(recorder.sleeps) >= 2.0  # three messages, at least a second apart
    assert len(fake.messages_for(7)) == 3


# -- conformance to the published Bot API (tests/specs/telegram-bot-api-methods.json) ---------


def call(fake, method, payload):
    """A raw Bot API call, as a JSON body, bypassing the client."""
    return requests.post(f"{fake.url}/bot{TOKEN}/{method}", json=payload, timeout=5).json()


def refused(fake, method, payload) -> str:
    body = call(fake, method, payload)
    assert body["ok"] is False and body["error_code"] == 400, body
    return body["description"]


def test_the_fake_refuses_what_the_spec_does_not_know(fake):
    assert (
        refused(fake, "sendMessage", {"chat_id": 1, "text": "x", "disable_web_page_preview": True})
        == 'Bad Request: unknown parameter "disable_web_page_preview"'
    )
    assert "is required" in refused(fake, "sendMessage", {"chat_id": 1})
    assert "must be of type Integer or String" in refused(fake, "sendMessage", {"chat_id": 1.5, "text": "x"})
    assert "must be of type Boolean" in refused(fake, "deleteWebhook", {"drop_pending_updates": "no"})
    assert "Array of String" in refused(fake, "getUpdates", {"allowed_updates": ["message", 3]})
    # Nested objects are checked field by field.
    assert (
        refused(fake, "sendMessage", {"chat_id": 1, "text": "x", "link_preview_options": {"is_disabled": "yes"}})
        == 'Bad Request: parameter "link_preview_options.is_disabled" must be of type Boolean'
    )
    assert "unknown parameter" in refused(
        fake, "sendMessage", {"chat_id": 1, "text": "x", "link_preview_options": {"off": True}}
    )
    button_without_text = {"inline_keyboard": [[{"callback_data": "v1"}]]}
    assert "must be of type" in refused(
        fake, "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": button_without_text}
    )
    assert "reply_markup.inline_keyboard" in refused(
        fake, "editMessageReplyMarkup", {"chat_id": 1, "message_id": 1, "reply_markup": button_without_text}
    )
    # parse_mode=HTML: what Telegram cannot parse is refused too.
    for text, problem in [
        ("Tom & Jerry", "Character '&' is reserved"),
        ("<b>bold", "Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("<h1>x</h1>", 'Unsupported start tag "h1"'),
        ("a <3 b", "Unclosed start tag"),
    ]:
        assert problem in refused(fake, "sendMessage", {"chat_id": 1, "text": text, "parse_mode": "HTML"})
    assert call(fake, "sendMessage", {"chat_id": 1, "text": "Tom & Jerry <3"})["ok"]  # plain text: anything goes
    good = '<b>Tom &amp; Jerry &lt;3</b> <a href="https://kino.example.org/l/a">link</a> &#128512;'
    assert call(fake, "sendMessage", {"chat_id": 1, "text": good, "parse_mode": "HTML"})["ok"]
    assert len(fake.refusals) == 14 and len(fake.messages) == 2
    assert call(fake, "sendMessagee", {"chat_id": 1, "text": "x"})["error_code"] == 404


def test_every_call_the_client_makes_conforms(fake):
    client = client_for(fake)
    client.send_message(5, "with a preview https://kino.example.org/l/abc")
    client.send_message(5, "no preview https://kino.example.org/l/abc", link_preview=False)
    assert client.get_me()["username"] == "fake_bot"
    client.delete_webhook()
    client.get_updates(None, timeout=0)
    client.get_updates(7, timeout=0)
    assert fake.refusals == []
    first, second = fake.messages_for(5)
    assert first["link_preview_options"] is None and second["link_preview_options"] == {"is_disabled": True}


def test_inline_buttons_callback_queries_and_edits_like_the_real_api(fake):
    keyboard = {
        "inline_keyboard": [
            [{"text": "A (0)", "callback_data": "vote:1"}, {"text": "B (0)", "callback_data": "vote:2"}]
        ]
    }
    sent = call(fake, "sendMessage", {"chat_id": -100555, "text": "Vote!", "reply_markup": keyboard})["result"]
    assert sent["chat"] == {"id": -100555, "type": "supergroup", "title": "Test group"}
    assert sent["reply_markup"] == keyboard and sent["from"]["is_bot"]

    query_id = fake.push_callback_query(sent["message_id"], "vote:2")
    client = client_for(fake)
    assert client.get_updates(None, timeout=0) == []  # the client asks for messages only: not delivered
    fake.push_callback_query(sent["message_id"], "vote:1")
    [update] = call(fake, "getUpdates", {"timeout": 0, "allowed_updates": ["message", "callback_query"]})["result"]
    query = update["callback_query"]
    assert query["data"] == "vote:1" and query["message"]["message_id"] == sent["message_id"]
    assert query["message"]["reply_markup"] == keyboard

    assert call(fake, "answerCallbackQuery", {"callback_query_id": query["id"], "text": "Counted"}) == {
        "ok": True,
        "result": True,
    }
    assert "query ID is invalid" in refused(fake, "answerCallbackQuery", {"callback_query_id": query["id"]})
    assert "query ID is invalid" in refused(fake, "answerCallbackQuery", {"callback_query_id": query_id + "x"})

    voted = {
        "inline_keyboard": [
            [{"text": "A (1)", "callback_data": "vote:1"}, {"text": "B (0)", "callback_data": "vote:2"}]
        ]
    }
    edited = call(
        fake,
        "editMessageText",
        {"chat_id": -100555, "message_id": sent["message_id"], "text": "Vote! 1 voted", "reply_markup": voted},
    )["result"]
    assert edited["text"] == "Vote! 1 voted" and edited["reply_markup"] == voted and edited["edit_date"]
    same = {"chat_id": -100555, "message_id": sent["message_id"], "text": "Vote! 1 voted", "reply_markup": voted}
    assert refused(fake, "editMessageText", same).startswith(
        "Bad Request: message is not modified: specified new message"
    )
    assert refused(fake, "editMessageReplyMarkup", {k: v for k, v in same.items() if k != "text"}).startswith(
        "Bad Request: message is not modified"
    )
    closed = call(fake, "editMessageReplyMarkup", {"chat_id": -100555, "message_id": sent["message_id"]})["result"]
    assert "reply_markup" not in closed and fake.messages_for(-100555)[0]["reply_markup"] is None
    assert (
        refused(fake, "editMessageText", {"chat_id": -100555, "message_id": 999, "text": "x"})
        == "Bad Request: message to edit not found"
    )
    assert (
        refused(fake, "editMessageText", {"chat_id": 1, "message_id": sent["message_id"], "text": "x"})
        == "Bad Request: message to edit not found"
    )
    assert fake.refusals == [] and fake.callback_answers == [{"callback_query_id": query["id"], "text": "Counted"}]


def test_every_method_the_client_calls_is_in_the_vendored_spec():
    called = set(re.findall(r'_call(?:_with_retries)?\(\s*"(\w+)"', inspect.getsource(telegram)))
    assert called == {
        "sendMessage",
        "getUpdates",
        "getMe",
        "deleteWebhook",
        "editMessageText",
        "answerCallbackQuery",
        "sendDocument",
    }
    assert all(known_method(method) for method in called)
    assert spec()["version"] == "Bot API 10.1"
