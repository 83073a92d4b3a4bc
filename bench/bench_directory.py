"""The directory's inventory against the algorithm of RingCentral's guide, on a large account.

Account: 50 sites, 500 call queues, 5,000 users, 10,000 numbers; 20 ms per request. The guide's
algorithm is ported in bench/guide.py (every page of every list, one call per call queue, site
and IVR menu, one after another).

First with rate limits off, so both run to the end at the sandbox's speed: calls, and times as
ratios to the directory's cold load. Then under RingCentral's default limits (Light 50, Medium
40, Heavy 10 a window) with the window and the penalty shortened from 60 s to WINDOW seconds, so
that what takes minutes against RingCentral takes seconds here: calls, 429 answers, and time in
windows (× 60 s for RingCentral's). The guide's sample swallows errors, so it is run twice:
waiting out each 429 (complete) and as written (what a 429 costs: numbers missing).
"""

from __future__ import annotations

import time
from typing import Any

from bench.guide import GuidePort, GuideResult
from bot.domain import Resource
from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.client import RingCentralClient
from bot.services.directory import Directory
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, Seed, large_seed

LATENCY = 0.02
WINDOW = 3.0  # seconds standing for RingCentral's 60 s window and penalty


async def _directory(server: SandboxServer) -> tuple[int, float, float, tuple[Resource, ...]]:
    """(calls, cold seconds, cached seconds, resources) of the directory's inventory."""
    credentials = Credentials(server.url, server.client_id, server.client_secret, server.jwt)
    async with RingCentralClient.from_credentials(credentials) as client:
        directory = Directory(client=client)
        await client.get_features(feature_ids=("MessageThreads",))  # log in before timing
        before = client.calls
        started = time.perf_counter()
        inventory = await directory.inventory()
        cold = time.perf_counter() - started
        calls = client.calls - before
        started = time.perf_counter()
        await directory.inventory()
        warm = time.perf_counter() - started
    return calls, cold, warm, inventory.resources


async def _guide(server: SandboxServer, *, wait_out_429: bool) -> GuideResult:
    credentials = Credentials(server.url, server.client_id, server.client_secret, server.jwt)
    tokens = TokenProvider(credentials=credentials)
    try:
        token = await tokens.token()
    finally:
        tokens.close()
    return await GuidePort(server_url=server.url, token=token, wait_out_429=wait_out_429).run()


def _rate_limited(server: SandboxServer, since: int) -> int:
    return sum(1 for r in server.requests[since:] if r.status == 429)


def _agreement(seed: Seed, guide: GuideResult, resources: tuple[Resource, ...]) -> str:
    """How many resources the guide found with the directory's numbers (fax-only ones aside:
    the directory leaves them out as they cannot take SMS)."""
    fax_only = {n.phone_number for n in seed.phone_numbers if n.type == "FaxOnly"}
    differ = [
        r.name
        for r in resources
        if guide.numbers.get(r.id, set()) - fax_only != {n.phone_number for n in r.phone_numbers}
    ]
    line = f"{len(resources) - len(differ)}/{len(resources)} resources with the directory's numbers"
    if 0 < len(differ) <= 3:
        line += f" (not {', '.join(differ)})"
    return line


async def run() -> list[str]:
    seed = large_seed()
    lines = [
        f"   account: {len(seed.extensions)} extensions, {len(seed.phone_numbers)} numbers, "
        f"{LATENCY * 1000:.0f} ms per request"
    ]
    async with SandboxServer(
        seed, options=SandboxOptions(rate_limits_enabled=False, latency_seconds=LATENCY)
    ) as server:
        calls, cold, warm, resources = await _directory(server)
        guide = await _guide(server, wait_out_429=False)
    lines += [
        "   rate limits off:",
        f"     directory, cold: {calls} calls, time 1.00 (= {cold:.2f} s), "
        f"{len(resources)} resources",
        f"     directory, cached: 0 calls, time {warm / cold:.4f}",
        f"     guide's algorithm: {guide.calls} calls, time {guide.seconds / cold:.1f}, "
        f"{guide.queues} call queues and {guide.sites} sites; "
        + _agreement(seed, guide, resources),
    ]
    lines += await _under_limits(seed)
    return lines


async def _under_limits(seed: Seed) -> list[str]:
    options: dict[str, Any] = {"window_seconds": WINDOW, "penalty_seconds": WINDOW}
    lines = [
        f"   RingCentral's default limits, window and penalty {WINDOW:g} s for 60 s "
        "(times in windows; × 60 s at RingCentral):"
    ]
    async with SandboxServer(seed, options=SandboxOptions(**options)) as server:
        since = len(server.requests)
        calls, cold, _, resources = await _directory(server)
        lines.append(
            f"     directory: {calls} calls, {_rate_limited(server, since)} answered 429, "
            f"{cold / WINDOW:.2f} windows"
        )
    for wait_out_429, label in ((True, "waiting out each 429"), (False, "as written")):
        async with SandboxServer(seed, options=SandboxOptions(**options)) as server:
            guide = await _guide(server, wait_out_429=wait_out_429)
            restarts = server.penalty_restarts
        lines.append(
            f"     guide's algorithm, {label}: {guide.calls} calls, {guide.rate_limited} "
            f"answered 429 ({restarts} of them during a penalty, restarting it), "
            f"{guide.seconds / WINDOW:.2f} windows; " + _agreement(seed, guide, resources)
        )
    return lines
