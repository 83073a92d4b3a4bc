"""Browse cards under load: N people open cards at once, read live each (as before) or shared.

The demo account in the sandbox with 20 ms latency per request and rate limits off, so the live
reads run to the end; the client's default concurrency (4). Each line: RingCentral calls, and
the wall time as a ratio to the live reads of the same burst in the same run. Under RingCentral's
real limits (50 Light calls a minute) every live read beyond the 50th would wait for the next
minute, so the call counts are what matters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.domain import Handler
from bot.ringcentral.auth import Credentials
from bot.ringcentral.client import RingCentralClient
from bot.services.directory import Directory
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer

LATENCY = 0.02
RESOURCES = ("1000", "2000", "3000", "4001", "4002", "4003", "4004")

Read = Callable[[Directory, str], Awaitable[tuple[Handler, ...]]]


async def _live(directory: Directory, resource_id: str) -> tuple[Handler, ...]:
    return await directory.handlers(resource_id=resource_id)


async def _card(directory: Directory, resource_id: str) -> tuple[Handler, ...]:
    return await directory.card_handlers(resource_id=resource_id)


async def _burst(server: SandboxServer, read: Read, targets: list[str]) -> tuple[int, float]:
    """(RingCentral calls, seconds) for `targets` read at once, on a fresh directory."""
    credentials = Credentials(server.url, server.client_id, server.client_secret, server.jwt)
    async with RingCentralClient.from_credentials(credentials) as client:
        directory = Directory(client=client)
        await directory.inventory()  # logged in and loaded before timing
        before = client.calls
        started = time.perf_counter()
        answers = await asyncio.gather(*(read(directory, target) for target in targets))
        elapsed = time.perf_counter() - started
        assert len(answers) == len(targets)
        return client.calls - before, elapsed


async def run() -> list[str]:
    server = SandboxServer(
        options=SandboxOptions(rate_limits_enabled=False, latency_seconds=LATENCY)
    )
    await server.start()
    lines = [f"   demo account, {LATENCY * 1000:.0f} ms per request, 4 requests in flight at most"]
    try:
        bursts = {
            "100 cards of one resource": ["4001"] * 100,
            "1,000 cards of one resource": ["4001"] * 1000,
            f"1,000 cards over {len(RESOURCES)} resources": [
                RESOURCES[i % len(RESOURCES)] for i in range(1000)
            ],
        }
        for label, targets in bursts.items():
            live_calls, live_time = await _burst(server, _live, targets)
            shared_calls, shared_time = await _burst(server, _card, targets)
            lines.append(
                f"   {label}: live {live_calls} calls, time 1.00 (= {live_time:.2f} s); "
                f"shared {shared_calls} calls, time {shared_time / live_time:.3f}"
            )
    finally:
        await server.stop()
    return lines
