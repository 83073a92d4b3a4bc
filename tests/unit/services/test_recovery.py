"""Recovery and the durable apply, against the RingCentral sandbox and a real SQLite database:
requests left behind by an instance that stopped are finished, never applied twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.db.base import utc_now
from bot.db.errors import RequestNotFoundError
from bot.domain import OPERATOR_ACTOR, AuditAction, ChangeRequest, RequestIntent, RequestStatus
from bot.services.recovery import NothingToRetryError
from bot.services.requests import Actor, AlreadyDecidedError, ChangeDraft
from sms_handlers_sandbox.ringcentral import Fault
from tests.support.waiting import wait_until
from tests.unit.services.conftest import LEASE_SECONDS, World

SUPPORT = "4001"  # handlers: Ava Chen 6001, Ben Ortiz 6002
RITA = Actor("U0REQ", "Rita Requester")
ALEX = Actor("U0APP", "Alex Approver")
GONE = "dead-host:1:000000"  # an instance that stopped while applying


async def actions_of(world: World, request_id: int) -> list[AuditAction]:
    async with world.database.reader() as repo:
        page = await repo.history(request_id=request_id, limit=50)
    return [e.action for e in reversed(page.events)]


async def left_applying(world: World, *, add: str = "6003", remove: str = "6001") -> ChangeRequest:
    """A request approved and claimed by an instance that then stopped (its lease ran out)."""
    draft = ChangeDraft(SUPPORT, (add,), (remove,) if remove else (), "cover")
    request = await world.service.create(draft=draft, requester=RITA)
    async with world.database.transaction() as repo:
        await repo.decide(
            request_id=request.id,
            intent=RequestIntent.APPROVE,
            decider_id=ALEX.id,
            decider_name=ALEX.name,
        )
        claimed = await repo.start_applying(
            request_id=request.id,
            actor_id=ALEX.id,
            actor_name=ALEX.name,
            owner=GONE,
            lease_until=utc_now() - timedelta(seconds=1),
        )
    world.notifier.calls.clear()
    return claimed.request


async def test_a_change_that_took_effect_is_recorded_without_a_second_bulk_assign(
    world: World,
) -> None:
    request = await left_applying(world)
    world.sandbox.set_sms_recipients(SUPPORT, ["6002", "6003"])  # RingCentral had made it

    report = await world.recovery.recover_once()

    [done] = report.recovered
    assert done.id == request.id and done.status is RequestStatus.APPLIED
    assert done.apply_owner == world.applier.owner
    assert world.bulk_assign_calls() == 0
    assert await actions_of(world, request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVED,
        AuditAction.APPLYING,
        AuditAction.TAKEN_OVER,
        AuditAction.APPLIED,
    ]
    assert world.notifier.calls == [
        ("refresh", request.id, "applied"),
        ("tell", request.id, "applied"),
    ]
    assert done.notified_status is RequestStatus.APPLIED
    assert (await world.recovery.recover_once()) == type(report)()  # nothing left


async def test_what_is_missing_is_sent_again_after_an_event_saying_so(world: World) -> None:
    request = await left_applying(world)
    world.sandbox.set_sms_recipients(SUPPORT, ["6001", "6002", "6003"])  # only the addition

    [done] = (await world.recovery.recover_once()).recovered

    assert done.status is RequestStatus.APPLIED
    assert sorted(world.sandbox.sms_recipients(SUPPORT)) == ["6002", "6003"]
    assert world.bulk_assign_calls() == 1
    async with world.database.reader() as repo:
        events = list(reversed((await repo.history(request_id=request.id)).events))
    assert [e.action for e in events][-3:] == [
        AuditAction.TAKEN_OVER,
        AuditAction.REAPPLYING,
        AuditAction.APPLIED,
    ]
    assert events[-3].details["previous_owner"] == GONE
    assert events[-2].details == {"sending_added": [], "sending_removed": ["6001"]}
    assert events[-1].details["recovered"] is True


async def test_an_approval_left_unapplied_is_taken_over_once_older_than_a_lease(
    world: World,
) -> None:
    request = await world.service.create(
        draft=ChangeDraft(SUPPORT, ("6003",), (), "cover"), requester=RITA
    )
    async with world.database.transaction() as repo:
        await repo.decide(
            request_id=request.id,
            intent=RequestIntent.APPROVE,
            decider_id=ALEX.id,
            decider_name=ALEX.name,
        )
    assert (await world.recovery.recover_once()).recovered == ()  # approved just now

    await asyncio.sleep(LEASE_SECONDS)
    [done] = (await world.recovery.recover_once()).recovered

    assert done.status is RequestStatus.APPLIED
    assert await actions_of(world, request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVED,
        AuditAction.TAKEN_OVER,
        AuditAction.REAPPLYING,
        AuditAction.APPLIED,
    ]


async def test_a_request_whose_owner_renews_its_lease_is_left_alone(world: World) -> None:
    request = await world.service.create(
        draft=ChangeDraft(SUPPORT, ("6003",), (), "cover"), requester=RITA
    )
    gate = asyncio.Event()
    world.sandbox.inject_fault(
        Fault(r"/bulk-assign$", handled=True, status=None, release=gate)  # a slow RingCentral
    )
    approving = asyncio.create_task(world.service.approve(request_id=request.id, approver=ALEX))
    await wait_until(
        lambda: "6003" in world.sandbox.sms_recipients(SUPPORT), what="the change, answer held"
    )
    await asyncio.sleep(LEASE_SECONDS * 2)  # longer than a lease: only the heartbeat keeps it

    assert (await world.recovery.recover_once()).recovered == ()
    with pytest.raises(NothingToRetryError, match=r"is being applied by test-host:1:aaaaaa"):
        await world.recovery.retry_now(request_id=request.id, actor_id="operator", actor_name="x")
    with pytest.raises(AlreadyDecidedError, match="approved by Alex Approver and is being applied"):
        await world.service.retry(request_id=request.id, approver=ALEX)
    gate.set()
    done = await approving

    assert done.status is RequestStatus.APPLIED
    assert AuditAction.TAKEN_OVER not in await actions_of(world, request.id)


async def test_ringcentral_unreadable_after_a_stop_ends_failed_with_retry(world: World) -> None:
    request = await left_applying(world)
    world.sandbox.inject_fault(Fault(r"/4001/sms-recipients$", method="GET", status=503, times=9))

    [done] = (await world.recovery.recover_once()).recovered

    assert done.status is RequestStatus.FAILED
    assert done.error_message is not None
    assert done.error_message.startswith("The bot stopped while applying this change and could")
    assert world.bulk_assign_calls() == 0
    world.sandbox.clear_faults()
    retried = await world.service.retry(request_id=request.id, approver=ALEX)
    assert retried.status is RequestStatus.APPLIED


async def test_an_answer_lost_after_the_change_took_effect_is_reported_applied(
    world: World,
) -> None:
    request = await world.service.create(
        draft=ChangeDraft(SUPPORT, ("6003",), ("6001",), "cover"), requester=RITA
    )
    world.sandbox.inject_fault(Fault(r"/bulk-assign$", handled=True, drop=True))

    done = await world.service.approve(request_id=request.id, approver=ALEX)

    assert done.status is RequestStatus.APPLIED and done.error_message is None
    assert world.bulk_assign_calls() == 1
    async with world.database.reader() as repo:
        [applied] = (await repo.history(request_id=request.id, limit=1)).events
    assert "lost_answer" in applied.details


async def test_a_change_that_failed_with_part_of_it_in_effect_says_so(world: World) -> None:
    request = await world.service.create(
        draft=ChangeDraft(SUPPORT, ("6003",), ("6001",), "cover"), requester=RITA
    )
    world.sandbox.inject_fault(Fault(r"/bulk-assign$", status=500))
    original = world.directory.client.bulk_assign_sms_recipients

    async def half_then_fail(**kwargs: object) -> int:
        world.sandbox.set_sms_recipients(SUPPORT, ["6001", "6002", "6003"])  # only the addition
        return await original(**kwargs)  # type: ignore[arg-type]

    world.directory.client.bulk_assign_sms_recipients = half_then_fail  # type: ignore[method-assign]
    done = await world.service.approve(request_id=request.id, approver=ALEX)

    assert done.status is RequestStatus.FAILED
    assert done.error_message is not None
    assert "Part of the change was applied" in done.error_message


async def test_messages_left_showing_an_older_status_are_brought_up_to_date(
    world: World,
) -> None:
    request = await world.service.create(
        draft=ChangeDraft(SUPPORT, ("6003",), (), "cover"), requester=RITA
    )
    world.notifier.failing = 1  # Slack is unavailable when the outcome is known
    done = await world.service.approve(request_id=request.id, approver=ALEX)
    assert done.status is RequestStatus.APPLIED
    assert done.notified_status is RequestStatus.PENDING  # what the post still shows
    world.notifier.calls.clear()

    report = await world.recovery.recover_once()

    assert [r.id for r in report.notified] == [request.id]
    assert world.notifier.calls == [
        ("refresh", request.id, "applied"),
        ("tell", request.id, "applied"),
    ]
    assert (await world.service.get(request_id=request.id)).notified_status is done.status
    world.notifier.calls.clear()
    assert (await world.recovery.recover_once()).notified == ()
    assert world.notifier.calls == []


async def test_an_operator_takes_over_an_abandoned_request_or_retries_a_failed_one(
    world: World,
) -> None:
    left = await left_applying(world, add="6003", remove="")
    done = await world.recovery.retry_now(
        request_id=left.id, actor_id=OPERATOR_ACTOR, actor_name="ops@host"
    )
    assert done.status is RequestStatus.APPLIED
    async with world.database.reader() as repo:
        events = (await repo.history(request_id=left.id, limit=50)).events
    [taken] = [e for e in events if e.action is AuditAction.TAKEN_OVER]
    assert (taken.actor_id, taken.actor_name) == (OPERATOR_ACTOR, "ops@host")

    failed_first = await world.service.create(
        draft=ChangeDraft("4002", ("6004",), (), "cover"), requester=RITA
    )
    world.sandbox.inject_fault(Fault(r"/bulk-assign$", status=500))
    failed = await world.service.approve(request_id=failed_first.id, approver=ALEX)
    assert failed.status is RequestStatus.FAILED
    retried = await world.recovery.retry_now(
        request_id=failed.id, actor_id=OPERATOR_ACTOR, actor_name="ops@host"
    )
    assert retried.status is RequestStatus.APPLIED
    assert (await actions_of(world, failed.id))[-2:] == [
        AuditAction.RETRIED,
        AuditAction.APPLIED,
    ]

    with pytest.raises(NothingToRetryError, match=r"is applied: there is nothing to retry"):
        await world.recovery.retry_now(request_id=failed.id, actor_id="x", actor_name="y")
    with pytest.raises(RequestNotFoundError, match=r"#99 does not exist"):
        await world.recovery.retry_now(request_id=99, actor_id="x", actor_name="y")
