"""An aiohttp server standing in for the Slack Web API and response_url endpoints.

Point slack_sdk at it with `AsyncWebClient(token=..., base_url=standin.api_url)` (or the app's
SLACK_API_URL). It answers with Slack's shapes and error codes, checks every message and view
against Block Kit's limits, and records every call so tests and the demo console can see what
the app did.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web

from sms_handlers_sandbox.loopback import LoopbackServer
from sms_handlers_sandbox.slack.files import UPLOAD_PATH
from sms_handlers_sandbox.slack.objects import BotIdentity, JsonDict
from sms_handlers_sandbox.slack.scopes import MANIFEST_BOT_SCOPES, METHOD_SCOPES, header_value
from sms_handlers_sandbox.slack.workspace import (
    ApiError,
    ResponseTarget,
    SubmissionOutcome,
    Workspace,
    decode_json_arguments,
    missing_scope,
)

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5


@dataclass(frozen=True)
class ApiCall:
    """One request the app made: a Web API method or a response_url post, and the answer."""

    method: str
    args: JsonDict
    status: int
    response: JsonDict
    path: str
    at: float = 0.0  # time.monotonic() when it was answered (benchmarks time answers with it)

    @property
    def ok(self) -> bool:
        """Whether the stand-in answered ok: true."""
        return bool(self.response.get("ok"))


@dataclass
class _ScriptedFailure:
    method: str
    error: str
    status: int
    retry_after: int | None


@dataclass
class _Hold:
    """The next `remaining` calls of a method wait for `released` (a slow Slack)."""

    remaining: int
    released: asyncio.Event
    waiting: int = 0


class SlackStandIn(LoopbackServer, Workspace):
    """The Slack Web API of one workspace, on loopback, for tests and the demo."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-standin",
        trigger_ttl_seconds: float = 3.0,
        response_url_ttl_seconds: float = 1800.0,
        team_id: str = "T0001",
        team_name: str = "Stand-in Workspace",
        team_domain: str = "standin",
        app_id: str = "A0001",
        bot_id: str = "B0001",
        bot_user_id: str = "U0BOT0001",
        bot_name: str = "sms-handlers",
        scopes: Iterable[str] = MANIFEST_BOT_SCOPES,
    ) -> None:
        bot = BotIdentity(
            team_id=team_id,
            team_name=team_name,
            team_domain=team_domain,
            app_id=app_id,
            bot_id=bot_id,
            bot_user_id=bot_user_id,
            bot_name=bot_name,
        )
        super().__init__(bot=bot, trigger_ttl_seconds=trigger_ttl_seconds, scopes=scopes)
        self.bot_token = bot_token
        self.response_url_ttl_seconds = response_url_ttl_seconds
        self.calls: list[ApiCall] = []
        self._failures: list[_ScriptedFailure] = []
        self._holds: dict[str, _Hold] = {}
        self._call_made = asyncio.Event()
        self._base_url = ""

    # ----- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (port 0 picks a free one); api_url is valid afterwards."""
        self._base_url = await self._listen(host, port)
        self.files.base_url = self._base_url

    async def stop(self) -> None:
        """Let held calls answer, then stop serving."""
        for hold in self._holds.values():
            hold.released.set()
        await super().stop()

    def _application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        # Shaped like Slack's https://hooks.slack.com/actions/T…/…/KEY (and /commands/…).
        app.router.add_post("/{kind:actions|commands}/{team}/{id}/{key}", self._handle_response_url)
        # Where files.getUploadURLExternal's upload_url points (files.slack.com/upload/v1/… in
        # Slack).
        app.router.add_post(UPLOAD_PATH + "{ticket}", self._handle_upload)
        return app

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        if not self._base_url:
            raise RuntimeError("the Slack stand-in is not started; call start() first")
        return self._base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL, for AsyncWebClient(base_url=...) or SLACK_API_URL."""
        return f"{self.base_url}/api/"

    # ----- what Slack gives the app ----------------------------------------------------------

    def response_url(
        self, *, channel_id: str = "", user_id: str = "", message_ts: str | None = None
    ) -> str:
        """A fresh response_url on this server (5 uses, 30 minutes), tied to where it came from."""
        key = self.add_response_target(
            channel_id=channel_id, user_id=user_id, message_ts=message_ts
        )
        return f"{self.base_url}/actions/{self.bot.team_id}/{secrets.randbelow(10**12)}/{key}"

    def fail_next(
        self, method: str, error: str, *, status: int = 200, retry_after: int | None = None
    ) -> None:
        """Answer the next call of `method` (or "response_url") with this error instead."""
        self._failures.append(_ScriptedFailure(method, error, status, retry_after))

    def hold(self, method: str, *, times: int = 1) -> None:
        """Keep the next `times` calls of `method` waiting, unanswered, until `release(method)`
        (a Slack that takes its time); `holding(method)` says how many wait now."""
        self._holds[method] = _Hold(remaining=times, released=asyncio.Event())

    def release(self, method: str) -> None:
        """Answer the held calls of `method`, and hold no more."""
        hold = self._holds.pop(method, None)
        if hold is not None:
            hold.released.set()

    def holding(self, method: str) -> int:
        """Calls of `method` waiting for `release` right now."""
        hold = self._holds.get(method)
        return 0 if hold is None else hold.waiting

    async def _wait_if_held(self, method: str) -> None:
        hold = self._holds.get(method)
        if hold is None or hold.remaining <= 0:
            return
        hold.remaining -= 1
        hold.waiting += 1
        try:
            await hold.released.wait()
        finally:
            hold.waiting -= 1

    # ----- what the app did ---------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def rejected_payloads(self) -> list[ApiCall]:
        """Calls refused for malformed content (Block Kit checks, bad JSON), in order."""
        return [call for call in self.calls if _malformed(call.response)]

    async def settle(
        self,
        *,
        quiet_seconds: float = 0.3,
        first_call_seconds: float | None = None,
        timeout_seconds: float = 5.0,
        since: int | None = None,
    ) -> None:
        """Wait until the app made no call for quiet_seconds (or timeout_seconds passed).

        Calls are counted from `since` (len(calls) taken before the interaction was sent;
        default now). Before the app's first new call the quiet window is first_call_seconds
        (default the same), so slow work started by an interaction is not mistaken for none.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        seen = len(self.calls) if since is None else since
        quiet_since = loop.time()
        window = quiet_seconds if first_call_seconds is None else first_call_seconds
        while loop.time() < deadline:
            await asyncio.sleep(0.02)
            if len(self.calls) != seen:
                seen, quiet_since, window = len(self.calls), loop.time(), quiet_seconds
            elif loop.time() - quiet_since >= window:
                return

    async def next_call(self, *, timeout_seconds: float) -> bool:
        """Wait for the app's next call; False if none came within timeout_seconds."""
        try:
            await asyncio.wait_for(self._call_made.wait(), timeout_seconds)
        except TimeoutError:
            return False
        return True

    async def wait_for_call(
        self, method: str, *, count: int = 1, timeout_seconds: float = 5.0
    ) -> ApiCall:
        """Wait until `method` was called `count` times; the count-th call."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        while len(self.calls_to(method)) < count:
            if loop.time() >= deadline:
                raise TimeoutError(f"{method} was called {len(self.calls_to(method))} times")
            await asyncio.sleep(0.02)
        return self.calls_to(method)[count - 1]

    # ----- what the Slack client does with the app's acknowledgements ---------------------------

    def deliver_command_ack(self, *, channel_id: str, user_id: str, body: JsonDict) -> ApiCall:
        """Show a slash command's synchronous answer (text/blocks) like Slack does; recorded."""
        target = ResponseTarget(channel_id, user_id, None, time.monotonic())
        try:
            self.deliver_response(target, body)
            answer: JsonDict = {"ok": True}
        except ApiError as error:
            answer = error.body()
        self._record("command_ack", body, 200, answer)
        return self.calls[-1]

    def apply_submission_ack(self, *, view_id: str, body: JsonDict | None) -> SubmissionOutcome:
        """Apply the app's answer to a view_submission of `view_id`; recorded as response_action."""
        outcome, verdict = self.submission_outcome(view_id=view_id, body=body)
        if verdict is not None:
            self._record("response_action", dict(body or {}), 200, verdict)
        return outcome

    # ----- HTTP -------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_arguments(request)
        await self._wait_if_held(method)
        token = _bearer(request) or args.pop("token", None)
        status, headers = 200, {}
        try:
            failure = self._scripted(method)
            if failure is not None:
                status = failure.status
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                raise ApiError(failure.error)
            if method not in self.methods:
                raise ApiError("unknown_method")
            if not token:
                raise ApiError("not_authed")
            if token != self.bot_token:
                raise ApiError("invalid_auth")
            accepted = METHOD_SCOPES.get(method, ())
            headers["x-oauth-scopes"] = header_value(self.scopes)
            headers["x-accepted-oauth-scopes"] = header_value(accepted)
            if accepted and not set(accepted) & set(self.scopes):
                raise missing_scope(accepted[0], self.scopes)
            decode_json_arguments(args)
            body = self.methods[method](args)
        except ApiError as error:
            body = error.body()
        self._record(method, args, status, body, path=request.path)
        if not body.get("ok"):
            log.info("slack stand-in: %s answered %s", method, body.get("error"))
        return web.json_response(body, status=status, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        target = self.response_target(request.match_info["key"])
        status = 200
        try:
            args: JsonDict = await request.json()
        except ValueError:
            args = {}
        try:
            failure = self._scripted("response_url")
            if failure is not None:
                status = failure.status
                raise ApiError(failure.error)
            if target is None:
                status = 404
                raise ApiError("invalid_url")
            if time.monotonic() - target.issued_at > self.response_url_ttl_seconds:
                status = 404
                raise ApiError("expired_url")
            if target.uses >= RESPONSE_URL_USES:
                status = 404
                raise ApiError("used_url")
            if not isinstance(args, dict) or not args:
                status = 400
                raise ApiError("invalid_payload")
            target.uses += 1
            self.deliver_response(target, args)
            body: JsonDict = {"ok": True}
        except ApiError as error:
            body = error.body()
        self._record("response_url", args, status, body, path=request.path)
        return web.json_response(body, status=status)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """A file's bytes, raw or as multipart form data (Slack takes either); 200 when taken."""
        content = await _uploaded_bytes(request)
        failure = self._scripted("upload")
        if failure is not None:
            status, text = failure.status, failure.error
        elif self.files.receive(request.match_info["ticket"], content):
            status, text = 200, f"OK - {len(content)}"
        else:
            status, text = 404, "Not Found"
        self._record("upload", {"bytes": len(content)}, status, {"ok": status == 200}, request.path)
        return web.Response(status=status, text=text)

    def _record(
        self, method: str, args: JsonDict, status: int, body: JsonDict, path: str = ""
    ) -> None:
        self.calls.append(
            ApiCall(
                method, copy.deepcopy(args), status, copy.deepcopy(body), path, time.monotonic()
            )
        )
        self._call_made.set()
        self._call_made = asyncio.Event()

    def _scripted(self, method: str) -> _ScriptedFailure | None:
        for index, failure in enumerate(self._failures):
            if failure.method == method:
                return self._failures.pop(index)
        return None


async def _read_arguments(request: web.Request) -> JsonDict:
    """Query, form and JSON arguments merged, as Slack accepts all three."""
    args: JsonDict = dict(request.query)
    raw = await request.read()
    if not raw:
        return args
    if request.content_type == "application/json":
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            args.update(parsed)
    else:
        args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return args


async def _uploaded_bytes(request: web.Request) -> bytes:
    """The file in an upload: the body, or the first part of a multipart form holding a file."""
    if request.content_type != "multipart/form-data":
        return await request.read()
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and (part.filename or part.name == "file"):
            return bytes(await part.read())
    return b""


def _malformed(response: JsonDict) -> bool:
    error = response.get("error")
    if error in ("invalid_blocks", "invalid_blocks_format"):
        return True
    details = response.get("response_metadata", {}).get("messages", [])
    return error == "invalid_arguments" and any("[json-pointer:" in m for m in details)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer ") :] if header.startswith("Bearer ") else None
