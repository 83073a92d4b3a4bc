"""Two instances' clients (each its own gate, its own cached view) sharing RingCentral's rate
limits through one database: together they stay within the group's limit, and a penalty one of
them draws is never restarted by the other."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.db.session import Database
from bot.ringcentral.client import RingCentralClient
from bot.services.rate_sharing import DatabaseRateLimits
from sms_handlers_sandbox.ringcentral import SandboxOptions
from tests.support.rc_sandbox import data_requests, fast_options, running_sandbox, sandbox_client
from tests.support.services import migrated_sqlite

SUPPORT = "4001"
READS_EACH = 8


def light_limited() -> SandboxOptions:
    options = SandboxOptions(window_seconds=0.5, penalty_seconds=1.0)
    options.limits["Light"] = 5
    return options


async def read_many(client: RingCentralClient) -> list[int]:
    results = await asyncio.gather(
        *(client.get_sms_recipients(extension_id=SUPPORT) for _ in range(READS_EACH))
    )
    return [len(r) for r in results]


async def test_two_instances_together_keep_within_the_limit(tmp_path: Path) -> None:
    database = await migrated_sqlite(tmp_path)
    try:
        async with (
            running_sandbox(options=light_limited()) as server,
            sandbox_client(server, options=fast_options()) as first,
            sandbox_client(server, options=fast_options()) as second,
        ):
            shared = [DatabaseRateLimits(database), DatabaseRateLimits(database)]
            first.share_rate_limits(shared[0])
            second.share_rate_limits(shared[1])

            results = await asyncio.gather(read_many(first), read_many(second))

            for limits in shared:
                await limits.aclose()
            statuses = [r.status for r in data_requests(server)]
            restarts = server.penalty_restarts
    finally:
        await database.dispose()

    assert results == [[2] * READS_EACH] * 2  # every read answered
    assert restarts == 0
    assert statuses.count(429) <= 1, statuses  # at most the one that started a penalty


async def test_a_penalty_one_instance_drew_is_waited_out_by_the_other(tmp_path: Path) -> None:
    database = await migrated_sqlite(tmp_path)
    options = SandboxOptions(window_seconds=5.0, penalty_seconds=1.0)
    options.limits["Light"] = 5
    try:
        async with (
            running_sandbox(options=options) as server,
            sandbox_client(server, options=fast_options()) as first,
            sandbox_client(server, options=fast_options()) as second,
        ):
            first_limits, second_limits = DatabaseRateLimits(database), DatabaseRateLimits(database)
            first.share_rate_limits(first_limits)
            second.share_rate_limits(second_limits)
            for _ in range(2):
                await first.get_sms_recipients(extension_id=SUPPORT)
            # RingCentral lowers the app's limit (or another app of the same user spent it): the
            # first instance's next call draws a 429, which starts a penalty.
            server.options.limits["Light"] = 2
            retrying = asyncio.create_task(first.get_sms_recipients(extension_id=SUPPORT))
            await until(lambda: any(r.status == 429 for r in data_requests(server)))
            server.options.limits["Light"] = 5
            await until_blocked(database)  # the first instance wrote what it learnt

            results = [
                len(r)
                for r in await asyncio.gather(
                    *(second.get_sms_recipients(extension_id=SUPPORT) for _ in range(3))
                )
            ]
            assert len(await retrying) == 2  # the first one's retry, after Retry-After
            for limits in (first_limits, second_limits):
                await limits.aclose()
            statuses = [r.status for r in data_requests(server) if r.rate_group == "Light"]
            restarts = server.penalty_restarts
    finally:
        await database.dispose()

    assert results == [2, 2, 2]
    assert statuses == [200, 200, 429] + [200] * 4
    assert restarts == 0


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("it never happened")


async def until_blocked(database: Database) -> None:
    for _ in range(500):
        async with database.reader() as repo:
            light = (await repo.rate_limit_states()).get("Light")
        if light is not None and light.blocked_until is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the penalty was never written")
