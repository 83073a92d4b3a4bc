"""Logging for the whole process: lines for people or JSON lines, and no secret in any line.

A Slack `response_url` acts as a credential for 30 minutes (whoever holds one can post as the app
in that conversation), and tokens and RingCentral JWTs are credentials; slack_sdk and Bolt log
request URLs, bodies and headers at DEBUG. A filter on every handler masks them wherever they
appear in a message: plain, JSON-escaped (`\\/`) or form-encoded (`%2F`); the formatters mask
exception texts too.

With `LOG_FORMAT=json` every line is one JSON object (time, level, logger, message, the Slack
request's id while one is being handled, the exception when there is one), for log collectors.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

from bot.request_scope import current_request_id

MASK = "***"
_SLASH = r"(?:/|\\/|%2F)"
# https://hooks.slack.com/actions/T0123/4567/SECRET (and /commands/…): the last part is the key.
_RESPONSE_URL = re.compile(
    rf"({_SLASH}(?:actions|commands){_SLASH}[A-Z0-9]+{_SLASH}[0-9]+{_SLASH})[A-Za-z0-9_\-]+",
    re.IGNORECASE,
)
_SLACK_TOKEN = re.compile(r"\b(xox[a-z]-|xapp-)[A-Za-z0-9-]+")
_BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str) -> str:
    """`text` with response_url keys, Slack tokens, bearer tokens and JWTs masked."""
    text = _RESPONSE_URL.sub(rf"\g<1>{MASK}", text)
    text = _SLACK_TOKEN.sub(rf"\g<1>{MASK}", text)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    return _JWT.sub(f"eyJ{MASK}", text)


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with `redact` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class TagRequest(logging.Filter):
    """Gives each record the id of the Slack request being handled (`request_id`, or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class TextLines(logging.Formatter):
    """`FORMAT`, with secrets masked in tracebacks as well."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonLines(logging.Formatter):
    """One JSON object per record. Each field is masked before it is encoded, so masking never
    breaks the JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    *, verbose: bool, stream: TextIO | None = None, json_lines: bool = False
) -> None:
    """The root logger's one handler (stderr unless `stream`), with secrets masked.

    `json_lines`: JSON objects instead of text; Python's warnings and an uncaught exception are
    logged too, so that every line on stderr is one.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines() if json_lines else TextLines())
    handler.addFilter(RedactSecrets())
    handler.addFilter(TagRequest())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.captureWarnings(json_lines)
    if json_lines:
        sys.excepthook = _log_uncaught
    elif sys.excepthook is _log_uncaught:
        sys.excepthook = sys.__excepthook__


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("bot").critical(
        "stopped by an unexpected error", exc_info=(kind, error, traceback)
    )
