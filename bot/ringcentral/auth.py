"""Access tokens for the data calls, from the `ringcentral` SDK.

The SDK does the OAuth exchanges (JWT login, refresh); it is synchronous, so each exchange runs in
a worker thread. This module adds what the SDK lacks: renewal *ahead of* expiry, one lock so that
many coroutines needing a token at once cause one login, a timeout on token calls, and a fresh
login with the JWT whenever a refresh is impossible or fails. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from ringcentral.http import ApiException, ApiResponse, Client
from ringcentral.platform import Platform

from bot.errors import log_text
from bot.ringcentral.errors import (
    RingCentralAuthError,
    RingCentralError,
    RingCentralRateLimited,
    RingCentralTimeout,
    RingCentralUnavailable,
    error_for_response,
    parse_error_body,
)

logger = logging.getLogger(__name__)

APP_NAME = "sms-handlers"
DEFAULT_RETRY_AFTER_SECONDS = 30.0  # RingCentral's advice for a 429 without Retry-After
RENEW_MARGIN_SECONDS = 60.0  # renew a token this long before it expires


@dataclass(frozen=True)
class Credentials:
    """What the app needs to log in to RingCentral with the JWT flow."""

    server_url: str
    client_id: str
    client_secret: str
    jwt: str

    def __repr__(self) -> str:  # keeps secrets out of logs and tracebacks
        return f"Credentials(server_url={self.server_url!r}, client_id={self.client_id!r}, ...)"


class _TimedHttpClient(Client):  # type: ignore[misc]  # the SDK is untyped
    """The SDK's HTTP client with a timeout and one reused `requests` session."""

    def __init__(self, timeout_seconds: float) -> None:
        super().__init__()
        self._timeout = timeout_seconds
        self._session = requests.Session()

    def load_response(self, request: requests.PreparedRequest) -> Any:
        response = self._session.send(request, timeout=self._timeout)
        return ApiResponse(request, response)

    def close(self) -> None:
        self._session.close()


class TokenProvider:
    """Hands out a valid access token, renewing it ahead of expiry under one lock."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._http = _TimedHttpClient(timeout_seconds)
        self._platform = Platform(
            self._http,
            credentials.client_id,
            credentials.client_secret,
            credentials.server_url.rstrip("/"),
            APP_NAME,
        )
        self._clock = clock
        self._lock = asyncio.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0
        self._renew_at = 0.0
        # After a 429 from the token endpoint: no token call before then (each one made during
        # RingCentral's penalty would restart it).
        self._held_until = 0.0
        self.logins = 0  # successful JWT logins (observability; tests read it)
        # The app permissions the last token was granted (its `scope`); None until a token
        # came, or when RingCentral named none.
        self.permissions: frozenset[str] | None = None
        self.refreshes = 0  # successful refresh-token exchanges

    async def token(self) -> str:
        """A valid access token; logs in or renews first when it is missing or about to expire."""
        current = self._access_token
        if current is not None and self._clock() < self._renew_at:
            return current
        async with self._lock:
            if self._access_token is not None and self._clock() < self._renew_at:
                return self._access_token
            return await self._renew()

    async def renew_after_rejection(self, rejected_token: str) -> str:
        """A new token after RingCentral answered 401 to `rejected_token` (one renewal each)."""
        async with self._lock:
            if self._access_token is not None and self._access_token != rejected_token:
                return self._access_token  # another coroutine renewed it already
            self._access_token = None
            return await self._renew()

    def close(self) -> None:
        """Release the SDK's HTTP connections."""
        self._http.close()

    async def _renew(self) -> str:
        wait = self._held_until - self._clock()
        if wait > 0:
            raise RingCentralRateLimited(
                operation="logging in",
                retry_after=wait,
                detail="RingCentral asked the app to wait before asking for a token again.",
            )
        try:
            return await self._renew_now()
        except RingCentralRateLimited as exc:
            held = DEFAULT_RETRY_AFTER_SECONDS if exc.retry_after is None else exc.retry_after
            self._held_until = self._clock() + held
            raise

    async def _renew_now(self) -> str:
        auth = self._platform.auth()
        if self._access_token is not None or auth.access_token():
            refresh_token_valid = bool(auth.refresh_token()) and auth.refresh_token_valid()
            if refresh_token_valid:
                try:
                    await self._exchange(self._platform.refresh, "refreshing the access token")
                    self.refreshes += 1
                    return self._adopt()
                except (RingCentralRateLimited, RingCentralUnavailable):
                    raise  # a login now would meet the same limit or outage
                except RingCentralError as exc:
                    logger.warning(
                        "Token refresh failed (%s); logging in again with the JWT", log_text(exc)
                    )
        await self._exchange(
            lambda: self._platform.login(jwt=self._credentials.jwt), "logging in with the JWT"
        )
        self.logins += 1
        return self._adopt()

    def _adopt(self) -> str:
        data = self._platform.auth().data()
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise RingCentralAuthError(
                operation="logging in", detail="the token answer held no access token."
            )
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in else 0.0
        scope = data.get("scope")
        self.permissions = frozenset(scope.split()) if isinstance(scope, str) and scope else None
        now = self._clock()
        self._access_token = token
        self._expires_at = now + lifetime
        # Renew ahead of expiry; a short-lived token renews after 80 % of its life.
        self._renew_at = self._expires_at - min(RENEW_MARGIN_SECONDS, lifetime * 0.2)
        logger.info("RingCentral access token obtained, valid for %.0f s", lifetime)
        return token

    async def _exchange(self, call: Callable[[], Any], operation: str) -> None:
        try:
            await asyncio.to_thread(call)
        except ApiException as exc:
            raise _auth_error(exc, operation, self._credentials.server_url) from None
        except Exception as exc:
            # The SDK raises a plain Exception (e.g. "Refresh token has expired").
            raise RingCentralAuthError(operation=operation, detail=_safe_reason(exc)) from None


def _auth_error(exc: Any, operation: str, server_url: str) -> RingCentralError:
    api_response = exc.api_response()
    response = api_response.response() if api_response is not None else None
    if response is None:
        cause = exc.__context__
        if isinstance(cause, requests.Timeout):
            return RingCentralTimeout(
                operation=operation, detail=f"the token endpoint of {server_url} timed out."
            )
        return RingCentralUnavailable(
            operation=operation,
            detail=f"could not reach {server_url} ({type(cause).__name__}); "
            "check RINGCENTRAL_SERVER_URL and the network.",
        )
    if response.status_code in (400, 401):
        code, message = parse_error_body(response.text)
        return RingCentralAuthError(
            operation=operation,
            status=response.status_code,
            error_code=code,
            api_message=message,
            detail="Check RINGCENTRAL_CLIENT_ID, RINGCENTRAL_CLIENT_SECRET and RINGCENTRAL_JWT.",
        )
    return error_for_response(
        status=response.status_code,
        body=response.text,
        operation=operation,
        retry_after=_retry_after_header(response.headers.get("Retry-After")),
    )


def _retry_after_header(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _safe_reason(exc: Exception) -> str:
    # Only the exception type and its first line: SDK messages may embed request headers.
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    if "Authorization" in first_line or "Bearer" in first_line or len(first_line) > 120:
        first_line = ""
    return f"{type(exc).__name__}{': ' + first_line if first_line else ''}."
