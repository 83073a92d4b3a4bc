"""A port of the algorithm in RingCentral's "SMS thread messaging configurations" guide, for
comparison with the directory (see bench_directory.py).

The guide finds the common resources and their shared numbers like this, one call after another:
the main site from `extension?type=CompanyExtension`, the call queues from `call-queues`, the
sub-sites from `sites`, the IVR menus from `ivr-menus`; then, for each call queue and each site
(the main site included), its numbers from `extension/{id}/phone-number`, keeping the direct
numbers (and the main site's company numbers); then, for each IVR menu, its direct numbers, which
belong to the menu's site (the main site's menus found by the site name "Main Site"). This port
reads every page of every list (the guide's sample reads only the first), so it finds everything,
and keeps the guide's assumption that every IVR record names its `site`.

The guide's sample swallows every error (`console.log(e.message)`): as written, a call answered
429 loses that resource's numbers. With `wait_out_429` the port instead waits the answer's
Retry-After and asks again, as a careful user of the SDK would, so that it finishes complete.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

ACCOUNT = "/restapi/v1.0/account/~"
MAIN_SITE_NAME = "Main Site"


@dataclass
class GuideResult:
    """What the port found and what it cost."""

    calls: int = 0
    rate_limited: int = 0  # calls answered 429
    errors_swallowed: int = 0  # calls whose error the guide's sample would only log
    seconds: float = 0.0
    numbers: dict[str, set[str]] = field(default_factory=dict)  # resource id -> E.164 numbers
    queues: int = 0
    sites: int = 0  # the main site included


class _Failed(Exception):
    """A call failed; the guide logs the message and goes on."""


class GuidePort:
    """The guide's algorithm over one HTTP session with a bearer token."""

    def __init__(self, *, server_url: str, token: str, wait_out_429: bool) -> None:
        self._base = server_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._wait_out_429 = wait_out_429
        self.result = GuideResult()

    async def run(self) -> GuideResult:
        started = time.perf_counter()
        async with aiohttp.ClientSession(headers=self._headers) as http:
            self._http = http
            await self._read_all()
        self.result.seconds = time.perf_counter() - started
        return self.result

    async def _read_all(self) -> None:
        result = self.result
        main = await self._list(f"{ACCOUNT}/extension?type=CompanyExtension")
        queues = await self._list(f"{ACCOUNT}/call-queues")
        sites = await self._list(f"{ACCOUNT}/sites")
        menus = await self._list(f"{ACCOUNT}/ivr-menus")
        result.queues, result.sites = len(queues), len(sites) + len(main)
        for queue in queues:
            numbers = await self._numbers(str(queue["id"]))
            result.numbers[str(queue["id"])] = _direct(numbers)
        for company in main:
            numbers = await self._numbers(str(company["id"]))
            result.numbers[str(company["id"])] = {
                n["phoneNumber"]
                for n in numbers
                if n.get("usageType") in ("MainCompanyNumber", "CompanyNumber")
            }
        for site in sites:
            numbers = await self._numbers(str(site["id"]))
            result.numbers[str(site["id"])] = _direct(numbers)
        main_id = str(main[0]["id"]) if main else ""
        for menu in menus:
            site = menu["site"]  # assumed present, as the guide does
            owner = main_id if site["name"] == MAIN_SITE_NAME else str(site["id"])
            numbers = await self._numbers(str(menu["id"]))
            result.numbers.setdefault(owner, set()).update(_direct(numbers))

    async def _numbers(self, extension_id: str) -> list[dict[str, Any]]:
        return await self._list(f"{ACCOUNT}/extension/{extension_id}/phone-number")

    async def _list(self, path: str) -> list[dict[str, Any]]:
        """Every record of a v1 list, following navigation.nextPage; [] when a call failed."""
        records: list[dict[str, Any]] = []
        url: str | None = self._base + path
        while url is not None:
            try:
                page = await self._get(url)
            except _Failed:
                self.result.errors_swallowed += 1
                return records
            records.extend(page.get("records", []))
            next_page = page.get("navigation", {}).get("nextPage")
            url = next_page["uri"] if isinstance(next_page, Mapping) else None
        return records

    async def _get(self, url: str) -> dict[str, Any]:
        while True:
            self.result.calls += 1
            async with self._http.get(url) as response:
                body = await response.json(content_type=None)
                if response.status < 400:
                    return dict(body)
                if response.status == 429:
                    self.result.rate_limited += 1
                    if self._wait_out_429:
                        await asyncio.sleep(float(response.headers.get("Retry-After", "30")))
                        continue
                raise _Failed(f"{response.status}: {body}")


def _direct(numbers: list[dict[str, Any]]) -> set[str]:
    """The direct numbers among an extension's numbers."""
    return {n["phoneNumber"] for n in numbers if n.get("usageType") == "DirectNumber"}
