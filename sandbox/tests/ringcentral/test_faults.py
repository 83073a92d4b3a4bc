"""Scripted faults (status, body, hang, drop; count and skip) and latency."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sandbox.tests.ringcentral.conftest import Api
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer

SITES = "/restapi/v1.0/account/~/sites"
BULK = "/restapi/v1.0/account/~/extension/4001/sms-recipients/bulk-assign"


async def test_status_fault_answers_with_a_ringcentral_error_body(
    sandbox: SandboxServer, api: Api
) -> None:
    sandbox.inject_fault(Fault(path_pattern="/sites$", status=503, retry_after=2))

    first = await api.get(SITES)
    second = await api.get(SITES)

    assert first.status == 503
    assert first.headers["Retry-After"] == "2"
    assert first.json["errors"][0]["errorCode"] == "CMN-201"
    assert second.status == 200


async def test_the_second_bulk_assign_fails(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="bulk-assign", method="POST", status=503, skip=1))
    body = {"addedExtensionIds": ["6005"]}

    first = await api.request("POST", BULK, json_body=body)
    second = await api.request("POST", BULK, json_body={"addedExtensionIds": ["6006"]})
    third = await api.request("POST", BULK, json_body={"addedExtensionIds": ["6006"]})

    assert [first.status, second.status, third.status] == [204, 503, 204]
    assert sandbox.sms_recipients("4001") == ["6001", "6002", "6005", "6006"]


async def test_fault_applies_the_given_number_of_times(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", status=500, times=2))

    statuses = [(await api.get(SITES)).status for _ in range(3)]

    assert statuses == [500, 500, 200]


async def test_fault_only_for_its_method(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", method="POST", status=500))

    assert (await api.get(SITES)).status == 200


async def test_non_json_error_body(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", status=502, body="<html>Bad gateway</html>"))

    answer = await api.get(SITES)

    assert answer.status == 502
    assert answer.text == "<html>Bad gateway</html>"
    assert answer.headers["Content-Type"].startswith("text/html")


async def test_scripted_429_uses_the_rate_limit_body(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", status=429, retry_after=1))

    answer = await api.get(SITES)

    assert answer.status == 429
    assert answer.headers["Retry-After"] == "1"
    assert answer.json["errors"][0]["errorCode"] == "CMN-301"


async def test_hang_never_answers_until_the_client_gives_up(
    sandbox: SandboxServer, api: Api
) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", hang=True))

    with pytest.raises(asyncio.TimeoutError):
        await api.get(SITES, client_timeout=0.3)

    assert (await api.get(SITES)).status == 200
    assert [r.status for r in sandbox.requests if r.path == SITES] == [0, 200]


async def test_stop_ends_a_hanging_request(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", hang=True))
    pending = asyncio.create_task(api.get(SITES, client_timeout=10))
    for _ in range(500):  # until the sandbox holds the request
        if sandbox.requests and sandbox.requests[-1].path == SITES:
            break
        await asyncio.sleep(0.01)

    await sandbox.stop()

    with pytest.raises(aiohttp.ClientError):
        await pending


async def test_drop_closes_the_connection_without_an_answer(
    sandbox: SandboxServer, api: Api
) -> None:
    # aiohttp resends an idempotent request once when the server disconnects: drop both.
    sandbox.inject_fault(Fault(path_pattern="sites", drop=True, times=2))

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.get(SITES)

    assert (await api.get(SITES)).status == 200
    assert [r.status for r in sandbox.requests if r.path == SITES] == [0, 0, 200]


async def test_dropped_bulk_assign_is_not_resent(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="bulk-assign", drop=True))

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.request("POST", BULK, json_body={"addedExtensionIds": ["6005"]})

    assert sandbox.sms_recipients("4001") == ["6001", "6002"]


async def test_clear_faults(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="sites", status=500, times=5))

    sandbox.clear_faults()

    assert (await api.get(SITES)).status == 200


async def test_latency_delays_every_answer(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.latency_seconds = 0.5

    with pytest.raises(asyncio.TimeoutError):
        await api.get(SITES, client_timeout=0.2)

    sandbox.options.latency_seconds = 0.0
    assert (await api.get(SITES)).status == 200


async def test_request_log_records_method_path_query_group_and_status(
    sandbox: SandboxServer, api: Api
) -> None:
    await api.get("/restapi/v1.0/account/~/extension", [("type", "User"), ("type", "Site")])
    await api.request("POST", BULK, json_body={"addedExtensionIds": ["6009"]})

    token, listing, bulk = sandbox.requests
    assert (token.method, token.path, token.rate_group, token.status) == (
        "POST", "/restapi/oauth/token", "Auth", 200,
    )  # fmt: skip
    assert listing.query == [("type", "User"), ("type", "Site")]
    assert (listing.rate_group, listing.status) == ("Medium", 200)
    assert (bulk.method, bulk.rate_group, bulk.status) == ("POST", "Medium", 204)


async def test_a_handled_drop_makes_the_change_then_loses_the_answer(
    sandbox: SandboxServer, api: Api
) -> None:
    sandbox.inject_fault(Fault(path_pattern="bulk-assign", handled=True, drop=True))

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.request("POST", BULK, json_body={"addedExtensionIds": ["6005"]})

    assert sandbox.sms_recipients("4001") == ["6001", "6002", "6005"]
    [bulk] = [r for r in sandbox.requests if r.path == BULK]
    assert (bulk.status, bulk.carried_out) == (0, True)


async def test_an_unhandled_fault_is_not_carried_out(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault(Fault(path_pattern="bulk-assign", status=500))

    answer = await api.request("POST", BULK, json_body={"addedExtensionIds": ["6005"]})

    assert answer.status == 500
    assert sandbox.sms_recipients("4001") == ["6001", "6002"]
    [bulk] = [r for r in sandbox.requests if r.path == BULK]
    assert (bulk.status, bulk.carried_out) == (500, False)


async def test_a_released_fault_holds_the_real_answer_until_released(
    sandbox: SandboxServer, api: Api
) -> None:
    release = asyncio.Event()
    sandbox.inject_fault(
        Fault(path_pattern="bulk-assign", handled=True, status=None, release=release)
    )
    sending = asyncio.create_task(
        api.request("POST", BULK, json_body={"addedExtensionIds": ["6005"]})
    )
    for _ in range(500):  # until the change is made
        if "6005" in sandbox.sms_recipients("4001"):
            break
        await asyncio.sleep(0.01)

    assert not sending.done() and [r for r in sandbox.requests if r.path == BULK] == []
    release.set()
    answer = await sending

    assert answer.status == 204
    [bulk] = [r for r in sandbox.requests if r.path == BULK]
    assert (bulk.status, bulk.carried_out) == (204, True)
