"""The inventory of common resources and their shared SMS numbers, over the sandbox."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import pytest

from bot.domain import NumberSource, Resource, ResourceType
from bot.ringcentral.client import RingCentralClient
from bot.ringcentral.errors import RingCentralRequestRejected
from bot.services.directory import Directory
from sms_handlers_sandbox.ringcentral import (
    Fault,
    SandboxOptions,
    SandboxServer,
    Seed,
    demo_seed,
    large_seed,
)
from tests.support.rc_sandbox import (
    RequestCapture,
    data_requests,
    fast_options,
    running_sandbox,
    sandbox_client,
)

S = NumberSource


def numbers(resource: Resource) -> dict[str, NumberSource]:
    return {n.phone_number: n.source for n in resource.phone_numbers}


async def test_the_demo_inventory_has_every_resource_with_its_shared_numbers(
    rc_directory: Directory,
) -> None:
    inventory = await rc_directory.inventory()
    by_name = {r.name: r for r in inventory.resources}

    assert [(r.type, r.name) for r in inventory.resources] == [
        (ResourceType.MAIN_SITE, "Acme Corp HQ"),
        (ResourceType.SITE, "Boston Office"),
        (ResourceType.SITE, "Denver Office"),
        (ResourceType.CALL_QUEUE, "Billing"),
        (ResourceType.CALL_QUEUE, "Sales"),
        (ResourceType.CALL_QUEUE, "Support"),
        (ResourceType.CALL_QUEUE, "Support Escalations"),
    ]
    main = by_name["Acme Corp HQ"]
    assert (main.id, main.extension_number) == ("1000", "101")
    assert numbers(main) == {
        "+16505550100": S.MAIN_COMPANY_NUMBER,
        "+16505550101": S.COMPANY_NUMBER,
        "+16505550110": S.IVR_MENU_DIRECT_NUMBER,  # Main Menu has no site of its own
    }
    assert [m.name for m in main.ivr_menus] == ["Main Menu"]
    assert numbers(by_name["Boston Office"]) == {
        "+16175550120": S.SITE_DIRECT_NUMBER,
        "+16175550121": S.IVR_MENU_DIRECT_NUMBER,  # Boston After Hours is on Boston
    }
    assert [m.name for m in by_name["Boston Office"].ivr_menus] == ["Boston After Hours"]
    assert numbers(by_name["Denver Office"]) == {"+13035550130": S.SITE_DIRECT_NUMBER}
    assert numbers(by_name["Support"]) == {"+16505550104": S.CALL_QUEUE_DIRECT_NUMBER}
    assert numbers(by_name["Sales"]) == {"+16175550105": S.CALL_QUEUE_DIRECT_NUMBER}
    assert numbers(by_name["Support Escalations"]) == {}
    assert (by_name["Sales"].site_id, by_name["Sales"].site_name) == ("2000", "Boston Office")
    assert (by_name["Support"].site_id, by_name["Support"].site_name) == (
        "main-site",
        "Acme Corp HQ",
    )
    ivr_number = next(n for n in main.phone_numbers if n.source is S.IVR_MENU_DIRECT_NUMBER)
    assert ivr_number.ivr_menu_name == "Main Menu"


async def test_fax_only_user_and_unassigned_numbers_are_never_shared_sms_numbers(
    rc_directory: Directory,
) -> None:
    inventory = await rc_directory.inventory()
    shared = {n.phone_number for r in inventory.resources for n in r.phone_numbers}

    assert "+16505550199" not in shared  # FaxOnly company number
    assert "+16175550195" not in shared  # FaxOnly direct number of Sales
    assert "+16505550901" not in shared and "+18885550902" not in shared  # Inventory
    assert not any(n.startswith("+1650555100") for n in shared)  # users' direct numbers


async def test_the_inventory_takes_two_list_calls_made_concurrently_and_is_cached(
    rc_sandbox: SandboxServer, rc_directory: Directory, rc_capture: RequestCapture
) -> None:
    rc_sandbox.options.latency_seconds = 0.05
    first = await asyncio.gather(*(rc_directory.inventory() for _ in range(5)))
    again = await rc_directory.inventory()

    assert all(inventory is first[0] for inventory in first) and again is first[0]
    paths = sorted(r.path for r in data_requests(rc_sandbox))
    assert paths == [
        "/restapi/v1.0/account/~/extension",
        "/restapi/v2/accounts/~/phone-numbers",
    ]
    assert rc_capture.peak_in_flight == 2


async def settled(condition: Callable[[], bool]) -> None:
    """Let background work run until `condition` holds (bounded)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the background refresh never finished")


async def test_past_its_ttl_the_inventory_is_served_while_one_refresh_runs(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    now = [0.0]
    directory = Directory(client=rc_client, ttl_seconds=30.0, clock=lambda: now[0])
    first = await directory.inventory()
    now[0] = 29.0
    assert await directory.inventory() is first
    assert len(data_requests(rc_sandbox)) == 2

    now[0] = 31.0
    answers = await asyncio.gather(*(directory.inventory() for _ in range(50)))
    assert all(answer is first for answer in answers)  # nobody waited for the reload
    await settled(lambda: len(data_requests(rc_sandbox)) == 4)  # one refresh, two lists
    refreshed = await directory.inventory()
    assert refreshed is not first and refreshed == first
    assert len(data_requests(rc_sandbox)) == 4

    directory.invalidate()
    assert await directory.inventory() is not refreshed  # invalidated: loaded, and waited for
    assert len(data_requests(rc_sandbox)) == 6


async def test_a_failed_refresh_keeps_serving_the_inventory_it_had(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    directory = Directory(client=rc_client, ttl_seconds=30.0, clock=lambda: now[0])
    first = await directory.inventory()
    rc_sandbox.inject_fault(Fault(r"/extension$", method="GET", status=400, times=1))
    now[0] = 31.0

    assert await directory.inventory() is first
    await settled(lambda: "Refreshing the inventory failed" in caplog.text)
    assert await directory.inventory() is first
    assert (await directory.lookup(query="support")).resource is not None


def _renamed(seed: Seed, **names: str) -> Seed:
    extensions = tuple(
        dataclasses.replace(e, name=names.get(str(e.id), e.name)) for e in seed.extensions
    )
    return dataclasses.replace(seed, extensions=extensions)


async def test_the_main_site_is_found_by_type_whatever_its_name() -> None:
    # The company extension renamed, and a sub-site that calls itself "Main Site".
    seed = _renamed(demo_seed(), **{"1000": "Globex West", "3000": "Main Site"})
    async with running_sandbox(seed) as server, sandbox_client(server) as client:
        inventory = await Directory(client=client).inventory()

    main = inventory.main_site
    assert main is not None and (main.id, main.name) == ("1000", "Globex West")
    assert "+16505550100" in numbers(main) and "+16505550110" in numbers(main)
    impostor = inventory.get("3000")
    assert impostor is not None and impostor.type is ResourceType.SITE
    assert numbers(impostor) == {"+13035550130": S.SITE_DIRECT_NUMBER}
    support = next(r for r in inventory.resources if r.name == "Support")
    assert support.site_name == "Globex West"


async def test_a_large_account_takes_a_few_calls_whatever_its_number_of_sites_and_queues() -> None:
    calls = []
    for sites, queues in ((5, 50), (50, 500)):
        seed = large_seed(sites=sites, queues=queues, users=2000, numbers=4000)
        async with running_sandbox(seed) as server, sandbox_client(server) as client:
            inventory = await Directory(client=client).inventory()
            requests = data_requests(server)

        assert len(inventory.of_type(ResourceType.SITE)) == sites
        assert len(inventory.of_type(ResourceType.CALL_QUEUE)) == queues
        assert inventory.main_site is not None
        assert not any("/extension/" in r.path for r in requests)  # no call per resource
        assert all(r.status == 200 for r in requests)
        calls.append(len(requests))

    assert calls[0] == calls[1]
    assert calls[1] <= 6


async def test_the_full_size_large_account_stays_under_the_heavy_limit() -> None:
    # 50 sites, 500 queues, 5,000 users, 10,000 numbers; RingCentral's default limits.
    seed = large_seed()
    options = SandboxOptions()
    async with running_sandbox(seed, options) as server, sandbox_client(server) as client:
        directory = Directory(client=client)
        inventory = await directory.inventory()
        heavy = [r for r in data_requests(server) if r.rate_group == "Heavy"]

        assert len(inventory.of_type(ResourceType.CALL_QUEUE)) == 500
        # v2 has no filter for users' direct numbers: 10 pages of 1,000 is the whole minute's
        # Heavy budget, spent without a single 429.
        assert len(heavy) <= options.limits["Heavy"]
        assert all(r.status == 200 for r in data_requests(server))
        shared = sum(len(r.phone_numbers) for r in inventory.resources)
        expected = sum(
            1
            for n in seed.phone_numbers
            if n.type != "FaxOnly"
            and (
                n.usage_type in ("MainCompanyNumber", "CompanyNumber")
                or (
                    n.usage_type == "DirectNumber"
                    and n.extension_id is not None
                    and next(e for e in seed.extensions if e.id == n.extension_id).type
                    in ("Site", "Department", "IvrMenu", "CompanyExtension")
                )
            )
        )
        assert shared == expected


async def test_a_smaller_page_size_still_reads_everything() -> None:
    seed = large_seed(sites=3, queues=40, users=50, numbers=150)
    async with (
        running_sandbox(seed) as server,
        sandbox_client(server, options=fast_options(per_page=25)) as client,
    ):
        server.options.omit_totals = True
        inventory = await Directory(client=client).inventory()

    assert len(inventory.of_type(ResourceType.CALL_QUEUE)) == 40
    assert len(inventory.of_type(ResourceType.SITE)) == 3


async def test_when_one_list_fails_the_other_is_not_read_on_in_the_background() -> None:
    seed = large_seed(sites=1, queues=1, users=5, numbers=40)
    async with running_sandbox(seed) as server:
        server.inject_fault(Fault(r"/extension$", status=400))
        options = fast_options(per_page=4, max_concurrency=1)
        async with sandbox_client(server, options=options) as client:
            with pytest.raises(RingCentralRequestRejected):
                await Directory(client=client).inventory()
            await asyncio.sleep(0.3)  # room for abandoned page requests to show up
        pages = [r for r in data_requests(server) if r.path.endswith("/phone-numbers")]

    assert len(pages) <= 2  # not the 10 pages of numbers
