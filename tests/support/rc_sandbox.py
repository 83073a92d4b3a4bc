"""Fixtures and helpers for tests of the RingCentral client and the directory over the sandbox.

Everything runs over real loopback HTTP: a `SandboxServer` on 127.0.0.1 and a `RingCentralClient`
that logs in through the `ringcentral` SDK. Retry waits are shortened so the suite stays fast.
Use the fixtures by importing them in a conftest:
`from tests.support.rc_sandbox import rc_options, rc_sandbox, rc_capture, rc_client, rc_directory`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from yarl import URL

from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.client import ClientOptions, RetryPolicy, RingCentralClient
from bot.services.directory import Directory
from sms_handlers_sandbox.ringcentral import RequestRecord, SandboxOptions, SandboxServer, Seed

TOKEN_PATH = "/restapi/oauth/token"

FAST_RETRY = RetryPolicy(
    max_attempts=4,
    backoff_base_seconds=0.01,
    backoff_max_seconds=0.05,
    default_retry_after_seconds=0.2,
    max_wait_seconds=5.0,
)


def fast_options(**overrides: Any) -> ClientOptions:
    """Client options for tests: short waits, a 5 s timeout unless overridden."""
    base = ClientOptions(
        timeout_seconds=5.0, connect_timeout_seconds=2.0, max_concurrency=4, retry=FAST_RETRY
    )
    return dataclasses.replace(base, **overrides)


def credentials_for(server: SandboxServer) -> Credentials:
    return Credentials(
        server_url=server.url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        jwt=server.jwt,
    )


@dataclass
class SentRequest:
    """A request as the client put it on the wire."""

    method: str
    url: str  # as sent, percent-encoding included
    body: bytes

    @property
    def path(self) -> str:
        return URL(self.url, encoded=True).path

    @property
    def raw_query(self) -> str:
        return URL(self.url, encoded=True).raw_query_string

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RequestCapture:
    """Records what the client sends (method, encoded URL, body) and the peak concurrency."""

    sent: list[SentRequest] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0

    def trace_config(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()
        config.on_request_start.append(self._start)
        config.on_request_chunk_sent.append(self._chunk)
        config.on_request_end.append(self._end)
        config.on_request_exception.append(self._end)
        return config

    async def _start(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        ctx.body = b""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self.sent.append(SentRequest(params.method, str(params.url), b""))
        ctx.index = len(self.sent) - 1

    async def _chunk(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        ctx.body += params.chunk
        self.sent[ctx.index].body = ctx.body

    async def _end(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        self.in_flight -= 1


def data_requests(server: SandboxServer) -> list[RequestRecord]:
    """The sandbox's log without token calls."""
    return [r for r in server.requests if r.path != TOKEN_PATH]


def token_requests(server: SandboxServer) -> list[RequestRecord]:
    return [r for r in server.requests if r.path == TOKEN_PATH]


@asynccontextmanager
async def sandbox_client(
    server: SandboxServer,
    *,
    options: ClientOptions | None = None,
    capture: RequestCapture | None = None,
) -> AsyncIterator[RingCentralClient]:
    """A client logged in (lazily, through the SDK) to `server`, closed afterwards."""
    opts = options or fast_options()
    tokens = TokenProvider(credentials=credentials_for(server), timeout_seconds=5.0)
    traces = [capture.trace_config()] if capture else []
    async with aiohttp.ClientSession(trace_configs=traces) as session:
        client = RingCentralClient(
            server_url=server.url, tokens=tokens, options=opts, session=session
        )
        try:
            yield client
        finally:
            await client.close()


def running_sandbox(
    seed: Seed | None = None, options: SandboxOptions | None = None
) -> SandboxServer:
    """A sandbox on a free loopback port while in `async with`."""
    return SandboxServer(seed=seed, options=options)


@pytest.fixture
def rc_options() -> SandboxOptions:
    """Sandbox options (override in a test module to change them)."""
    return SandboxOptions()


@pytest.fixture
async def rc_sandbox(rc_options: SandboxOptions) -> AsyncIterator[SandboxServer]:
    """The demo account on a free loopback port."""
    async with running_sandbox(options=rc_options) as server:
        yield server


@pytest.fixture
def rc_capture() -> RequestCapture:
    return RequestCapture()


@pytest.fixture
async def rc_client(
    rc_sandbox: SandboxServer, rc_capture: RequestCapture
) -> AsyncIterator[RingCentralClient]:
    async with sandbox_client(rc_sandbox, capture=rc_capture) as client:
        yield client


@pytest.fixture
def rc_directory(rc_client: RingCentralClient) -> Directory:
    return Directory(client=rc_client, ttl_seconds=60.0)


async def penalise_light_group(server: SandboxServer) -> None:
    """Another app of the same user spends RingCentral's Light group (50 calls a minute) until
    RingCentral answers 429: the group is in its 60 s penalty for everyone."""
    tokens = TokenProvider(credentials=credentials_for(server))
    try:
        token = await tokens.token()
    finally:
        tokens.close()
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for _ in range(60):
            async with http.get(f"{server.url}/restapi/v1.0/account/~/sites") as response:
                if response.status == 429:
                    return
    raise AssertionError("RingCentral's Light group never answered 429")
