"""Logging for the whole process: one format, and no secret in any line.

A Slack `response_url` acts as a credential for 30 minutes (whoever holds one can post as the app
in that conversation), and tokens and RingCentral JWTs are credentials; slack_sdk and Bolt log
request URLs, bodies and headers at DEBUG. A filter on every handler masks them wherever they
appear in a line: plain, JSON-escaped (`\\/`) or form-encoded (`%2F`).
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

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


def configure_logging(*, verbose: bool, stream: TextIO | None = None) -> None:
    """The root logger's one handler (stderr unless `stream`), with secrets masked."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
