"""The repository's offboarding operations, on SQLite and PostgreSQL: one pending request with
its resources; the last approval needed (M of N) claims one child request per resource in the
same transaction; the offboarding's status follows its parts; failed parts are claimed again
on retry, the others not; recovery takes over parts, never the offboarding itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db.repository import ApprovalOutcome, Repository
from bot.db.session import Database
from bot.domain import (
    ApprovalTerms,
    AuditAction,
    ChangeRequest,
    ExtensionRef,
    OffboardingTarget,
    RequestKind,
    RequestStatus,
    ResourceType,
)

BEN = ExtensionRef(id="6002", name="Ben Ortiz", extension_number="1002")
OWNER = "host-a:1:aaaa"
TARGETS = tuple(
    OffboardingTarget(resource_id=rid, resource_type=ResourceType.CALL_QUEUE, resource_name=name)
    for rid, name in (("4001", "Support"), ("4002", "Sales"), ("4003", "Billing"))
)
LATER = datetime(2100, 1, 1, tzinfo=UTC)


async def offboarding(repo: Repository, *, required: int = 1, key: str | None = None) -> int:
    stored = await repo.create_request(
        resource_id=BEN.id,
        resource_type=ResourceType.PERSON,
        resource_name=BEN.name,
        requester_id="U_ANN",
        requester_name="Ann",
        add=[],
        remove=[BEN],
        reason="Ben left",
        idempotency_key=key,
        terms=ApprovalTerms(rule="default", approvals_required=required),
        targets=TARGETS,
    )
    return stored.request.id


async def approve_and_claim(repo: Repository, request_id: int, approver: str) -> ApprovalOutcome:
    counted = await repo.record_approval(
        request_id=request_id, approver_id=approver, approver_name=approver, comment=None
    )
    if counted.outcome is ApprovalOutcome.APPROVED:
        claim = await repo.start_applying(
            request_id=request_id,
            actor_id=approver,
            actor_name=approver,
            owner=OWNER,
            lease_until=LATER,
        )
        assert claim.won
    return counted.outcome


async def read(database: Database, request_id: int) -> ChangeRequest:
    async with database.reader() as repo:
        request = await repo.get_request(request_id=request_id)
    assert request is not None
    return request


async def finish_part(database: Database, request_id: int, *, failed: bool = False) -> None:
    async with database.transaction() as repo:
        if failed:
            result = await repo.fail(
                request_id=request_id, owner=OWNER, error_code="503", error_message="down"
            )
        else:
            result = await repo.finish(
                request_id=request_id, owner=OWNER, handlers_before=[BEN], handlers_after=[]
            )
        assert result.won


async def test_pending_offboarding_lists_its_resources_and_has_no_parts(database: Database) -> None:
    async with database.transaction() as repo:
        request_id = await offboarding(repo)
    request = await read(database, request_id)
    assert request.kind is RequestKind.OFFBOARDING and request.is_offboarding
    assert request.resource_type is ResourceType.PERSON and request.remove == (BEN,)
    assert [p.target for p in request.parts] == list(TARGETS)
    assert all(p.request_id is None for p in request.parts)
    async with database.reader() as repo:
        assert [r.id for r in await repo.pending_requests()] == [request_id]
        [event] = (await repo.history(request_id=request_id)).events
    assert event.action is AuditAction.REQUESTED
    assert [r["name"] for r in event.details["resources"]] == ["Support", "Sales", "Billing"]  # type: ignore[index, union-attr]


async def test_two_of_n_approvals_claim_every_part_once(database: Database) -> None:
    async with database.transaction() as repo:
        request_id = await offboarding(repo, required=2)
    async with database.transaction() as repo:
        assert await approve_and_claim(repo, request_id, "U_ALEX") is ApprovalOutcome.RECORDED
    assert all(p.request_id is None for p in (await read(database, request_id)).parts)

    async def second(approver: str) -> ApprovalOutcome:
        async with database.transaction() as repo:
            return await approve_and_claim(repo, request_id, approver)

    outcomes = await asyncio.gather(second("U_SAM"), second("U_NOAH"))
    assert sorted(outcomes) == sorted([ApprovalOutcome.APPROVED, ApprovalOutcome.CLOSED])
    request = await read(database, request_id)
    assert request.status is RequestStatus.APPLYING and len(request.approvals) == 2
    children = [await read(database, p.request_id or 0) for p in request.parts]
    assert [c.resource_id for c in children] == ["4001", "4002", "4003"]
    for child in children:
        assert child.status is RequestStatus.APPLYING and child.apply_owner == OWNER
        assert child.parent_id == request_id and child.kind is RequestKind.CHANGE
        assert child.remove == (BEN,) and child.add == ()
        async with database.reader() as repo:
            actions = [e.action for e in (await repo.history(request_id=child.id)).events]
        assert actions == [AuditAction.APPLYING, AuditAction.APPROVED]  # newest first
    async with database.reader() as repo:  # Home lists the offboarding, not its parts
        mine = await repo.pending_requests(
            statuses=(RequestStatus.APPLYING,), requester_id="U_ANN", top_level=True
        )
    assert [r.id for r in mine] == [request_id]


async def test_status_follows_the_parts_and_retry_claims_only_failed_ones(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        request_id = await offboarding(repo)
        await approve_and_claim(repo, request_id, "U_ALEX")
    parts = [p.request_id or 0 for p in (await read(database, request_id)).parts]
    await finish_part(database, parts[0])
    async with database.transaction() as repo:
        assert await repo.settle_offboarding(request_id=request_id) is None  # two still applying
        assert await repo.unsettled_offboardings() == []
    await finish_part(database, parts[1], failed=True)
    await finish_part(database, parts[2])
    async with database.reader() as repo:
        assert [r.id for r in await repo.unsettled_offboardings()] == [request_id]
    async with database.transaction() as repo:
        settled = await repo.settle_offboarding(request_id=request_id)
    assert settled is not None and settled.won
    assert settled.request.status is RequestStatus.FAILED
    assert settled.request.error_message == "1 of 3 resources failed: Sales: down"
    async with database.transaction() as repo:
        assert await repo.settle_offboarding(request_id=request_id) is None  # once

    async with database.transaction() as repo:
        retried = await repo.start_applying(
            request_id=request_id,
            actor_id="U_SAM",
            actor_name="Sam",
            owner=OWNER,
            lease_until=LATER,
            retry=True,
        )
    assert retried.won and retried.request.status is RequestStatus.APPLYING
    statuses = [p.status for p in retried.request.parts]
    assert statuses == [RequestStatus.APPLIED, RequestStatus.APPLYING, RequestStatus.APPLIED]
    await finish_part(database, parts[1])
    async with database.transaction() as repo:
        settled = await repo.settle_offboarding(request_id=request_id)
    assert settled is not None and settled.request.status is RequestStatus.APPLIED


async def test_recovery_takes_over_parts_never_the_offboarding(database: Database) -> None:
    async with database.transaction() as repo:
        request_id = await offboarding(repo)
        counted = await repo.record_approval(
            request_id=request_id, approver_id="U_A", approver_name="A", comment=None
        )
        assert counted.outcome is ApprovalOutcome.APPROVED
        await repo.start_applying(
            request_id=request_id,
            actor_id="U_A",
            actor_name="A",
            owner=OWNER,
            lease_until=datetime.now(UTC) - timedelta(seconds=1),  # the instance died
        )
    now = datetime.now(UTC)
    async with database.reader() as repo:
        abandoned = await repo.abandoned_requests(now=now, approved_before=now)
    parts = {p.request_id for p in (await read(database, request_id)).parts}
    assert {r.id for r in abandoned} == parts and request_id not in parts


async def test_an_automatic_offboarding_is_stored_once_per_key(database: Database) -> None:
    async def store() -> int:
        async with database.transaction() as repo:
            return await offboarding(repo, key="offboarding:auto:6002")

    first, second = await asyncio.gather(store(), store())
    assert first == second
    async with database.reader() as repo:
        assert (await repo.request_by_key(idempotency_key="offboarding:auto:6002")) is not None
        assert len(await repo.pending_requests()) == 1
