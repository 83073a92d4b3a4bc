"""The browse card's handler reads are shared; reviews and changes still read live."""

from __future__ import annotations

import asyncio

from bot.domain import Handler
from bot.ringcentral.client import RingCentralClient
from bot.services.directory import CARD_COPY_SECONDS, Directory, HandlerReading
from sms_handlers_sandbox.ringcentral import SandboxServer

SUPPORT, SALES = "4001", "4002"


def handler_reads(server: SandboxServer, resource_id: str) -> int:
    path = f"/extension/{resource_id}/sms-recipients"
    return sum(1 for r in server.requests if r.method == "GET" and r.path.endswith(path))


def ids(handlers: tuple[Handler, ...]) -> list[str]:
    return sorted(h.id for h in handlers)


async def test_a_hundred_concurrent_cards_of_one_resource_cost_one_read(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    directory = Directory(client=rc_client)
    seen: list[str] = []

    async def observe(reading: HandlerReading) -> None:
        seen.append(reading.resource.id)

    directory.observe_handlers(observe)
    await directory.inventory()

    cards = await asyncio.gather(
        *(directory.card_handlers(resource_id=SUPPORT) for _ in range(100)),
        *(directory.card_handlers(resource_id=SALES) for _ in range(100)),
    )

    assert [ids(c) for c in cards[:100]] == [["6001", "6002"]] * 100
    assert [ids(c) for c in cards[100:]] == [["6002"]] * 100
    assert handler_reads(rc_sandbox, SUPPORT) == 1
    assert handler_reads(rc_sandbox, SALES) == 1
    assert sorted(seen) == [SUPPORT, SALES]  # each read recorded once


async def test_a_card_read_moments_ago_is_shown_again_then_read_anew(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    now = [0.0]
    directory = Directory(client=rc_client, clock=lambda: now[0])
    await directory.card_handlers(resource_id=SUPPORT)
    rc_sandbox.set_sms_recipients(SUPPORT, ["6003"])  # changed in RingCentral's admin pages

    now[0] = CARD_COPY_SECONDS - 0.1
    assert ids(await directory.card_handlers(resource_id=SUPPORT)) == ["6001", "6002"]
    assert handler_reads(rc_sandbox, SUPPORT) == 1

    now[0] = CARD_COPY_SECONDS
    assert ids(await directory.card_handlers(resource_id=SUPPORT)) == ["6003"]
    assert handler_reads(rc_sandbox, SUPPORT) == 2


async def test_reviews_read_live_even_right_after_a_card(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    directory = Directory(client=rc_client)
    await directory.card_handlers(resource_id=SUPPORT)
    rc_sandbox.set_sms_recipients(SUPPORT, ["6003"])

    assert ids(await directory.handlers(resource_id=SUPPORT)) == ["6003"]
    lives = await asyncio.gather(*(directory.handlers(resource_id=SUPPORT) for _ in range(3)))
    assert [ids(h) for h in lives] == [["6003"]] * 3
    assert handler_reads(rc_sandbox, SUPPORT) == 1 + 1 + 3  # live reads are never shared
    # ... nor do they refresh the card's copy, which stays the card's own read.
    assert ids(await directory.card_handlers(resource_id=SUPPORT)) == ["6001", "6002"]


async def test_a_change_made_here_drops_the_cards_copy(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    directory = Directory(client=rc_client)
    assert ids(await directory.card_handlers(resource_id=SUPPORT)) == ["6001", "6002"]

    outcome = await directory.apply_change(resource_id=SUPPORT, added=["6004"], removed=["6001"])

    assert outcome.verified
    assert ids(await directory.card_handlers(resource_id=SUPPORT)) == ["6002", "6004"]
