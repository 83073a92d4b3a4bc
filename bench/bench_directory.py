"""The directory's inventory against the guide's sample algorithm, on a large sandbox account.

Account: 50 sites, 500 call queues, 5,000 users, 10,000 numbers; 20 ms latency per request,
rate limits off so both algorithms run to the end (and, last, the directory once more under
RingCentral's default limits). The guide's algorithm (reimplemented from its
description in RINGCENTRAL.md) reads the first page of each list and asks for each sub-site's
numbers one call at a time. Times are shown as ratios to the directory's cold load in the same run.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from bot.domain import ResourceType
from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.client import RingCentralClient
from bot.services.directory import Directory
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, large_seed

LATENCY = 0.02


async def _guide(server: SandboxServer, token: str) -> tuple[int, int, int]:
    """(calls, call queues found, site numbers found) the guide's way."""
    calls = 0
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{server.url}/restapi/v1.0/account/~"
    async with aiohttp.ClientSession(headers=headers) as http:

        async def get(url: str) -> Any:
            nonlocal calls
            calls += 1
            async with http.get(url) as response:
                return await response.json()

        queues = (await get(f"{base}/call-queues"))["records"]  # first page only
        sites = (await get(f"{base}/sites"))["records"]
        site_numbers = 0
        for site in sites:  # one call per sub-site, one after another
            numbers = await get(f"{base}/extension/{site['id']}/phone-number")
            site_numbers += len(numbers["records"])
        await get(f"{base}/ivr-menus")
    return calls, len(queues), site_numbers


async def run() -> list[str]:
    seed = large_seed()
    options = SandboxOptions(rate_limits_enabled=False, latency_seconds=LATENCY)
    server = SandboxServer(seed=seed, options=options)
    await server.start()
    try:
        credentials = Credentials(server.url, server.client_id, server.client_secret, server.jwt)
        async with RingCentralClient.from_credentials(credentials) as client:
            directory = Directory(client=client)
            await client.list_sites()  # log in before timing
            before = client.calls
            started = time.perf_counter()
            inventory = await directory.inventory()
            cold = time.perf_counter() - started
            cold_calls = client.calls - before
            started = time.perf_counter()
            await directory.inventory()
            warm = time.perf_counter() - started
        tokens = TokenProvider(credentials=credentials)
        try:
            token = await tokens.token()
        finally:
            tokens.close()
        started = time.perf_counter()
        guide_calls, guide_queues, guide_site_numbers = await _guide(server, token)
        guide = time.perf_counter() - started
    finally:
        await server.stop()

    limited_calls, rate_limited, heavy = await _under_default_limits(seed)
    queues = len(inventory.of_type(ResourceType.CALL_QUEUE))
    site_numbers = sum(
        1
        for r in inventory.of_type(ResourceType.SITE)
        for n in r.phone_numbers
        if n.source.value == "SiteDirectNumber"
    )
    return [
        f"   account: {len(seed.extensions)} extensions, {len(seed.phone_numbers)} numbers, "
        f"{LATENCY * 1000:.0f} ms per request",
        f"   directory, cold: {cold_calls} calls, time 1.00 (= {cold:.2f} s), "
        f"{queues}/500 call queues",
        f"   directory, cached: 0 calls, time {warm / cold:.4f}",
        f"   guide's algorithm: {guide_calls} calls, time {guide / cold:.2f}, "
        f"{guide_queues}/500 call queues, {guide_site_numbers} site numbers "
        f"(directory: {site_numbers})",
        f"   directory under RingCentral's default limits: {limited_calls} calls, "
        f"{rate_limited} answered 429, {heavy} of the 10 Heavy calls a minute used",
    ]


async def _under_default_limits(seed: Any) -> tuple[int, int, int]:
    """(calls, 429 answers, Heavy calls) of a cold inventory load with the default limits."""
    server = SandboxServer(seed=seed, options=SandboxOptions())
    await server.start()
    try:
        credentials = Credentials(server.url, server.client_id, server.client_secret, server.jwt)
        async with RingCentralClient.from_credentials(credentials) as client:
            await Directory(client=client).inventory()
    finally:
        await server.stop()
    data = [r for r in server.requests if not r.path.endswith("/oauth/token")]
    heavy = sum(1 for r in data if r.rate_group == "Heavy")
    return len(data), sum(1 for r in data if r.status == 429), heavy
