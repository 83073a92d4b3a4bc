"""The client keeps to RingCentral's per-group rate limits instead of provoking 429 storms."""

from __future__ import annotations

import asyncio

import pytest

from bot.ringcentral.errors import RingCentralRateLimited, RingCentralRequestRejected
from sms_handlers_sandbox.ringcentral import Fault, SandboxOptions, SandboxServer, large_seed
from tests.support.rc_sandbox import data_requests, fast_options, running_sandbox, sandbox_client

SUPPORT = "4001"


def tight(group: str, limit: int, seconds: float = 0.3) -> SandboxOptions:
    options = SandboxOptions(window_seconds=seconds, penalty_seconds=seconds)
    options.limits[group] = limit
    return options


async def test_a_group_that_runs_out_is_waited_for_without_a_429(rc_sandbox: SandboxServer) -> None:
    rc_sandbox.options.limits["Light"] = 3
    rc_sandbox.options.window_seconds = 0.3
    rc_sandbox.options.penalty_seconds = 0.3
    async with sandbox_client(rc_sandbox) as client:
        for _ in range(5):
            assert len(await client.get_sms_recipients(extension_id=SUPPORT)) == 2

    assert [r.status for r in data_requests(rc_sandbox)] == [200] * 5


async def test_concurrent_pages_under_a_small_heavy_limit_all_succeed_without_a_429() -> None:
    # 2,600 numbers in 11 pages of 250, read 4 at a time, with 3 Heavy calls per 0.3 s.
    seed = large_seed(sites=2, queues=2, users=10, numbers=2600)
    async with (
        running_sandbox(seed, tight("Heavy", 3)) as server,
        sandbox_client(server, options=fast_options(per_page=250)) as client,
    ):
        numbers = await client.list_account_phone_numbers()

    assert len(numbers) == 2600
    assert [r.status for r in data_requests(server)] == [200] * 11


async def test_after_a_429_the_other_requests_of_the_group_wait_for_retry_after() -> None:
    # Another bot instance spends the Light budget; this client learns it from one 429 and
    # holds its other requests instead of sending them into the penalty (which would restart it).
    # The window outlasts this client's start on a busy machine, so the budget is still spent.
    async with running_sandbox(options=tight("Light", 3, seconds=1.5)) as server:
        async with sandbox_client(server) as other:
            for _ in range(3):
                await other.get_sms_recipients(extension_id=SUPPORT)
        before = len(data_requests(server))
        async with sandbox_client(server, options=fast_options(max_concurrency=2)) as client:
            results = await asyncio.gather(
                *(client.get_sms_recipients(extension_id=SUPPORT) for _ in range(6))
            )
        statuses = [r.status for r in data_requests(server)[before:]]

    assert all(len(r) == 2 for r in results)
    assert statuses.count(429) == 1
    assert statuses.count(200) == 6


async def test_while_held_longer_than_the_client_waits_a_request_fails_at_once_unsent(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.inject_fault(Fault(r"/extension/4001/sms-recipients$", status=429, retry_after=120))
    async with sandbox_client(rc_sandbox) as client:
        with pytest.raises(RingCentralRateLimited):
            await client.get_sms_recipients(extension_id=SUPPORT)
        with pytest.raises(RingCentralRateLimited) as caught:
            await client.get_sms_recipients(extension_id="4002")  # same group (Light)

    assert [r.path.rsplit("/", 2)[-2] for r in data_requests(rc_sandbox)] == ["4001"]
    assert caught.value.retry_after is not None and 100 < caught.value.retry_after <= 120
    assert str(caught.value).startswith("RingCentral is rate limiting this app while reading")
    assert "Try again in 120 s." in str(caught.value)


async def test_when_one_page_fails_the_other_pages_are_not_fetched_in_the_background() -> None:
    seed = large_seed(sites=1, queues=1, users=5, numbers=40)
    async with running_sandbox(seed) as server:
        server.inject_fault(Fault(r"/phone-numbers$", status=400, skip=1))
        options = fast_options(per_page=4, max_concurrency=1)
        async with sandbox_client(server, options=options) as client:
            with pytest.raises(RingCentralRequestRejected):
                await client.list_account_phone_numbers()  # 10 pages; the 2nd is refused
            await asyncio.sleep(0.3)  # room for abandoned page requests to show up
        pages = [r for r in data_requests(server) if r.path.endswith("/phone-numbers")]

    assert len(pages) <= 3  # page 1, page 2, perhaps page 3 already on its way
