"""Fixtures for the sandbox's own tests: a running sandbox and a small HTTP helper."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@dataclass
class Api:
    """Raw HTTP against the sandbox, the way a RingCentral client would talk to it."""

    sandbox: SandboxServer
    http: aiohttp.ClientSession
    token: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        client_timeout: float | None = None,
    ) -> Answer:
        all_headers = {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        all_headers.update(headers or {})
        async with self.http.request(
            method,
            self.sandbox.url + path,
            params=params,
            json=json_body,
            data=data,
            headers=all_headers,
            timeout=aiohttp.ClientTimeout(total=client_timeout) if client_timeout else None,
        ) as response:
            return Answer(response.status, dict(response.headers), await response.text())

    async def get(self, path: str, params: Any = None, **kwargs: Any) -> Answer:
        return await self.request("GET", path, params=params, **kwargs)

    async def token_call(self, form: dict[str, str], *, auth: str | None = None) -> Answer:
        header = (
            auth if auth is not None else basic(self.sandbox.client_id, self.sandbox.client_secret)
        )
        return await self.request(
            "POST", "/restapi/oauth/token", data=form, headers={"Authorization": header}
        )

    async def login(self) -> dict[str, Any]:
        answer = await self.token_call({"grant_type": JWT_GRANT, "assertion": self.sandbox.jwt})
        assert answer.status == 200, answer.text
        tokens: dict[str, Any] = answer.json
        self.token = tokens["access_token"]
        return tokens


@pytest.fixture
def options() -> SandboxOptions:
    return SandboxOptions()


@pytest.fixture
def sandbox_clock() -> Callable[[], float]:
    """The sandbox's clock for tokens and rate limits (a module may override it)."""
    return time.monotonic


@pytest.fixture
async def sandbox(
    options: SandboxOptions, sandbox_clock: Callable[[], float]
) -> AsyncIterator[SandboxServer]:
    async with SandboxServer(options=options, clock=sandbox_clock) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def api(sandbox: SandboxServer, http: aiohttp.ClientSession) -> Api:
    client = Api(sandbox, http)
    await client.login()
    return client


@pytest.fixture
async def anonymous(sandbox: SandboxServer, http: aiohttp.ClientSession) -> Api:
    return Api(sandbox, http)
