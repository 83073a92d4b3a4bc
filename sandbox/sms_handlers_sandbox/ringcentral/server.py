"""The sandbox HTTP server: routing, auth, rate limits, faults, latency and the request log."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from sms_handlers_sandbox.loopback import LoopbackServer
from sms_handlers_sandbox.ringcentral.account import Account
from sms_handlers_sandbox.ringcentral.errors import (
    ApiError,
    OAuthError,
    json_response,
    not_found,
    status_error,
)
from sms_handlers_sandbox.ringcentral.faults import FaultBook
from sms_handlers_sandbox.ringcentral.handlers import Handlers
from sms_handlers_sandbox.ringcentral.options import Fault, RequestRecord, SandboxOptions
from sms_handlers_sandbox.ringcentral.ratelimit import RateLimiter, format_seconds
from sms_handlers_sandbox.ringcentral.seed import Seed, demo_seed
from sms_handlers_sandbox.ringcentral.tokens import TokenStore

logger = logging.getLogger(__name__)

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
RECEIVED_AT = web.RequestKey("received_at", float)  # when a request arrived

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]

# The application permission each operation needs (x-app-permission in RingCentral's spec).
APP_PERMISSIONS = {
    "listExtensions": "ReadAccounts",
    "listCallQueues": "ReadAccounts",
    "listSites": "ReadAccounts",
    "readIvrMenuList": "ReadAccounts",
    "listAccountPhoneNumbersV2": "ReadAccounts",
    "listExtensionPhoneNumbers": "ReadAccounts",
    "getSmsRecipients": "ReadAccounts",
    "bulkAssignSmsRecipients": "EditExtensions",
    "readExtensionFeatures": "ReadAccounts",
}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation_id: str
    rate_group: str
    handler: Handler
    permission: str | None  # the application permission it needs (the spec's x-app-permission)


def _sandbox_jwt(account_id: str, owner_id: int) -> str:
    """A JWT-shaped credential (not signed: only this sandbox accepts it)."""

    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part({"alg": "none", "typ": "JWT", "kid": "sms-handlers-sandbox"})
    payload = part({"iss": "sms-handlers-sandbox", "sub": str(owner_id), "acc": account_id})
    return f"{header}.{payload}.sandbox"


class SandboxServer(LoopbackServer):
    """A local RingCentral for tests and demos, seeded with one account."""

    client_id = "sandbox-client-id"
    client_secret = "sandbox-client-secret"

    def __init__(
        self,
        seed: Seed | None = None,
        options: SandboxOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` (monotonic seconds) times tokens and rate-limit windows; tests move their own."""
        self.seed = seed if seed is not None else demo_seed()
        self.options = options if options is not None else SandboxOptions()
        self.account = Account(self.seed)
        self.jwt = _sandbox_jwt(self.seed.account_id, self.seed.owner_extension_id)
        self.requests: list[RequestRecord] = []
        self.url = ""
        self._clock = clock
        self._handlers = Handlers(self.account, self.options)
        self._tokens = TokenStore(self.options, str(self.seed.owner_extension_id), clock=clock)
        self._limiter = RateLimiter(self.options, clock=clock)
        self._faults = FaultBook()
        self._routes = self._build_routes()
        self._stopping = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on `host:port` (port 0 picks a free one); only loopback addresses."""
        self._stopping = asyncio.Event()
        self.url = await self._listen(host, port)

    def _application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def stop(self) -> None:
        self._stopping.set()  # ends hanging requests
        await super().stop()

    # -- test controls ---------------------------------------------------------------------

    def inject_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def expire_tokens(self) -> None:
        self._tokens.expire_all()

    def reset_rate_limits(self) -> None:
        self._limiter.reset()

    @property
    def penalty_restarts(self) -> int:
        """Requests that came during a rate group's penalty (each restarted it, as RingCentral's
        do); a client that shares what it learnt keeps this at 0."""
        return self._limiter.penalty_restarts

    def sms_recipients(self, extension_id: str) -> list[str]:
        return [str(ext_id) for ext_id in self.account.recipients.get(int(extension_id), [])]

    def set_sms_recipients(self, extension_id: str, ids: list[str]) -> None:
        unknown = [i for i in ids if not i.isdigit() or int(i) not in self.account.extensions]
        if unknown:
            raise ValueError(f"not extensions of the sandbox account: {', '.join(unknown)}")
        self.account.recipients[int(extension_id)] = [int(i) for i in ids]

    def set_extension_status(self, extension_id: str, status: str) -> None:
        """What an admin does in RingCentral's admin portal: e.g. `Disabled` for a user who left
        (the extension list then reports that status)."""
        self.account.set_status(int(extension_id), status)

    def delete_extension(self, extension_id: str) -> None:
        """What an admin does in RingCentral's admin portal: delete an extension (it leaves the
        extension list and every SMS recipients list)."""
        self.account.delete(int(extension_id))

    # -- routing ---------------------------------------------------------------------------

    def _build_routes(self) -> list[Route]:
        h = self._handlers
        v1 = r"/restapi/v1\.0/account/(?P<account>[^/]+)"
        ext = v1 + r"/extension/(?P<ext>[^/]+)"
        table: list[tuple[str, str, str, str, Handler]] = [
            ("POST", r"/restapi/oauth/token", "getToken", "Auth", self._token),
            ("GET", v1 + r"/extension", "listExtensions", "Medium", h.list_extensions),
            ("GET", v1 + r"/call-queues", "listCallQueues", "Medium", h.list_call_queues),
            ("GET", v1 + r"/sites", "listSites", "Light", h.list_sites),
            ("GET", v1 + r"/ivr-menus", "readIvrMenuList", "Medium", h.list_ivr_menus),
            (
                "GET",
                r"/restapi/v2/accounts/(?P<account>[^/]+)/phone-numbers",
                "listAccountPhoneNumbersV2",
                "Heavy",
                h.list_account_numbers,
            ),
            (
                "GET",
                ext + r"/phone-number",
                "listExtensionPhoneNumbers",
                "Light",
                h.list_extension_numbers,
            ),
            ("GET", ext + r"/sms-recipients", "getSmsRecipients", "Light", h.get_sms_recipients),
            (
                "POST",
                ext + r"/sms-recipients/bulk-assign",
                "bulkAssignSmsRecipients",
                "Medium",
                h.bulk_assign,
            ),
            ("GET", ext + r"/features", "readExtensionFeatures", "Medium", h.read_features),
        ]
        return [
            Route(method, re.compile(pattern), op, group, handler, APP_PERMISSIONS.get(op))
            for method, pattern, op, group, handler in table
        ]

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for this request; raises 405/404 `ApiError`s for unknown ones."""
        path = path.rstrip("/") or "/"
        path_matched = False
        for route in self._routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method:
                return route, found.groupdict()
        if path_matched:
            raise status_error(405)
        return None

    # -- request pipeline ------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        request[RECEIVED_AT] = self._clock()
        try:
            matched = self._match(request.method, request.path)
        except ApiError as error:
            return self._log(request, None, error.response())
        route, params = matched if matched is not None else (None, {})
        group = route.rate_group if route is not None else None
        if self.options.latency_seconds > 0:
            await asyncio.sleep(self.options.latency_seconds)
        fault = self._faults.take(request.method, request.path)
        if fault is not None and not fault.handled:
            return await self._misbehave(request, group, fault, carried_out=False)
        if route is None:
            return self._log(request, None, not_found("path").response())
        headers: dict[str, str] = {}
        carried_out = False
        try:
            if route.rate_group != "Auth":
                try:
                    self._tokens.check(
                        request.headers.get("Authorization"), permission=route.permission
                    )
                except ApiError as error:
                    error.headers.update(self._limiter.peek(route.rate_group))
                    raise
            headers = self._limiter.admit(route.rate_group)
            account = params.get("account")
            if account is not None and account not in {"~", self.account.id}:
                raise not_found("accountId")
            carried_out = True
            response = await route.handler(request, params)
        except (ApiError, OAuthError) as error:
            response = error.response()
        except Exception:
            logger.exception("sandbox: %s %s failed", request.method, request.path)
            response = status_error(500).response()
        response.headers.update(headers)
        if fault is not None:  # carried out; now its answer is held, lost or replaced
            if fault.status is None and not (fault.hang or fault.drop):
                await self._released(fault)
                return self._log(request, group, response, carried_out=carried_out)
            return await self._misbehave(request, group, fault, carried_out=carried_out)
        return self._log(request, group, response, carried_out=carried_out)

    def _log(
        self,
        request: web.Request,
        group: str | None,
        response: web.Response,
        *,
        carried_out: bool = False,
    ) -> web.Response:
        self._record(request, group, response.status, carried_out=carried_out)
        return response

    def _record(
        self, request: web.Request, group: str | None, status: int, *, carried_out: bool = False
    ) -> None:
        query = list(request.query.items())
        now = self._clock()
        received_at = request.get(RECEIVED_AT, now)
        self.requests.append(
            RequestRecord(
                request.method, request.path, query, group, status, carried_out, received_at, now
            )
        )

    async def _released(self, fault: Fault) -> None:
        """Wait for the fault's `release` event (if it has one) or the server's stop."""
        if fault.release is None:
            return
        waits = {
            asyncio.ensure_future(fault.release.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        }
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _misbehave(
        self, request: web.Request, group: str | None, fault: Fault, *, carried_out: bool
    ) -> web.StreamResponse:
        if fault.hang or fault.drop:
            self._record(request, group, 0, carried_out=carried_out)
            await self._released(fault)
            if fault.hang:
                await self._hang(request)
            transport = request.transport
            if transport is not None:
                transport.abort()
            raise asyncio.CancelledError
        await self._released(fault)
        status = fault.status or 503
        headers = self._limiter.peek(group) if group is not None else {}
        if fault.retry_after is not None:
            headers["Retry-After"] = format_seconds(fault.retry_after)
        if fault.body is not None:
            kind = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
            response = web.Response(
                status=status, text=fault.body, content_type=kind, headers=headers
            )
        else:
            error = status_error(status)
            response = json_response(error.body(), status=status, headers=headers)
        return self._log(request, group, response, carried_out=carried_out)

    async def _hang(self, request: web.Request) -> None:
        """Wait until the client gives up or the server stops."""
        while not self._stopping.is_set():
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=0.05)
            except TimeoutError:
                continue

    # -- OAuth -----------------------------------------------------------------------------

    async def _token(self, request: web.Request, params: dict[str, str]) -> web.Response:
        client = _basic_credentials(request.headers.get("Authorization"))
        if client is None:
            raise OAuthError(401, "invalid_client", "OAU-123", "Client authentication is required")
        if client != (self.client_id, self.client_secret):
            raise OAuthError(401, "invalid_client", "OAU-153", "Invalid client credentials")
        if request.content_type != "application/x-www-form-urlencoded":
            raise OAuthError(
                415,
                "invalid_request",
                "OAU-250",
                "Send the token request as application/x-www-form-urlencoded",
            )
        form = await request.post()
        grant = str(form.get("grant_type", ""))
        ttl_raw = str(form.get("access_token_ttl", ""))
        requested_ttl = int(ttl_raw) if ttl_raw.isdigit() else None
        if grant == JWT_GRANT:
            assertion = str(form.get("assertion", ""))
            if not assertion:
                raise OAuthError(
                    400, "invalid_request", "OAU-145", "Parameter [assertion] is required"
                )
            if assertion != self.jwt:
                raise OAuthError(400, "invalid_grant", "OAU-144", "Invalid JWT assertion")
            answer = self._tokens.issue(requested_ttl=requested_ttl)
        elif grant == "refresh_token":
            token = str(form.get("refresh_token", ""))
            if not token:
                raise OAuthError(
                    400, "invalid_request", "OAU-145", "Parameter [refresh_token] is required"
                )
            try:
                answer = self._tokens.refresh(token, requested_ttl=requested_ttl)
            except KeyError:
                raise OAuthError(
                    400, "invalid_grant", "OAU-211", "Refresh token is invalid or expired"
                ) from None
        elif not grant:
            raise OAuthError(
                400, "invalid_request", "OAU-145", "Parameter [grant_type] is required"
            )
        else:
            raise OAuthError(
                400, "unsupported_grant_type", "OAU-251", f"Unsupported grant type [{grant}]"
            )
        return json_response(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None
