"""Access and refresh tokens the sandbox has issued."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sms_handlers_sandbox.ringcentral.errors import ApiError, permission_denied
from sms_handlers_sandbox.ringcentral.options import SandboxOptions


@dataclass
class _Session:
    session_id: str
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    refresh_expires_at: float
    permissions: tuple[str, ...] = ()


class TokenStore:
    """Issues tokens for the JWT grant and the refresh grant, and checks bearer tokens."""

    def __init__(
        self,
        options: SandboxOptions,
        owner_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._options = options
        self._now = clock
        self._owner_id = owner_id
        self._by_access: dict[str, _Session] = {}
        self._by_refresh: dict[str, _Session] = {}

    def issue(self, *, requested_ttl: int | None = None) -> dict[str, Any]:
        """A new session (JWT grant)."""
        permissions = tuple(self._options.app_permissions)
        session = _Session(secrets.token_hex(8), "", 0.0, None, 0.0, permissions)
        return self._grant(session, requested_ttl)

    def refresh(self, refresh_token: str, *, requested_ttl: int | None = None) -> dict[str, Any]:
        """New tokens for the session of `refresh_token`; its old access token stops working."""
        session = self._by_refresh.get(refresh_token)
        if session is None or self._now() >= session.refresh_expires_at:
            raise KeyError(refresh_token)
        self._by_access.pop(session.access_token, None)
        self._by_refresh.pop(refresh_token, None)
        return self._grant(session, requested_ttl)

    def _grant(self, session: _Session, requested_ttl: int | None) -> dict[str, Any]:
        options = self._options
        ttl = options.token_ttl_seconds
        if requested_ttl is not None and requested_ttl > 0:
            ttl = min(ttl, requested_ttl)
        now = self._now()
        session.access_token = "SBX-A-" + secrets.token_urlsafe(24)
        session.access_expires_at = now + ttl
        self._by_access[session.access_token] = session
        answer: dict[str, Any] = {
            "access_token": session.access_token,
            "token_type": "bearer",
            "expires_in": ttl,
            "scope": " ".join(session.permissions),
            "owner_id": self._owner_id,
            "endpoint_id": "sandbox-endpoint",
            "session_id": session.session_id,
        }
        if options.issue_refresh_tokens:
            session.refresh_token = "SBX-R-" + secrets.token_urlsafe(24)
            session.refresh_expires_at = now + options.refresh_token_ttl_seconds
            self._by_refresh[session.refresh_token] = session
            answer["refresh_token"] = session.refresh_token
            answer["refresh_token_expires_in"] = options.refresh_token_ttl_seconds
        return answer

    def expire_all(self) -> None:
        """Every access token issued so far stops working now (refresh tokens still work)."""
        now = self._now()
        for session in self._by_access.values():
            session.access_expires_at = min(session.access_expires_at, now)

    def check(self, authorization: str | None, *, permission: str | None = None) -> None:
        """Raise a 401 `ApiError` unless `authorization` carries a valid, unexpired token, and a
        403 one when its session was not granted `permission`."""
        if not authorization:
            raise ApiError(401, "AGW-401", "Authorization header is not specified")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "OAU-129", "Access token corrupted")
        session = self._by_access.get(token.strip())
        if session is None:
            raise ApiError(401, "OAU-129", "Access token corrupted")
        if self._now() >= session.access_expires_at:
            raise ApiError(401, "OAU-128", "Access token expired")
        if permission is not None and permission not in session.permissions:
            raise permission_denied(permission)
