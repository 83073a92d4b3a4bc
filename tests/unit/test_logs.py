"""No secret reaches the log: response_urls, Slack tokens, bearer tokens and JWTs are masked."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import request_scope
from bot.logs import configure_logging, redact
from sms_handlers_sandbox.slack import SlackStandIn

KEY = "Xy7kQ2pLm9Zr4"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"url: https://hooks.slack.com/actions/T0123ABC/4567890/{KEY}, body", KEY),
        (f"url: https://hooks.slack.com/commands/T0123ABC/4567890/{KEY}", KEY),
        (f'"response_url":"https:\\/\\/hooks.slack.com\\/actions\\/T1\\/22\\/{KEY}"', KEY),
        (
            f"payload=...response_url%22%3A%22https%3A%2F%2Fhooks.slack.com%2Factions%2FT1%2F22%2F{KEY}",
            KEY,
        ),
        ("headers: {'Authorization': 'Bearer xoxb-1111-2222-abcdEFGH'}", "abcdEFGH"),
        ("token=xapp-1-A111-222-ffee00", "ffee00"),
        ("Authorization: Bearer U0FNUExFLUFDQ0VTUy1UT0tFTg", "U0FNUExFLUFDQ0VTUy1UT0tFTg"),
        ("assertion=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl&grant", "c2lnbmF0dXJl"),
    ],
)
def test_secrets_are_masked_in_every_form_they_are_logged(line: str, secret: str) -> None:
    masked = redact(line)

    assert secret not in masked
    assert "***" in masked


def test_ordinary_lines_are_left_alone() -> None:
    line = "request #12 applied to queue-support (/sms-handlers support) at https://example.com/a"

    assert redact(line) == line


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(verbose=True, stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


async def test_slack_sdk_debug_lines_do_not_show_the_response_url(
    log_stream: io.StringIO,
) -> None:
    async with SlackStandIn(bot_token="xoxb-test-token") as slack:
        slack.add_user(id="U1", name="riley", real_name="Riley Lead")
        slack.add_channel(id="C1", name="sms-approvals")
        url = slack.response_url(channel_id="C1", user_id="U1")
        key = url.rsplit("/", 1)[1]
        webhook = AsyncWebhookClient(url, logger=logging.getLogger("slack_sdk.webhook"))
        webhook.logger.setLevel(logging.DEBUG)

        answer = await webhook.send(text="Request #3 was applied.", response_type="ephemeral")

    assert answer.status_code == 200
    logged = log_stream.getvalue()
    assert "Sending a request" in logged  # slack_sdk did log the call at DEBUG
    assert "/actions/" in logged and "***" in logged
    assert key not in logged


@pytest.fixture
def json_log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    stream = io.StringIO()
    configure_logging(verbose=True, stream=stream, json_lines=True)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)
        sys.excepthook = hook


def json_lines(stream: io.StringIO, *, logger: str | None = None) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if logger is None or line["logger"] == logger]


def test_json_lines_carry_time_level_logger_message_and_the_request_id(
    json_log_stream: io.StringIO,
) -> None:
    log = logging.getLogger("bot.test")
    log.info("before any request")

    async def handle() -> None:
        request_scope.enter(request_scope.RequestScope(request_id="trigger-1"))
        log.warning("while handling %s", "support")
        await asyncio.get_running_loop().create_task(background())

    async def background() -> None:
        log.info("after the ack")

    asyncio.run(handle())

    first, during, after = json_lines(json_log_stream, logger="bot.test")
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "bot.test"
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert during["message"] == "while handling support"
    assert during["request_id"] == after["request_id"] == "trigger-1"


def test_json_lines_mask_secrets_in_messages_and_exceptions(json_log_stream: io.StringIO) -> None:
    url = f"https://hooks.slack.com/commands/T0123ABC/4567890/{KEY}"
    try:
        raise RuntimeError(f'posting to {url} with "Bearer xoxb-1111-2222-abcdEFGH" failed')
    except RuntimeError:
        logging.getLogger("bot.test").exception('answer to "%s" failed', url)

    (line,) = json_lines(json_log_stream)
    assert (
        line["message"]
        == 'answer to "https://hooks.slack.com/commands/T0123ABC/4567890/***" failed'
    )
    assert "RuntimeError" in line["exception"] and "***" in line["exception"]
    assert KEY not in json_log_stream.getvalue()
    assert "abcdEFGH" not in json_log_stream.getvalue()


def test_json_lines_include_python_warnings(json_log_stream: io.StringIO) -> None:
    warnings.warn("old API", DeprecationWarning, stacklevel=1)

    (line,) = json_lines(json_log_stream, logger="py.warnings")
    assert line["logger"] == "py.warnings" and "old API" in line["message"]


def test_text_lines_mask_secrets_in_tracebacks(log_stream: io.StringIO) -> None:
    try:
        raise RuntimeError(f"token xapp-1-A111-222-ffee00 and /actions/T1/22/{KEY}")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed")

    logged = log_stream.getvalue()
    assert "RuntimeError" in logged
    assert "ffee00" not in logged and KEY not in logged


def test_json_lines_include_an_uncaught_exception(json_log_stream: io.StringIO) -> None:
    try:
        raise OSError("address already in use")
    except OSError as error:
        sys.excepthook(OSError, error, error.__traceback__)

    (line,) = json_lines(json_log_stream, logger="bot")
    assert line["level"] == "CRITICAL"
    assert "OSError: address already in use" in line["exception"]
