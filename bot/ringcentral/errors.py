"""Typed errors of the RingCentral client.

Each carries the HTTP status, RingCentral's error code (`errors[0].errorCode`), RingCentral's own
message and the operation that failed. Its message, what Slack users read, says what could not be
done and what to do, with a reference (`(ref 7f3a9c)`); RingCentral's message, the answer's body
and any URL stay in `details`, which is logged with the same reference.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from bot.errors import ReferencedError

# What an error code must look like to be shown or stored (CMN-401, OAU-213, invalid_grant).
_ERROR_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class RingCentralError(ReferencedError):
    """A RingCentral call failed."""

    summary = "RingCentral returned an error"
    hint = "Try again in a minute; if it keeps failing, tell the app's administrators."

    def __init__(
        self,
        *,
        operation: str,
        status: int | None = None,
        error_code: str | None = None,
        api_message: str | None = None,
        detail: str | None = None,
        note: str | None = None,
    ) -> None:
        """`operation` (e.g. "reading the SMS handlers of extension 4001") and `note` (a sentence
        about the consequences) are shown to users; `api_message` and `detail` only logged."""
        self.operation = operation
        self.status = status
        self.error_code = error_code
        self.api_message = api_message
        self.detail = detail
        self.note = note
        code = f" ({error_code})" if error_code else ""
        advice = " ".join(part for part in (note, self._hint()) if part)
        super().__init__(
            f"{self.summary}{code} while {operation}",
            advice=advice,
            details=" ".join(part for part in (self._compose(), note, self._hint()) if part),
        )

    def _hint(self) -> str:
        return self.hint

    @property
    def for_operators(self) -> str:
        """The details without the advice meant for Slack users (`doctor`'s reader is the
        administrator that advice points to)."""
        return " ".join(part for part in (self._compose(), self.note) if part)

    def _compose(self) -> str:
        code = f" ({self.error_code})" if self.error_code else ""
        status = f" [HTTP {self.status}]" if self.status else ""
        what = self.api_message or self.detail or "no details given"
        if self.api_message and self.detail:
            what = f"{self.api_message.rstrip('.')}. {self.detail}"
        return f"{self.summary}{code} while {self.operation}: {what.rstrip('.')}{status}."


class RingCentralAuthError(RingCentralError):
    """Logging in to RingCentral failed (bad client id/secret or JWT, or the token was refused)."""

    summary = "RingCentral refused the login"
    hint = "The app's administrators need to check its RingCentral credentials."


class RingCentralRequestRejected(RingCentralError):
    """RingCentral refused a request as invalid (4xx other than 401/403/404/429)."""

    summary = "RingCentral refused the request"
    hint = "If it keeps happening, tell the app's administrators."


class RingCentralPermissionDenied(RingCentralRequestRejected):
    """The app or the JWT user lacks a permission (403)."""

    summary = "RingCentral denied permission"
    hint = "The app's administrators need to grant it in RingCentral."


class RingCentralNotFound(RingCentralRequestRejected):
    """The extension or resource does not exist (404)."""

    summary = "RingCentral could not find it"
    hint = "It may have been deleted in RingCentral; look it up again."


class RingCentralRateLimited(RingCentralError):
    """RingCentral kept answering 429 (or asked for a longer wait than the client accepts)."""

    summary = "RingCentral is rate limiting this app"

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)

    def _hint(self) -> str:
        if self.retry_after is not None:
            return f"Try again in {max(1, math.ceil(self.retry_after))} s."
        return "Try again in a minute."


class RingCentralUnavailable(RingCentralError):
    """RingCentral could not be reached or answered with a server error (5xx)."""

    summary = "RingCentral is unavailable"


class RingCentralTimeout(RingCentralUnavailable):
    """RingCentral did not answer in time."""

    summary = "RingCentral did not answer in time"


class RingCentralBadResponse(RingCentralError):
    """RingCentral answered something the client cannot read (not JSON, wrong shape)."""

    summary = "RingCentral sent an answer that could not be read"


def parse_error_body(body: str) -> tuple[str | None, str | None]:
    """RingCentral's (errors[0].errorCode, message) from an error body; (None, None) if unreadable.

    Prefers `errors[0]`: on a 403 the top-level code can be `InsufficientPermissions` while the
    useful code (CMN-401) is inside. OAuth errors carry `error`/`error_description` instead.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return _code(first.get("errorCode")), _text(first.get("message"))
    code = _code(data.get("errorCode")) or _code(data.get("error"))
    message = _text(data.get("message")) or _text(data.get("error_description"))
    return code, message


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _code(value: object) -> str | None:
    """An error code as RingCentral writes them; anything else is not trusted as one."""
    text = _text(value)
    return text if text is not None and _ERROR_CODE.fullmatch(text) else None


def _snippet(body: str, limit: int = 120) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_for_response(
    *, status: int, body: str, operation: str, retry_after: float | None = None
) -> RingCentralError:
    """The typed error for an unsuccessful HTTP answer."""
    code, message = parse_error_body(body)
    detail = None
    if message is None:
        shown = _snippet(body) if body.strip() else "an empty body"
        detail = f"the answer was not a RingCentral error (got {shown!r})."
    kwargs: dict[str, Any] = {
        "operation": operation,
        "status": status,
        "error_code": code,
        "api_message": message,
        "detail": detail,
    }
    if status == 401:
        return RingCentralAuthError(**kwargs)
    if status == 403:
        return RingCentralPermissionDenied(**kwargs)
    if status == 404:
        return RingCentralNotFound(**kwargs)
    if status == 429:
        return RingCentralRateLimited(retry_after=retry_after, **kwargs)
    if status >= 500:
        return RingCentralUnavailable(**kwargs)
    return RingCentralRequestRejected(**kwargs)
