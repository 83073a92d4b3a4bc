"""The real `ringcentral` SDK (synchronous) logs in against the sandbox and calls the API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ringcentral import SDK

from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer


def sdk_platform(sandbox: SandboxServer) -> Any:
    return SDK(sandbox.client_id, sandbox.client_secret, sandbox.url).platform()


async def test_sdk_logs_in_with_the_jwt_and_reads_extensions(sandbox: SandboxServer) -> None:
    platform = sdk_platform(sandbox)

    await asyncio.to_thread(platform.login, jwt=sandbox.jwt)
    response = await asyncio.to_thread(
        platform.get, "/restapi/v1.0/account/~/extension", {"type": "Department"}
    )

    names = [record["name"] for record in response.json_dict()["records"]]
    assert names == ["Support", "Sales", "Billing", "Support Escalations"]
    assert [(r.path, r.status) for r in sandbox.requests] == [
        ("/restapi/oauth/token", 200),
        ("/restapi/v1.0/account/~/extension", 200),
    ]


async def test_sdk_login_with_a_wrong_jwt_fails(sandbox: SandboxServer) -> None:
    platform = sdk_platform(sandbox)

    with pytest.raises(Exception, match=r"HTTP 400.*invalid_grant"):
        await asyncio.to_thread(platform.login, jwt="eyJ.not.it")


async def test_sdk_refreshes_an_expired_token_with_the_refresh_grant() -> None:
    async with SandboxServer(options=SandboxOptions(token_ttl_seconds=1)) as sandbox:
        platform = sdk_platform(sandbox)
        await asyncio.to_thread(platform.login, jwt=sandbox.jwt)
        first_token = platform.auth().access_token()
        await asyncio.sleep(1.1)

        response = await asyncio.to_thread(platform.get, "/restapi/v1.0/account/~/sites")

        assert response.ok()
        assert platform.auth().access_token() != first_token
        assert [r.path for r in sandbox.requests].count("/restapi/oauth/token") == 2
