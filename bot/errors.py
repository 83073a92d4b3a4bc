"""Domain errors shared by services, the CLI and the Slack app.

Every error here carries a message written for the person who will read it: what was wrong
and what to do. Listeners show `str(error)` to Slack users; nothing else about it leaks out.

A failure of something outside the bot (RingCentral, the database) is a `ReferencedError`: its
message says what could not be done, never how (no URL, host, DSN, file path or upstream answer),
and ends with a short reference, `(ref 7f3a9c)`. The full story is its `details`, written to the
log with the same reference when the error is made, and shown by the command line, whose reader
is the operator.
"""

from __future__ import annotations

import logging
import re
import secrets

logger = logging.getLogger(__name__)


def new_ref() -> str:
    """A short correlation id joining what a user was told to the log line that explains it."""
    return secrets.token_hex(3)


class SmsHandlersError(Exception):
    """Base of every error whose message may be shown to a user as it is."""

    @property
    def details(self) -> str:
        """The full story, for the log and the command line: the message itself, unless the
        error keeps details from users."""
        return str(self)


class ReferencedError(SmsHandlersError):
    """A failure whose details are for operators only; users read a sentence and a reference.

    `what` (what could not be done, without a final full stop) and `advice` (what to do) must be
    safe to show anyone; `details` may name URLs, hosts and file paths (never a secret). They are
    logged together, with the reference, as soon as the error is made.
    """

    def __init__(self, what: str, *, advice: str = "", details: str | None = None) -> None:
        self.ref = new_ref()
        self.what = what
        self.advice = advice
        self._details = details if details is not None else what
        shown = f"{what.rstrip('.')} (ref {self.ref})."
        super().__init__(f"{shown} {advice}" if advice else shown)
        logger.info("%s [ref %s]: %s", type(self).__name__, self.ref, self._details)

    @property
    def details(self) -> str:
        return self._details


# A URL, a host name or address, markup, or a file path: text from outside (RingCentral's
# wording) holding one is not shown as it is.
_UNSHOWABLE = re.compile(
    r"://|www\.|[<>{}\\]"  # URLs, markup, Windows paths
    r"|\w\.\w+\.[A-Za-z]{2,}|\.(?:com|net|org|io|dev|internal|local|lan|example)\b"  # hosts
    r"|\d+\.\d+\.\d+\.\d+|\w:\d{2,5}\b"  # addresses and ports
    r"|(?:^|\s)/\w|\w/\w+/",  # paths
    re.IGNORECASE,
)
PRESENTABLE_LENGTH = 200


def presentable(text: str | None) -> str | None:
    """Text from outside the bot (RingCentral's wording) if it can be shown to users: one short
    line with no URL, host, markup or file path; else None (it belongs in the log only)."""
    if not text:
        return None
    line = " ".join(text.split())
    if len(line) > PRESENTABLE_LENGTH or _UNSHOWABLE.search(line):
        return None
    return line


def log_text(error: BaseException) -> str:
    """How a log line names an error: its details, and its reference when it has one."""
    if isinstance(error, ReferencedError):
        return f"{error.details} [ref {error.ref}]"
    if isinstance(error, SmsHandlersError):
        return error.details
    return f"{type(error).__name__}: {error}"


class ConfigError(SmsHandlersError):
    """A setting is missing or malformed."""
