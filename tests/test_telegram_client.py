"""The Telegram client over real HTTP against the fake Bot API."""
import logging
import threading
import time

import pytest

from movie_lottery.clients import telegram
from movie_lottery.clients.formats import escape_html
from movie_lottery.clients.telegram import TelegramClient, split_message

from .fakes.telegram_api import FakeTelegram

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


def test_5xx_burst_retries_with_growing_jittered_backoff(fake):
    recorder = Recorder()
    fake.fail_next("sendMessage", 502, times=3)
    client_for(fake, recorder, backoff_base=1.0).send_message(1, "hi")
    assert len(recorder.sleeps) == 3
    for attempt, slept in enumerate(recorder.sleeps):
        assert 0 <= slept <= 2 ** attempt
    assert len(fake.messages) == 1


def test_timeouts_retry_then_fail_as_unavailable(fake):
    fake.delay_next("sendMessage", 1.0, times=3)
    client = client_for(fake, read_timeout=0.2, max_attempts=3)
    with pytest.raises(telegram.TelegramUnavailable):
        client.send_message(1, "slow")
    assert fake.requests_count("sendMessage") == 3


def test_connection_refused_is_unavailable(fake):
    client = TelegramClient(TOKEN, "http://127.0.0.1:9", max_attempts=2, sleep=lambda s: None)
    with pytest.raises(telegram.TelegramUnavailable):
        client.send_message(1, "x")


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
    time.sleep(0.3)  # the first poller is now waiting inside the fake
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
