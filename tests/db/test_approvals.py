"""M-of-N approvals and the deadlines of pending requests, on SQLite and on PostgreSQL: each
approval counts once, the last one needed approves the request exactly once however many arrive
at the same moment, and each expiry, reminder and escalation is claimed once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db.repository import ApprovalOutcome, ApprovalResult, Repository
from bot.db.session import Database
from bot.domain import (
    ApprovalTerms,
    AuditAction,
    ChangeRequest,
    RequestIntent,
    RequestStatus,
    ResourceType,
)
from tests.db.test_repository import BOB, CARA, DAN, actions

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def new_request(
    repo: Repository, *, required: int = 2, terms: ApprovalTerms | None = None
) -> ChangeRequest:
    result = await repo.create_request(
        resource_id="cq-1",
        resource_type=ResourceType.CALL_QUEUE,
        resource_name="Support queue",
        requester_id="U_ANN",
        requester_name="Ann",
        add=[BOB],
        remove=[CARA],
        reason="Bob joins the support rota",
        handlers_before=[CARA, DAN],
        terms=terms or ApprovalTerms(rule="support", approvals_required=required),
        at=T0,
    )
    return result.request


async def created(
    database: Database, *, required: int = 2, terms: ApprovalTerms | None = None
) -> ChangeRequest:
    async with database.transaction() as repo:
        return await new_request(repo, required=required, terms=terms)


async def approve(database: Database, request_id: int, approver: str) -> ApprovalResult:
    async with database.transaction() as repo:
        return await repo.record_approval(
            request_id=request_id,
            approver_id=approver,
            approver_name=f"Name of {approver}",
            comment=f"ok from {approver}",
            at=T0 + HOUR,
        )


async def test_the_terms_are_stored_with_the_request(database: Database) -> None:
    terms = ApprovalTerms(
        rule="support, risky.remove_all",
        approvals_required=3,
        channel="C0SUPPORT",
        expires_at=T0 + 72 * HOUR,
        remind_every=4 * HOUR,
        escalate_at=T0 + 24 * HOUR,
    )
    request = await created(database, terms=terms)
    async with database.reader() as repo:
        stored = await repo.get_request(request_id=request.id)
    assert stored == request
    assert (stored.policy_rule, stored.approvals_required) == ("support, risky.remove_all", 3)
    assert stored.slack_channel_id == "C0SUPPORT"
    assert stored.expires_at == T0 + 72 * HOUR
    assert (stored.remind_every, stored.next_reminder_at) == (4 * HOUR, T0 + 4 * HOUR)
    assert (stored.escalate_at, stored.escalated_at) == (T0 + 24 * HOUR, None)
    assert stored.approvals == () and stored.approvals_missing == 3


async def test_two_of_three_approve_on_the_second_distinct_approver(database: Database) -> None:
    request = await created(database, required=2)

    first = await approve(database, request.id, "U_ONE")
    assert first.outcome is ApprovalOutcome.RECORDED
    assert first.request.status is RequestStatus.PENDING
    assert [a.approver_id for a in first.request.approvals] == ["U_ONE"]
    assert first.event is not None and first.event.action is AuditAction.APPROVAL_RECORDED
    assert first.event.details == {
        "comment": "ok from U_ONE",
        "approvals": 1,
        "approvals_required": 2,
    }

    again = await approve(database, request.id, "U_ONE")
    assert again.outcome is ApprovalOutcome.DUPLICATE and again.event is None
    assert again.request.approvals_missing == 1

    second = await approve(database, request.id, "U_TWO")
    assert second.outcome is ApprovalOutcome.APPROVED
    assert second.request.status is RequestStatus.APPROVED
    assert second.request.decided_by_id == "U_TWO"
    assert [a.approver_id for a in second.request.approvals] == ["U_ONE", "U_TWO"]
    assert [a.comment for a in second.request.approvals] == ["ok from U_ONE", "ok from U_TWO"]
    assert second.event is not None and second.event.details["approvers"] == ["U_ONE", "U_TWO"]

    late = await approve(database, request.id, "U_THREE")
    assert late.outcome is ApprovalOutcome.CLOSED and late.event is None
    assert len(late.request.approvals) == 2
    assert await actions(database, request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVAL_RECORDED,
        AuditAction.APPROVED,
    ]


async def test_one_approval_needed_approves_at_once_without_an_extra_event(
    database: Database,
) -> None:
    request = await created(database, required=1)
    result = await approve(database, request.id, "U_ONE")
    assert result.outcome is ApprovalOutcome.APPROVED
    assert result.event is not None and "approvers" not in result.event.details
    assert await actions(database, request.id) == [AuditAction.REQUESTED, AuditAction.APPROVED]


async def test_simultaneous_approvals_approve_exactly_once(database: Database) -> None:
    request = await created(database, required=3)
    approvers = [f"U_{n}" for n in range(6)]

    results = await asyncio.gather(*(approve(database, request.id, a) for a in approvers))

    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes == ["approved", "closed", "closed", "closed", "recorded", "recorded"]
    async with database.reader() as repo:
        stored = await repo.get_request(request_id=request.id)
    assert stored is not None and stored.status is RequestStatus.APPROVED
    counted = [r for r in results if r.outcome is not ApprovalOutcome.CLOSED]
    assert {a.approver_id for a in stored.approvals} == {
        a.approver_id for r in counted for a in r.request.approvals
    }
    assert len(stored.approvals) == 3
    events = await actions(database, request.id)
    assert events.count(AuditAction.APPROVED) == 1
    assert events.count(AuditAction.APPROVAL_RECORDED) == 2


async def test_the_same_approver_twice_at_once_counts_once(database: Database) -> None:
    request = await created(database, required=2)
    results = await asyncio.gather(*(approve(database, request.id, "U_ONE") for _ in range(3)))
    assert sorted(r.outcome.value for r in results) == ["duplicate", "duplicate", "recorded"]
    async with database.reader() as repo:
        stored = await repo.get_request(request_id=request.id)
    assert stored is not None and [a.approver_id for a in stored.approvals] == ["U_ONE"]


async def test_a_rejection_ends_a_partly_approved_request(database: Database) -> None:
    request = await created(database, required=2)
    await approve(database, request.id, "U_ONE")
    async with database.transaction() as repo:
        rejected = await repo.decide(
            request_id=request.id,
            intent=RequestIntent.REJECT,
            decider_id="U_TWO",
            decider_name="Two",
        )
    assert rejected.won and rejected.request.status is RequestStatus.REJECTED
    assert [a.approver_id for a in rejected.request.approvals] == ["U_ONE"]
    late = await approve(database, request.id, "U_THREE")
    assert late.outcome is ApprovalOutcome.CLOSED


DEADLINES = ApprovalTerms(
    rule="default",
    expires_at=T0 + 10 * HOUR,
    remind_every=2 * HOUR,
    escalate_at=T0 + 5 * HOUR,
)


async def test_a_request_expires_once_and_only_when_due(database: Database) -> None:
    request = await created(database, terms=DEADLINES)
    async with database.reader() as repo:
        assert await repo.due_for_expiry(now=T0 + 9 * HOUR) == []
    async with database.transaction() as repo:
        early = await repo.expire(request_id=request.id, now=T0 + 9 * HOUR)
    assert not early.won and early.request.status is RequestStatus.PENDING

    due_at = T0 + 10 * HOUR
    async with database.reader() as repo:
        assert [r.id for r in await repo.due_for_expiry(now=due_at)] == [request.id]

    async def expire() -> bool:
        async with database.transaction() as repo:
            return (await repo.expire(request_id=request.id, now=due_at)).won

    assert sorted(await asyncio.gather(expire(), expire())) == [False, True]
    assert await actions(database, request.id) == [AuditAction.REQUESTED, AuditAction.EXPIRED]
    async with database.reader() as repo:
        assert await repo.due_for_expiry(now=due_at) == []


async def test_a_due_reminder_is_claimed_once_and_moves_on(database: Database) -> None:
    request = await created(database, terms=DEADLINES)
    async with database.reader() as repo:
        assert await repo.due_for_reminder(now=T0 + HOUR) == []
        assert [r.id for r in await repo.due_for_reminder(now=T0 + 2 * HOUR)] == [request.id]

    async def claim() -> ChangeRequest | None:
        async with database.transaction() as repo:
            return await repo.claim_reminder(
                request_id=request.id, now=T0 + 2 * HOUR, next_at=T0 + 4 * HOUR
            )

    claims = await asyncio.gather(claim(), claim())
    [won] = [c for c in claims if c is not None]
    assert (won.next_reminder_at, won.reminded_at) == (T0 + 4 * HOUR, T0 + 2 * HOUR)
    async with database.reader() as repo:
        assert await repo.due_for_reminder(now=T0 + 3 * HOUR) == []
        assert len(await repo.due_for_reminder(now=T0 + 4 * HOUR)) == 1

    async with database.transaction() as repo:  # it could not be sent: due again
        await repo.release_reminder(request_id=request.id, due_at=T0 + 2 * HOUR, reminded_at=None)
    async with database.reader() as repo:
        assert len(await repo.due_for_reminder(now=T0 + 3 * HOUR)) == 1
        # Never at or after the expiry.
        assert await repo.due_for_reminder(now=T0 + 10 * HOUR) == []
    async with database.transaction() as repo:
        late = await repo.claim_reminder(
            request_id=request.id, now=T0 + 10 * HOUR, next_at=T0 + 12 * HOUR
        )
    assert late is None


async def test_an_escalation_is_claimed_once(database: Database) -> None:
    request = await created(database, terms=DEADLINES)
    async with database.reader() as repo:
        assert await repo.due_for_escalation(now=T0 + 4 * HOUR) == []
        assert len(await repo.due_for_escalation(now=T0 + 5 * HOUR)) == 1

    async def claim() -> ChangeRequest | None:
        async with database.transaction() as repo:
            return await repo.claim_escalation(request_id=request.id, now=T0 + 5 * HOUR)

    claims = await asyncio.gather(claim(), claim(), claim())
    [won] = [c for c in claims if c is not None]
    assert won.escalated_at == T0 + 5 * HOUR
    async with database.reader() as repo:
        assert await repo.due_for_escalation(now=T0 + 6 * HOUR) == []
    async with database.transaction() as repo:
        await repo.release_escalation(request_id=request.id)
    async with database.reader() as repo:
        assert len(await repo.due_for_escalation(now=T0 + 6 * HOUR)) == 1


async def test_a_decided_request_has_no_deadlines_due(database: Database) -> None:
    request = await created(database, terms=DEADLINES)
    await approve(database, request.id, "U_ONE")
    later = T0 + 20 * HOUR
    async with database.reader() as repo:
        assert await repo.due_for_expiry(now=later) == []
        assert await repo.due_for_reminder(now=later) == []
        assert await repo.due_for_escalation(now=later) == []
    async with database.transaction() as repo:
        assert await repo.claim_escalation(request_id=request.id, now=later) is None
        assert not (await repo.expire(request_id=request.id, now=later)).won
