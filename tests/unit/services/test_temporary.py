"""Temporary changes in the service, against the RingCentral sandbox and a real SQLite database,
with a clock the tests move: a revert that fails is offered for retry like any change, and the
retry finishes it; only the requester or an approver may extend or end a change."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import pytest

from bot.db.repository import Repository
from bot.db.session import Database
from bot.domain import AuditAction, ChangeRequest, RequestStatus
from bot.services.end_times import EndChoice
from bot.services.policy import NotAllowedToEndError
from bot.services.requests import Actor, ChangeDraft
from bot.services.temporary import RUNNING_CACHE_SECONDS, NotRunningError, TemporaryChanges
from sms_handlers_sandbox.ringcentral import Fault
from tests.support.app_harness import MovingClock
from tests.unit.services.conftest import World

SUPPORT = "4001"  # handlers: Ava Chen 6001, Ben Ortiz 6002
RITA = Actor("U0REQ", "Rita Requester", time_zone="America/Los_Angeles")
ALEX = Actor("U0APP", "Alex Approver")
NINA = Actor("U0NINA", "Nina Nobody")


@pytest.fixture
async def temporary(world: World) -> AsyncIterator[tuple[TemporaryChanges, MovingClock]]:
    clock = MovingClock()
    yield service_of(world, clock=clock), clock


def service_of(
    world: World, *, clock: MovingClock | None = None, monotonic: Callable[[], float] | None = None
) -> TemporaryChanges:
    """The service over the world, with the clocks given (the real ones otherwise)."""
    return TemporaryChanges(
        database=world.database,
        directory=world.directory,
        people=world.service.people,
        policy=world.service.policy,
        notifier=world.notifier,
        applier=world.applier,
        clock=clock or MovingClock(),
        monotonic=monotonic or time.monotonic,
    )


async def running(world: World) -> ChangeRequest:
    draft = ChangeDraft(
        SUPPORT, ("6003",), (), "cover", end=EndChoice(duration="8h", time_zone=RITA.time_zone)
    )
    request = await world.service.create(draft=draft, requester=RITA)
    applied = await world.service.approve(request_id=request.id, approver=ALEX)
    assert applied.temporary_running
    world.notifier.calls.clear()
    return applied


async def actions_of(world: World, request_id: int) -> list[AuditAction]:
    async with world.database.reader() as repo:
        page = await repo.history(request_id=request_id, limit=50)
    return [e.action for e in reversed(page.events)]


async def test_a_revert_that_fails_is_retried_like_any_change(
    world: World, temporary: tuple[TemporaryChanges, MovingClock]
) -> None:
    service, clock = temporary
    change = await running(world)
    world.sandbox.inject_fault(Fault(r"/bulk-assign$", method="POST", status=500))
    clock.advance(timedelta(hours=8, minutes=1))

    report = await service.run_due()
    [revert] = report.ended
    assert revert.status is RequestStatus.FAILED and revert.reverts_request_id == change.id
    assert "6003" in world.sandbox.sms_recipients(SUPPORT)
    assert world.notifier.calls == [("revert", change.id, "failed")]
    assert (await service.run_due()).ended == ()  # its end was acted on: not started twice

    retried = await world.service.retry(request_id=revert.id, approver=ALEX)
    assert retried.status is RequestStatus.APPLIED
    assert sorted(world.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
    assert world.notifier.calls[-1] == ("revert", change.id, "applied")
    assert await actions_of(world, revert.id) == [
        AuditAction.REVERTING,
        AuditAction.APPLY_FAILED,
        AuditAction.RETRIED,
        AuditAction.REVERTED,
    ]


async def test_only_the_requester_or_an_approver_may_extend_or_end(
    world: World, temporary: tuple[TemporaryChanges, MovingClock]
) -> None:
    service, clock = temporary
    change = await running(world)
    with pytest.raises(NotAllowedToEndError):
        await service.end_now(request_id=change.id, user=NINA)
    with pytest.raises(NotAllowedToEndError):
        await service.extend(request_id=change.id, user=NINA, choice=EndChoice(duration="1h"))

    extended = await service.extend(
        request_id=change.id, user=RITA, choice=EndChoice(duration="1h")
    )
    assert change.ends_at is not None and extended.ends_at == change.ends_at + timedelta(hours=1)
    assert world.notifier.calls == [("extended", change.id, "applied")]
    with pytest.raises(NotRunningError, match="moved the end of change"):
        await service.extend(
            request_id=change.id,
            user=ALEX,
            choice=EndChoice(duration="1h"),
            seen_end=change.ends_at,  # what an older Extend modal showed
        )

    clock.advance(timedelta(hours=1))
    ended = await service.end_now(request_id=change.id, user=ALEX)
    assert ended.is_revert and ended.status is RequestStatus.APPLIED
    with pytest.raises(NotRunningError, match="has ended already"):
        await service.end_now(request_id=change.id, user=RITA)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_card_reuses_the_running_changes_read_moments_ago_until_this_instance_writes(
    world: World,
) -> None:
    ticks = Ticks()
    service = service_of(world, monotonic=ticks)
    assert await service.running(resource_id=SUPPORT) == ()
    change = await running(world)  # applied by this instance: the copy of () is not used
    [shown] = await service.running(resource_id=SUPPORT)
    assert shown.id == change.id and shown.ends_at == change.ends_at

    extended = await service.extend(
        request_id=change.id, user=RITA, choice=EndChoice(duration="1h")
    )
    [shown] = await service.running(resource_id=SUPPORT)
    assert shown.ends_at == extended.ends_at  # at once, though no time passed

    # Another instance (its own Database on the same engine) extends it: this instance shows
    # its copy until the copy is RUNNING_CACHE_SECONDS old.
    other = Database(world.database.engine)
    assert extended.ends_at is not None
    later = extended.ends_at + timedelta(hours=2)
    async with other.transaction() as repo:
        await repo.extend(
            request_id=change.id,
            previous_end=extended.ends_at,
            ends_at=later,
            actor_id=ALEX.id,
            actor_name=ALEX.name,
            now=extended.ends_at - timedelta(hours=1),
        )
    ticks.now += RUNNING_CACHE_SECONDS - 0.1
    [shown] = await service.running(resource_id=SUPPORT)
    assert shown.ends_at == extended.ends_at
    ticks.now += 0.1
    [shown] = await service.running(resource_id=SUPPORT)
    assert shown.ends_at == later


async def test_cards_at_once_share_one_read_of_the_running_changes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = Ticks()
    service = service_of(world, monotonic=ticks)
    change = await running(world)
    reads = 0
    reader = world.database.reader

    def counted() -> AbstractAsyncContextManager[Repository]:
        nonlocal reads
        reads += 1
        return reader()

    monkeypatch.setattr(world.database, "reader", counted)
    shown = await asyncio.gather(*(service.running(resource_id=SUPPORT) for _ in range(20)))
    assert reads == 1 and {tuple(r.id for r in s) for s in shown} == {(change.id,)}
    ticks.now += RUNNING_CACHE_SECONDS
    await asyncio.gather(*(service.running(resource_id=SUPPORT) for _ in range(20)))
    assert reads == 2  # the copy was too old: read again, once
