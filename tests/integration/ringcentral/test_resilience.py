"""Rate limits, server errors, hangs, dropped connections and unreadable answers."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.ringcentral.errors import (
    RingCentralBadResponse,
    RingCentralNotFound,
    RingCentralRateLimited,
    RingCentralRequestRejected,
    RingCentralTimeout,
    RingCentralUnavailable,
)
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer
from tests.support.rc_sandbox import (
    FAST_RETRY,
    RequestCapture,
    data_requests,
    fast_options,
    sandbox_client,
)

RECIPIENTS = r"/extension/4001/sms-recipients$"
BULK = r"/sms-recipients/bulk-assign$"
SUPPORT = "4001"


def statuses(server: SandboxServer, pattern: str) -> list[int]:
    return [r.status for r in data_requests(server) if r.path.endswith(pattern)]


async def test_a_429_is_waited_out_for_retry_after_and_retried(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, status=429, retry_after=0.2))
    async with sandbox_client(rc_sandbox) as client:
        recipients = await client.get_sms_recipients(extension_id=SUPPORT)

    assert {r.name for r in recipients} == {"Ava Chen", "Ben Ortiz"}
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [429, 200]


async def test_a_429_without_retry_after_waits_the_default(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, status=429))
    async with sandbox_client(rc_sandbox) as client:  # default wait shortened to 0.2 s
        recipients = await client.get_sms_recipients(extension_id=SUPPORT)

    assert len(recipients) == 2
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [429, 200]


async def test_a_retry_after_longer_than_the_client_accepts_is_reported_not_slept(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, status=429, retry_after=120))
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralRateLimited) as caught:
            await client.get_sms_recipients(extension_id=SUPPORT)

    assert caught.value.status == 429
    assert caught.value.error_code == "CMN-301"
    assert caught.value.retry_after == 120
    assert "Try again in 120 s" in str(caught.value)
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [429]


async def test_a_503_on_a_get_is_retried(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, status=503, times=2))
    async with sandbox_client(rc_sandbox) as client:
        recipients = await client.get_sms_recipients(extension_id=SUPPORT)

    assert len(recipients) == 2
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [503, 503, 200]


async def test_a_get_that_keeps_failing_gives_up_after_the_attempts(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, status=500, times=10))
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralUnavailable) as caught:
            await client.get_sms_recipients(extension_id=SUPPORT)

    assert caught.value.status == 500
    assert "reading the SMS handlers of extension 4001" in str(caught.value)
    assert len(statuses(rc_sandbox, "/4001/sms-recipients")) == FAST_RETRY.max_attempts


async def test_a_503_without_retry_after_on_bulk_assign_is_not_repeated(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.inject_fault(Fault(BULK, status=503))
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralUnavailable) as caught:
            await client.bulk_assign_sms_recipients(extension_id=SUPPORT, added=["6003"])

    assert caught.value.status == 503
    assert statuses(rc_sandbox, "/bulk-assign") == [503]
    assert "6003" not in rc_sandbox.sms_recipients(SUPPORT)


async def test_a_503_with_retry_after_on_bulk_assign_is_retried_once_applied(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.inject_fault(Fault(BULK, status=503, retry_after=0.1))
    async with sandbox_client(rc_sandbox) as client:
        calls = await client.bulk_assign_sms_recipients(extension_id=SUPPORT, added=["6003"])

    assert calls == 1
    assert statuses(rc_sandbox, "/bulk-assign") == [503, 204]
    assert "6003" in rc_sandbox.sms_recipients(SUPPORT)


async def test_a_429_on_bulk_assign_is_retried(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(BULK, status=429, retry_after=0.1))
    async with sandbox_client(rc_sandbox) as client:
        await client.bulk_assign_sms_recipients(extension_id=SUPPORT, removed=["6002"])

    assert statuses(rc_sandbox, "/bulk-assign") == [429, 204]
    assert rc_sandbox.sms_recipients(SUPPORT) == ["6001"]


async def test_a_hanging_get_hits_the_timeout_and_is_retried(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, hang=True))
    options = fast_options(timeout_seconds=0.5)
    async with sandbox_client(rc_sandbox, options=options) as client:
        recipients = await client.get_sms_recipients(extension_id=SUPPORT)

    assert len(recipients) == 2
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [0, 200]


async def test_a_get_that_always_hangs_ends_in_a_timeout_error(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, hang=True, times=5))
    retry = dataclasses.replace(FAST_RETRY, max_attempts=2)
    options = fast_options(timeout_seconds=0.3, retry=retry)
    async with sandbox_client(rc_sandbox, options=options) as client:
        with pytest.raises(RingCentralTimeout) as caught:
            await client.get_sms_recipients(extension_id=SUPPORT)

    assert "did not answer in time" in str(caught.value)
    assert "0.3 s" in caught.value.details
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [0, 0]


async def test_a_hanging_bulk_assign_is_not_repeated_and_says_it_may_have_applied(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.inject_fault(Fault(BULK, hang=True))
    async with sandbox_client(rc_sandbox, options=fast_options(timeout_seconds=0.3)) as client:
        with pytest.raises(RingCentralTimeout) as caught:
            await client.bulk_assign_sms_recipients(extension_id=SUPPORT, added=["6003"])

    assert "may or may not have been applied" in str(caught.value)
    assert statuses(rc_sandbox, "/bulk-assign") == [0]


async def test_a_dropped_connection_on_a_get_is_retried(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, drop=True))
    async with sandbox_client(rc_sandbox) as client:
        recipients = await client.get_sms_recipients(extension_id=SUPPORT)

    assert len(recipients) == 2
    assert statuses(rc_sandbox, "/4001/sms-recipients") == [0, 200]


async def test_a_non_json_error_body_still_gives_a_clear_error(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(BULK, status=502, body="<html><h1>Bad gateway</h1></html>"))
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralUnavailable) as caught:
            await client.bulk_assign_sms_recipients(extension_id=SUPPORT, added=["6003"])

    error = caught.value
    assert error.status == 502
    assert error.error_code is None
    assert "changing the SMS handlers of extension 4001" in str(error)
    assert "Bad gateway" in error.details and "HTTP 502" in error.details
    assert "Bad gateway" not in str(error) and "<html>" not in str(error)


async def test_a_non_json_success_body_is_a_bad_response(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.inject_fault(Fault(RECIPIENTS, status=200, body="<html>maintenance</html>"))
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralBadResponse) as caught:
            await client.get_sms_recipients(extension_id=SUPPORT)

    assert "not JSON" in caught.value.details
    assert "maintenance" not in str(caught.value)


async def test_a_refused_change_carries_ringcentral_code_and_message(
    rc_sandbox: SandboxServer,
) -> None:
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralRequestRejected) as caught:
            # 4002 is a call queue, not a user: RingCentral refuses it as a recipient.
            await client.bulk_assign_sms_recipients(extension_id=SUPPORT, added=["4002"])

    error = caught.value
    assert error.status == 400
    assert error.error_code is not None and error.error_code.startswith("CMN-")
    assert error.api_message and "4002" in error.api_message
    assert f"({error.error_code})" in str(error)
    assert statuses(rc_sandbox, "/bulk-assign") == [400]


async def test_an_unknown_extension_is_not_found(rc_sandbox: SandboxServer) -> None:
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralNotFound) as caught:
            await client.get_sms_recipients(extension_id="999999")

    assert caught.value.status == 404
    assert statuses(rc_sandbox, "/999999/sms-recipients") == [404]


async def test_concurrency_is_bounded(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.options.latency_seconds = 0.05
    rc_sandbox.options.rate_limits_enabled = False
    capture = RequestCapture()
    options = fast_options(max_concurrency=2)
    async with sandbox_client(rc_sandbox, options=options, capture=capture) as client:
        await client.list_extensions(types=["Site"])  # logs in first
        results = await asyncio.gather(
            *(client.get_sms_recipients(extension_id=SUPPORT) for _ in range(8))
        )

    assert all(len(r) == 2 for r in results)
    assert capture.peak_in_flight == 2
