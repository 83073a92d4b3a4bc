"""Typed errors of the RingCentral client.

Each carries the HTTP status, RingCentral's error code (`errors[0].errorCode`), RingCentral's own
message and the operation that failed, and reads as a sentence a person understands.
"""

from __future__ import annotations

import json
import math
from typing import Any

from bot.errors import SmsHandlersError


class RingCentralError(SmsHandlersError):
    """A RingCentral call failed."""

    summary = "RingCentral returned an error"

    def __init__(
        self,
        *,
        operation: str,
        status: int | None = None,
        error_code: str | None = None,
        api_message: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.error_code = error_code
        self.api_message = api_message
        self.detail = detail
        super().__init__(self._compose())

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


class RingCentralRequestRejected(RingCentralError):
    """RingCentral refused a request as invalid (4xx other than 401/403/404/429)."""

    summary = "RingCentral refused the request"


class RingCentralPermissionDenied(RingCentralRequestRejected):
    """The app or the JWT user lacks a permission (403)."""

    summary = "RingCentral denied permission"


class RingCentralNotFound(RingCentralRequestRejected):
    """The extension or resource does not exist (404)."""

    summary = "RingCentral could not find it"


class RingCentralRateLimited(RingCentralError):
    """RingCentral kept answering 429 (or asked for a longer wait than the client accepts)."""

    summary = "RingCentral is rate limiting this app"

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)

    def _compose(self) -> str:
        base = super()._compose()
        if self.retry_after is not None:
            return f"{base} Try again in {max(1, math.ceil(self.retry_after))} s."
        return base


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
        return _text(first.get("errorCode")), _text(first.get("message"))
    code = _text(data.get("errorCode")) or _text(data.get("error"))
    message = _text(data.get("message")) or _text(data.get("error_description"))
    return code, message


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


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
