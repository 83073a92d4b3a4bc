"""The request service against the RingCentral sandbox and a real SQLite database."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import AuditAction, RequestStatus
from bot.errors import SmsHandlersError
from bot.services.directory import FeatureUnavailable
from bot.services.policy import NotAnApproverError, NotTheRequesterError, SelfApprovalError
from bot.services.requests import (
    Actor,
    AlreadyDecidedError,
    ChangeDraft,
    InvalidRequestError,
    RequestField,
)
from sms_handlers_sandbox.ringcentral import Fault, ThreadMessaging
from tests.unit.services.conftest import World

SUPPORT = "4001"  # handlers: Ava Chen 6001, Ben Ortiz 6002
RITA = Actor("U0REQ", "Rita Requester")
ALEX = Actor("U0APP", "Alex Approver")
ALEX2 = Actor("U0APP2", "Sam Approver")


def draft(
    add: tuple[str, ...] = ("6003",), remove: tuple[str, ...] = ("6001",), **kw: object
) -> ChangeDraft:
    return ChangeDraft(
        resource_id=SUPPORT,
        add_ids=add,
        remove_ids=remove,
        reason=str(kw.get("reason", "Carla takes over from Ava")),
        remove_all_confirmed=bool(kw.get("confirm", False)),
    )


async def actions_of(world: World, request_id: int) -> list[AuditAction]:
    async with world.database.reader() as repo:
        page = await repo.history(request_id=request_id, limit=50)
    return [e.action for e in reversed(page.events)]


async def test_create_stores_pending_request_and_announces_it(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA, idempotency_key="v1")
    assert request.status is RequestStatus.PENDING
    assert request.resource_name == "Support"
    assert [r.name for r in request.add] == ["Carla Diaz"]
    assert [r.name for r in request.remove] == ["Ava Chen"]
    assert {r.name for r in request.handlers_before or ()} == {"Ava Chen", "Ben Ortiz"}
    assert (request.slack_channel_id, request.slack_message_ts) == (
        "C0APPROVALS",
        f"{request.id}.100",
    )
    assert request.requester_message_ts == f"{request.id}.200"
    assert world.notifier.calls == [("announce", request.id, "pending")]
    assert await actions_of(world, request.id) == [AuditAction.REQUESTED]
    assert world.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]


async def test_repeated_submission_creates_one_request(world: World) -> None:
    first = await world.service.create(draft=draft(), requester=RITA, idempotency_key="view-1")
    again = await world.service.create(draft=draft(), requester=RITA, idempotency_key="view-1")
    assert again.id == first.id
    assert [c[0] for c in world.notifier.calls] == ["announce"]


async def test_concurrent_submissions_with_one_key_announce_once(world: World) -> None:
    results = await asyncio.gather(
        *(
            world.service.create(draft=draft(), requester=RITA, idempotency_key="view-9")
            for _ in range(3)
        )
    )
    assert {r.id for r in results} == {results[0].id}
    assert [c[0] for c in world.notifier.calls] == ["announce"]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"reason": "   "}, RequestField.REASON, "Say why the change is needed."),
        ({"add": (), "remove": ()}, RequestField.ADD, "Choose at least one person"),
        (
            {"add": (), "remove": (), "confirm": True},
            RequestField.REMOVE,
            "To remove everyone, pick every current handler here",
        ),
        (
            {"add": ("6002",), "remove": ()},
            RequestField.ADD,
            "Ben Ortiz already handles SMS for Support",
        ),
        (
            {"add": ("4002",), "remove": ()},
            RequestField.ADD,
            "Extension id 4002 is not a RingCentral user",
        ),
        ({"add": ("6009",), "remove": ()}, RequestField.ADD, "Isabel Rossi (disabled)"),
        (
            {"add": ("6010",), "remove": ()},
            RequestField.ADD,
            "Jamal Wright (no email in RingCentral)",
        ),
        ({"add": (), "remove": ("6003",)}, RequestField.REMOVE, "No longer a handler"),
        ({"add": (), "remove": ("6001", "6002")}, RequestField.REMOVE_ALL, "removes every handler"),
    ],
)
async def test_invalid_drafts_are_refused_on_the_right_field(
    world: World, kwargs: dict[str, object], field: RequestField, message: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(draft=draft(**kwargs), requester=RITA)  # type: ignore[arg-type]
    assert message in caught.value.problems[field]
    assert world.notifier.calls == []
    async with world.database.reader() as repo:
        assert (await repo.history(limit=5)).events == ()


async def test_flags_learnt_from_handler_lists_refuse_unassignable_and_unlicensed(
    world: World,
) -> None:
    world.sandbox.set_sms_recipients("4002", ["6007", "6008"])
    world.service.people.remember(await world.directory.handlers(resource_id="4002"))
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(draft=draft(add=("6007", "6008"), remove=()), requester=RITA)
    assert (
        "Grace Kim (not assignable), Hiro Tanaka (no licence)"
        in caught.value.problems[RequestField.ADD]
    )


async def test_users_never_seen_as_handlers_are_flagged_in_review_and_after_applying(
    world: World,
) -> None:
    request = await world.service.create(
        draft=draft(add=("6007", "6008"), remove=()), requester=RITA
    )
    review = await world.service.review(request_id=request.id, reviewer_id=ALEX.id)
    assert any("not known yet for Grace Kim, Hiro Tanaka" in w for w in review.warnings)
    applied = await world.service.approve(request_id=request.id, approver=ALEX)
    assert applied.status is RequestStatus.APPLIED
    assert (applied.error_code, applied.error_message) == (None, None)
    assert applied.warning is not None
    assert "Grace Kim (not assignable), Hiro Tanaka (no licence)" in applied.warning
    async with world.database.reader() as repo:
        [event] = (await repo.history(request_id=request.id, limit=1)).events
    assert event.action is AuditAction.APPLIED and event.details["warning"] == applied.warning
    # Now RingCentral has shown their flags: another request to add them is refused.
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(draft=ChangeDraft("4002", ("6007",), (), "x"), requester=RITA)
    assert "Grace Kim (not assignable)" in caught.value.problems[RequestField.ADD]


async def test_removing_everyone_needs_confirmation(world: World) -> None:
    request = await world.service.create(
        draft=draft(add=(), remove=("6001", "6002"), confirm=True), requester=RITA
    )
    applied = await world.service.approve(request_id=request.id, approver=ALEX)
    assert applied.status is RequestStatus.APPLIED
    assert world.sandbox.sms_recipients(SUPPORT) == []


async def test_approve_applies_verifies_and_records_everything(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    done = await world.service.approve(request_id=request.id, approver=ALEX, comment=" fine ")
    assert done.status is RequestStatus.APPLIED
    assert done.decided_by_name == "Alex Approver"
    assert done.decision_comment == "fine"
    assert done.applied_at is not None
    assert {r.name for r in done.handlers_after or ()} == {"Ben Ortiz", "Carla Diaz"}
    assert sorted(world.sandbox.sms_recipients(SUPPORT)) == ["6002", "6003"]
    assert await actions_of(world, request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVED,
        AuditAction.APPLYING,
        AuditAction.APPLIED,
    ]
    # RingCentral first, then Slack: the messages are updated once, with the outcome.
    assert world.notifier.calls[1:] == [
        ("refresh", request.id, "applied"),
        ("tell", request.id, "applied"),
    ]
    assert done.notified_status is RequestStatus.APPLIED
    async with world.database.reader() as repo:
        snapshot = await repo.latest_snapshot(resource_id=SUPPORT)
    assert snapshot is not None and {r.id for r in snapshot.handlers} == {"6002", "6003"}


async def test_two_approvers_at_once_apply_once(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    results = await asyncio.gather(
        world.service.approve(request_id=request.id, approver=ALEX),
        world.service.approve(request_id=request.id, approver=ALEX2),
        return_exceptions=True,
    )
    applied = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, AlreadyDecidedError)]
    assert len(applied) == 1 and len(refused) == 1
    assert "was already approved by" in str(refused[0])
    assert world.bulk_assign_calls() == 1
    assert (await actions_of(world, request.id)).count(AuditAction.APPROVED) == 1


async def test_reject_then_late_approve_says_who_rejected(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    rejected = await world.service.reject(request_id=request.id, approver=ALEX, comment="no")
    assert rejected.status is RequestStatus.REJECTED
    assert ("tell", request.id, "rejected") in world.notifier.calls
    with pytest.raises(AlreadyDecidedError, match="already rejected by Alex Approver"):
        await world.service.approve(request_id=request.id, approver=ALEX2)
    with pytest.raises(AlreadyDecidedError, match="already rejected"):
        await world.service.review(request_id=request.id, reviewer_id="U0APP2")
    assert world.bulk_assign_calls() == 0


async def test_cancel_by_requester_only(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    with pytest.raises(NotTheRequesterError):
        await world.service.cancel(request_id=request.id, user=ALEX)
    cancelled = await world.service.cancel(request_id=request.id, user=RITA)
    assert cancelled.status is RequestStatus.CANCELLED
    with pytest.raises(AlreadyDecidedError, match="cancelled by Rita Requester"):
        await world.service.approve(request_id=request.id, approver=ALEX)


async def test_only_approvers_and_never_the_requester_decide(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=Actor("U0REQ2", "Approver Too"))
    with pytest.raises(NotAnApproverError):
        await world.service.review(request_id=request.id, reviewer_id="U0NOBODY")
    with pytest.raises(NotAnApproverError):
        await world.service.approve(request_id=request.id, approver=RITA)
    with pytest.raises(SelfApprovalError):
        await world.service.approve(request_id=request.id, approver=Actor("U0REQ2", "Approver Too"))
    assert (await world.service.get(request_id=request.id)).status is RequestStatus.PENDING


async def test_failed_apply_keeps_ringcentral_error_then_retry_applies(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    world.sandbox.inject_fault(Fault(path_pattern=r"/bulk-assign$", status=500, times=1))
    failed = await world.service.approve(request_id=request.id, approver=ALEX)
    assert failed.status is RequestStatus.FAILED
    assert failed.error_message and "Nothing was changed" in failed.error_message
    assert ("tell", request.id, "failed") in world.notifier.calls
    assert world.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]
    with pytest.raises(NotAnApproverError):
        await world.service.retry(request_id=request.id, approver=RITA)
    retried = await world.service.retry(request_id=request.id, approver=ALEX2)
    assert retried.status is RequestStatus.APPLIED
    assert retried.error_message is None
    assert sorted(world.sandbox.sms_recipients(SUPPORT)) == ["6002", "6003"]
    assert await actions_of(world, request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVED,
        AuditAction.APPLYING,
        AuditAction.APPLY_FAILED,
        AuditAction.RETRIED,
        AuditAction.APPLIED,
    ]
    with pytest.raises(AlreadyDecidedError):
        await world.service.retry(request_id=request.id, approver=ALEX2)


async def test_review_compares_with_live_handlers(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    world.sandbox.set_sms_recipients(SUPPORT, ["6002", "6003"])  # changed outside the bot
    state = await world.service.review(request_id=request.id, reviewer_id="U0APP")
    assert [r.name for r in state.current] == ["Ben Ortiz", "Carla Diaz"]
    assert [r.name for r in state.proposed] == ["Ben Ortiz", "Carla Diaz"]
    assert [r.name for r in state.added_since] == ["Carla Diaz"]
    assert [r.name for r in state.removed_since] == ["Ava Chen"]
    assert "Already handling SMS now: Carla Diaz." in state.warnings
    assert "No longer handling SMS, nothing to remove: Ava Chen." in state.warnings
    applied = await world.service.approve(request_id=request.id, approver=ALEX)
    assert applied.status is RequestStatus.APPLIED
    assert world.bulk_assign_calls() == 0


async def test_unknown_request_is_a_clear_error(world: World) -> None:
    with pytest.raises(SmsHandlersError, match="#999 does not exist"):
        await world.service.approve(request_id=999, approver=ALEX)


async def test_no_request_where_thread_messaging_is_off(world: World) -> None:
    world.sandbox.options.thread_messaging = ThreadMessaging(call_queue_supported=False)
    with pytest.raises(FeatureUnavailable, match="not for call queues"):
        await world.service.create(draft=draft(), requester=RITA)
    assert world.notifier.calls == []


async def test_review_warns_when_thread_messaging_was_turned_off_since(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    world.sandbox.options.thread_messaging = ThreadMessaging(call_queue_supported=False)
    world.directory.invalidate()
    state = await world.service.review(request_id=request.id, reviewer_id="U0APP")
    assert any("not for call queues" in w for w in state.warnings)
