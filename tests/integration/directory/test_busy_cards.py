"""When RingCentral's rate limit holds handler reads back, a card shows the list read last, with
its date, instead of waiting; a resource never read, a review and a change never make do with
an old list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import Handler
from bot.ringcentral.client import RingCentralClient
from bot.ringcentral.errors import RingCentralRateLimited
from bot.services.directory import CARD_COPY_SECONDS, Directory
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer
from tests.support.rc_sandbox import fast_options, penalise_light_group, sandbox_client
from tests.support.waiting import wait_until

SUPPORT, SALES = "4001", "4002"
READ_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def handler_reads(server: SandboxServer, resource_id: str) -> int:
    path = f"/extension/{resource_id}/sms-recipients"
    return sum(1 for r in server.requests if r.method == "GET" and r.path.endswith(path))


def ids(handlers: tuple[Handler, ...]) -> list[str]:
    return sorted(h.id for h in handlers)


class Clocks:
    """The directory's monotonic clock (its card copy) and wall clock (dates shown)."""

    def __init__(self) -> None:
        self.monotonic = 0.0
        self.wall = READ_AT

    def directory(self, client: RingCentralClient) -> Directory:
        return Directory(client=client, clock=lambda: self.monotonic, wall_clock=lambda: self.wall)

    def later(self, minutes: float) -> None:
        self.monotonic += max(minutes * 60, CARD_COPY_SECONDS)  # the card's copy has expired
        self.wall += timedelta(minutes=minutes)


async def test_a_card_shows_the_last_list_with_its_date_while_the_group_is_penalised(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    clocks = Clocks()
    directory = clocks.directory(rc_client)
    first = await directory.card_handlers_or_last(resource_id=SUPPORT)
    assert ids(first.handlers) == ["6001", "6002"] and first.as_of is None

    await penalise_light_group(rc_sandbox)
    rc_sandbox.set_sms_recipients(SUPPORT, ["6003"])  # changed meanwhile: not readable now
    clocks.later(minutes=2)

    shown = await directory.card_handlers_or_last(resource_id=SUPPORT)
    assert ids(shown.handlers) == ["6001", "6002"]
    assert shown.as_of == READ_AT
    reads = handler_reads(rc_sandbox, SUPPORT)
    assert reads == 2  # the first card, and the read that learnt of the penalty (429)

    # The client now holds the group back: the next cards do not call (nor prolong the penalty).
    for _ in range(5):
        again = await directory.card_handlers_or_last(resource_id=SUPPORT)
        assert ids(again.handlers) == ["6001", "6002"] and again.as_of == READ_AT
    assert handler_reads(rc_sandbox, SUPPORT) == reads
    assert rc_sandbox.penalty_restarts == 1


async def test_a_resource_never_read_is_not_shown_from_nothing(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    directory = Clocks().directory(rc_client)
    await directory.card_handlers_or_last(resource_id=SUPPORT)
    await penalise_light_group(rc_sandbox)

    # The client waits at most 5 s for a rate limit (tests' retry policy), RingCentral asks 60.
    with pytest.raises(RingCentralRateLimited):
        await directory.card_handlers_or_last(resource_id=SALES)


async def test_reviews_and_changes_never_use_the_last_list(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    clocks = Clocks()
    directory = clocks.directory(rc_client)
    await directory.card_handlers_or_last(resource_id=SUPPORT)
    await penalise_light_group(rc_sandbox)
    clocks.later(minutes=1)

    with pytest.raises(RingCentralRateLimited):
        await directory.handlers(resource_id=SUPPORT)
    with pytest.raises(RingCentralRateLimited):
        await directory.plan_change(resource_id=SUPPORT, added=["6004"])
    assert rc_sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]


async def test_a_slow_read_shows_the_last_list_then_serves_the_next_card(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    clocks = Clocks()
    directory = clocks.directory(rc_client)
    await directory.card_handlers_or_last(resource_id=SUPPORT)
    rc_sandbox.set_sms_recipients(SUPPORT, ["6003"])
    clocks.later(minutes=1)
    # RingCentral (or the queue before it) is slow: the read is answered when `answer` is set.
    answer = asyncio.Event()
    rc_sandbox.inject_fault(
        Fault(rf"/extension/{SUPPORT}/sms-recipients$", status=None, handled=True, release=answer)
    )

    shown = await directory.card_handlers_or_last(resource_id=SUPPORT, wait_seconds=0.05)
    assert ids(shown.handlers) == ["6001", "6002"] and shown.as_of == READ_AT
    # While that read is still out, the next cards do not wait for it (however patient): this
    # one is shown well before its 5 s of patience would run out, the read still held.
    card = asyncio.ensure_future(
        directory.card_handlers_or_last(resource_id=SUPPORT, wait_seconds=5.0)
    )
    await asyncio.wait({card}, timeout=2.5)
    assert card.done(), "the card waited for the read already out"
    again = card.result()
    assert ids(again.handlers) == ["6001", "6002"] and again.as_of == READ_AT
    answer.set()

    # The read went on: once it is in, the cards show it, without reading again.
    async def live_again() -> bool:
        card = await directory.card_handlers_or_last(resource_id=SUPPORT, wait_seconds=5.0)
        return card.as_of is None and ids(card.handlers) == ["6003"]

    await wait_until(live_again, what="the card to show the list read meanwhile")
    assert handler_reads(rc_sandbox, SUPPORT) == 2


async def test_a_card_is_not_queued_behind_other_reads_when_it_has_a_list_to_show(
    rc_sandbox: SandboxServer,
) -> None:
    rc_sandbox.options.rate_limits_enabled = False
    async with sandbox_client(rc_sandbox, options=fast_options(max_concurrency=1)) as client:
        clocks = Clocks()
        directory = clocks.directory(client)
        await directory.card_handlers_or_last(resource_id=SUPPORT)
        rc_sandbox.options.latency_seconds = 0.05
        for _ in range(10):  # the client learns how long an answer takes
            await directory.handlers(resource_id=SALES)
        clocks.later(minutes=1)

        others = [asyncio.ensure_future(directory.handlers(resource_id=SALES)) for _ in range(20)]
        # They are queued: one at a time, 50 ms each.
        await wait_until(
            lambda: client.expected_handler_read_seconds() > 0.3, what="the reads to be queued"
        )
        shown = await directory.card_handlers_or_last(resource_id=SUPPORT, wait_seconds=0.3)
        assert ids(shown.handlers) == ["6001", "6002"] and shown.as_of == READ_AT
        await asyncio.gather(*others)
    assert handler_reads(rc_sandbox, SUPPORT) == 1  # no read was queued for the card
