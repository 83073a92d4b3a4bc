"""Every repository operation, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.db.errors import RequestNotFoundError
from bot.db.repository import CreateResult, RecordedReading, Repository, TransitionResult
from bot.db.session import Database
from bot.domain import (
    REQUEST_TRANSITIONS,
    SYSTEM_ACTOR,
    AuditAction,
    ChangeRequest,
    ExtensionRef,
    RequestIntent,
    RequestStatus,
    ResourceType,
)

BOB = ExtensionRef(id="101", name="Bob Lee", extension_number="1001")
CARA = ExtensionRef(id="102", name="Cara Diaz", extension_number="1002")
DAN = ExtensionRef(id="103", name="Dan Ito")
OWNER = "host-a:100:abcdef"  # the bot instance applying, in these tests
LATER = datetime(2100, 1, 1, tzinfo=UTC)


async def new_request(
    repo: Repository,
    *,
    resource_id: str = "cq-1",
    resource_name: str = "Support queue",
    idempotency_key: str | None = None,
) -> ChangeRequest:
    result = await repo.create_request(
        resource_id=resource_id,
        resource_type=ResourceType.CALL_QUEUE,
        resource_name=resource_name,
        requester_id="U_ANN",
        requester_name="Ann",
        add=[BOB],
        remove=[CARA],
        reason="Bob joins the support rota",
        handlers_before=[CARA, DAN],
        idempotency_key=idempotency_key,
    )
    return result.request


async def approve(repo: Repository, request_id: int, approver: str) -> TransitionResult:
    return await repo.decide(
        request_id=request_id,
        intent=RequestIntent.APPROVE,
        decider_id=approver,
        decider_name=f"Name of {approver}",
        comment="ok",
    )


async def force_status(database: Database, request_id: int, status: RequestStatus) -> None:
    """Put a request in any status directly, without an event (test set-up only), as if OWNER
    had claimed it and its lease had run out."""
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE change_requests SET status = :status, apply_owner = :owner WHERE id = :id"
            ),
            {"status": status.value, "id": request_id, "owner": OWNER},
        )


async def actions(database: Database, request_id: int) -> list[AuditAction]:
    async with database.reader() as repo:
        events = (await repo.history(request_id=request_id)).events
    return [event.action for event in reversed(events)]


# One call per intent, as the service makes it; every intent must have one.
OPERATIONS: dict[RequestIntent, Callable[[Repository, int], Awaitable[TransitionResult]]] = {
    RequestIntent.APPROVE: lambda repo, request_id: approve(repo, request_id, "U_BOSS"),
    RequestIntent.REJECT: lambda repo, request_id: repo.decide(
        request_id=request_id,
        intent=RequestIntent.REJECT,
        decider_id="U_BOSS",
        decider_name="Boss",
    ),
    RequestIntent.CANCEL: lambda repo, request_id: repo.cancel(
        request_id=request_id, actor_id="U_ANN", actor_name="Ann"
    ),
    RequestIntent.EXPIRE: lambda repo, request_id: repo.expire(request_id=request_id),
    RequestIntent.START_APPLYING: lambda repo, request_id: repo.start_applying(
        request_id=request_id, actor_id="U_BOSS", actor_name="Boss", owner=OWNER, lease_until=LATER
    ),
    RequestIntent.RETRY: lambda repo, request_id: repo.start_applying(
        request_id=request_id,
        actor_id="U_BOSS",
        actor_name="Boss",
        owner=OWNER,
        lease_until=LATER,
        retry=True,
    ),
    RequestIntent.FINISH: lambda repo, request_id: repo.finish(
        request_id=request_id, owner=OWNER, handlers_before=[CARA, DAN], handlers_after=[DAN, BOB]
    ),
    RequestIntent.FAIL: lambda repo, request_id: repo.fail(
        request_id=request_id,
        owner=OWNER,
        error_code="CMN-102",
        error_message="Resource not found",
    ),
    RequestIntent.TAKE_OVER: lambda repo, request_id: repo.take_over(
        request_id=request_id,
        owner="host-b:200:fedcba",
        lease_until=LATER,
        now=datetime.now(UTC),
        approved_before=LATER,
    ),
    RequestIntent.REAPPLY: lambda repo, request_id: repo.reapply(
        request_id=request_id, owner=OWNER, details={"sending_added": ["101"]}
    ),
    RequestIntent.FINISH_REVERT: lambda repo, request_id: repo.finish(
        request_id=request_id,
        owner=OWNER,
        handlers_before=[DAN, BOB],
        handlers_after=[CARA, DAN],
        revert=True,
    ),
    # An offboarding's status following its parts (tests/db/test_offboarding.py has the rest).
    RequestIntent.PARTS_APPLYING: lambda repo, request_id: repo.settle_parts(
        request_id=request_id, intent=RequestIntent.PARTS_APPLYING
    ),
    RequestIntent.PARTS_APPLIED: lambda repo, request_id: repo.settle_parts(
        request_id=request_id, intent=RequestIntent.PARTS_APPLIED
    ),
    RequestIntent.PARTS_FAILED: lambda repo, request_id: repo.settle_parts(
        request_id=request_id, intent=RequestIntent.PARTS_FAILED, error_message="1 of 2 failed"
    ),
}


async def test_create_request_stores_everything_and_records_requested(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
    async with database.reader() as repo:
        stored = await repo.get_request(request_id=created.id)
        page = await repo.history(request_id=created.id)

    assert stored == created
    assert stored.status is RequestStatus.PENDING
    assert stored.resource_type is ResourceType.CALL_QUEUE
    assert stored.add == (BOB,) and stored.remove == (CARA,)
    assert stored.handlers_before == (CARA, DAN)
    assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)
    [event] = page.events
    assert event.action is AuditAction.REQUESTED
    assert (event.actor_id, event.actor_name) == ("U_ANN", "Ann")
    assert (event.resource_id, event.resource_name) == ("cq-1", "Support queue")
    assert event.added == (BOB,) and event.removed == (CARA,)
    assert event.details == {"reason": "Bob joins the support rota"}
    assert event.occurred_at.tzinfo is not None


async def test_get_request_of_unknown_id_is_none(database: Database) -> None:
    async with database.reader() as repo:
        assert await repo.get_request(request_id=999) is None


async def test_same_idempotency_key_gives_the_stored_request_as_it_is_now(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        first = await new_request(repo, idempotency_key="view-1")
    async with database.transaction() as repo:
        again = await new_request(repo, idempotency_key="view-1")
        approved = (await approve(repo, first.id, "U_BOSS")).request
    async with database.transaction() as repo:
        late = await repo.create_request(
            resource_id="cq-other",
            resource_type=ResourceType.CALL_QUEUE,
            resource_name="Other queue",
            requester_id="U_ANN",
            requester_name="Ann",
            add=[DAN],
            remove=[],
            reason="resent",
            idempotency_key="view-1",
        )
        other = await new_request(repo, idempotency_key="view-2")
        without_key = await new_request(repo)
        page = await repo.history(resource_id="cq-1")

    assert again == first
    assert not late.created and late.request == approved
    assert len({first.id, other.id, without_key.id}) == 3
    assert [(event.action, event.request_id) for event in page.events] == [
        (AuditAction.REQUESTED, without_key.id),
        (AuditAction.REQUESTED, other.id),
        (AuditAction.APPROVED, first.id),
        (AuditAction.REQUESTED, first.id),
    ]


async def test_concurrent_submits_with_one_key_create_one_request(database: Database) -> None:
    async def submit() -> CreateResult:
        async with database.transaction() as repo:
            return await repo.create_request(
                resource_id="cq-1",
                resource_type=ResourceType.CALL_QUEUE,
                resource_name="Support queue",
                requester_id="U_ANN",
                requester_name="Ann",
                add=[BOB],
                remove=[],
                reason="double click",
                idempotency_key="double-click",
            )

    first, second = await asyncio.gather(submit(), submit())

    assert first.request.id == second.request.id
    # Exactly one caller learns that it stored the request, so only one announces it.
    assert sorted([first.created, second.created]) == [False, True]
    async with database.reader() as repo:
        assert len((await repo.history(resource_id="cq-1")).events) == 1


async def test_approve_records_the_decider_and_the_event(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
    async with database.transaction() as repo:
        result = await approve(repo, created.id, "U_BOSS")

    assert result.won
    assert result.request.status is RequestStatus.APPROVED
    assert result.request.decided_by_id == "U_BOSS"
    assert result.request.decided_by_name == "Name of U_BOSS"
    assert result.request.decision_comment == "ok"
    assert result.request.decided_at is not None and result.request.decided_at.tzinfo is not None
    async with database.reader() as repo:
        assert await repo.get_request(request_id=created.id) == result.request
        events = (await repo.history(request_id=created.id)).events
    assert [event.action for event in events] == [AuditAction.APPROVED, AuditAction.REQUESTED]
    assert events[0] == result.event
    assert (events[0].actor_id, events[0].actor_name) == ("U_BOSS", "Name of U_BOSS")
    assert events[0].details == {"comment": "ok"}


async def test_reject_without_a_comment(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
        result = await OPERATIONS[RequestIntent.REJECT](repo, created.id)

    assert result.won and result.event is not None
    assert result.request.status is RequestStatus.REJECTED
    assert (result.request.decided_by_id, result.request.decided_by_name) == ("U_BOSS", "Boss")
    assert result.request.decision_comment is None and result.request.decided_at is not None
    assert result.event.action is AuditAction.REJECTED and result.event.details == {}


async def test_cancel_is_recorded_as_the_requester_and_expire_as_the_bot(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        first = await new_request(repo)
        second = await new_request(repo)
        cancelled = await OPERATIONS[RequestIntent.CANCEL](repo, first.id)
        expired = await repo.expire(request_id=second.id)

    assert cancelled.request.status is RequestStatus.CANCELLED
    assert cancelled.event is not None and cancelled.event.action is AuditAction.CANCELLED
    assert (cancelled.event.actor_id, cancelled.event.actor_name) == ("U_ANN", "Ann")
    assert expired.request.status is RequestStatus.EXPIRED
    assert expired.event is not None and expired.event.action is AuditAction.EXPIRED
    assert (expired.event.actor_id, expired.event.actor_name) == (SYSTEM_ACTOR, None)
    assert cancelled.request.decided_by_id is None and expired.request.decided_by_id is None


async def test_applying_fails_then_a_retry_clears_the_error_and_finishes_with_a_warning(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
        await approve(repo, created.id, "U_BOSS")
        started = await repo.start_applying(
            request_id=created.id,
            actor_id="U_BOSS",
            actor_name="Boss",
            owner=OWNER,
            lease_until=LATER,
        )
        failed = await repo.fail(
            request_id=created.id,
            owner=OWNER,
            error_code="CMN-102",
            error_message="Resource not found",
        )
        retried = await repo.start_applying(
            request_id=created.id,
            actor_id="U_TWO",
            actor_name="Two",
            owner=OWNER,
            lease_until=LATER,
            retry=True,
        )
        finished = await repo.finish(
            request_id=created.id,
            owner=OWNER,
            handlers_before=[CARA, DAN],
            handlers_after=[DAN, BOB],
            warning="Added, but Bob has no licence.",
            details={"bulk_assign_calls": 1},
        )

    assert started.won and started.request.status is RequestStatus.APPLYING
    assert started.event is not None and started.event.actor_id == "U_BOSS"
    assert failed.won and failed.request.status is RequestStatus.FAILED
    assert (failed.request.error_code, failed.request.error_message) == (
        "CMN-102",
        "Resource not found",
    )
    assert failed.request.handlers_before == (CARA, DAN)  # kept: the fail gave no lists
    assert failed.event is not None and failed.event.actor_id == SYSTEM_ACTOR
    assert failed.event.details == {"error_code": "CMN-102", "error_message": "Resource not found"}
    assert retried.won and retried.request.status is RequestStatus.APPLYING
    assert (retried.request.error_code, retried.request.error_message) == (None, None)
    assert retried.event is not None and retried.event.actor_id == "U_TWO"
    request = finished.request
    assert finished.won and request.status is RequestStatus.APPLIED
    assert request.warning == "Added, but Bob has no licence."
    assert (request.error_code, request.error_message) == (None, None)
    assert request.applied_at is not None and request.applied_at == request.updated_at
    assert request.handlers_before == (CARA, DAN) and request.handlers_after == (DAN, BOB)
    assert request.decided_by_id == "U_BOSS"
    assert finished.event is not None and finished.event.actor_id == SYSTEM_ACTOR
    assert finished.event.handlers_before == (CARA, DAN)
    assert finished.event.handlers_after == (DAN, BOB)
    assert finished.event.details == {
        "bulk_assign_calls": 1,
        "warning": "Added, but Bob has no licence.",
    }
    assert await actions(database, created.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVED,
        AuditAction.APPLYING,
        AuditAction.APPLY_FAILED,
        AuditAction.RETRIED,
        AuditAction.APPLIED,
    ]


async def test_fail_keeps_the_handler_lists_it_is_given(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
    await force_status(database, created.id, RequestStatus.APPLYING)
    async with database.transaction() as repo:
        failed = await repo.fail(
            request_id=created.id,
            owner=OWNER,
            error_code="VERIFY",
            error_message="did not take effect",
            handlers_before=[CARA],
            handlers_after=[CARA, DAN],
        )

    assert failed.request.handlers_before == (CARA,)
    assert failed.request.handlers_after == (CARA, DAN)
    assert failed.event is not None and failed.event.handlers_after == (CARA, DAN)
    assert failed.request.warning is None and failed.request.applied_at is None


async def test_finish_without_a_warning_stores_none(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
    await force_status(database, created.id, RequestStatus.APPLYING)
    async with database.transaction() as repo:
        finished = await OPERATIONS[RequestIntent.FINISH](repo, created.id)

    assert finished.request.status is RequestStatus.APPLIED and finished.request.warning is None
    assert finished.event is not None and finished.event.details == {}


def test_every_intent_has_an_operation() -> None:
    assert set(OPERATIONS) == set(RequestIntent)


@pytest.mark.parametrize("intent", list(RequestIntent))
async def test_each_operation_moves_only_from_its_sources(
    database: Database, intent: RequestIntent
) -> None:
    """For every status: the operation moves the request and writes one event if the domain's
    table allows it from there; otherwise it changes nothing and writes nothing."""
    transition = REQUEST_TRANSITIONS[intent]
    for status in RequestStatus:
        async with database.transaction() as repo:
            created = await new_request(repo)
        await force_status(database, created.id, status)
        async with database.reader() as repo:
            before = await repo.get_request(request_id=created.id)

        async with database.transaction() as repo:
            result = await OPERATIONS[intent](repo, created.id)

        async with database.reader() as repo:
            after = await repo.get_request(request_id=created.id)
        recorded = await actions(database, created.id)
        if transition.allows(status):
            assert result.won, status
            assert after == result.request and after.status is transition.target
            assert result.event is not None and recorded == [
                AuditAction.REQUESTED,
                transition.action,
            ]
        else:
            assert not result.won and result.event is None, status
            assert result.request == before == after, status
            assert recorded == [AuditAction.REQUESTED], status


@pytest.mark.parametrize("intent", list(RequestIntent))
async def test_an_operation_on_an_unknown_request_says_so(
    database: Database, intent: RequestIntent
) -> None:
    async with database.transaction() as repo:
        with pytest.raises(RequestNotFoundError, match=r"#404 does not exist"):
            await OPERATIONS[intent](repo, 404)


async def test_failed_unit_of_work_keeps_neither_the_change_nor_its_event(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
    with pytest.raises(RuntimeError):
        async with database.transaction() as repo:
            assert (await approve(repo, created.id, "U_BOSS")).won
            raise RuntimeError("Slack call failed after the update")

    async with database.reader() as repo:
        current = await repo.get_request(request_id=created.id)
        events = (await repo.history(request_id=created.id)).events
    assert current is not None and current.status is RequestStatus.PENDING
    assert [event.action for event in events] == [AuditAction.REQUESTED]


async def test_two_approvers_at_once_exactly_one_wins(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)

    async def decide(approver: str) -> TransitionResult:
        async with database.transaction() as repo:
            return await approve(repo, created.id, approver)

    results = await asyncio.gather(decide("U_ONE"), decide("U_TWO"))

    winners = [result for result in results if result.won]
    losers = [result for result in results if not result.won]
    assert len(winners) == 1 and len(losers) == 1
    winner_id = winners[0].request.decided_by_id
    assert losers[0].request.status is RequestStatus.APPROVED
    assert losers[0].request.decided_by_id == winner_id
    async with database.reader() as repo:
        events = (await repo.history(request_id=created.id)).events
    assert [(event.action, event.actor_id) for event in events] == [
        (AuditAction.APPROVED, winner_id),
        (AuditAction.REQUESTED, "U_ANN"),
    ]


async def test_approver_blocked_by_an_open_approval_learns_who_won(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
    first_updated = asyncio.Event()
    second_started = asyncio.Event()

    async def first() -> TransitionResult:
        async with database.transaction() as repo:
            result = await approve(repo, created.id, "U_FIRST")
            first_updated.set()
            await second_started.wait()
            await asyncio.sleep(0.05)  # let the second transaction reach the database and wait
            return result

    async def second() -> TransitionResult:
        await first_updated.wait()
        second_started.set()
        async with database.transaction() as repo:
            return await repo.decide(
                request_id=created.id,
                intent=RequestIntent.REJECT,
                decider_id="U_SECOND",
                decider_name="Second",
            )

    won, lost = await asyncio.gather(first(), second())

    assert won.won and not lost.won
    assert lost.request.status is RequestStatus.APPROVED
    assert lost.request.decided_by_id == "U_FIRST"


async def test_set_slack_refs_keeps_what_is_not_given(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
        await repo.set_slack_refs(
            request_id=created.id, slack_channel_id="C_APPROVALS", slack_message_ts="1.000100"
        )
        updated = await repo.set_slack_refs(
            request_id=created.id, requester_channel_id="D_ANN", requester_message_ts="2.000200"
        )
        with pytest.raises(RequestNotFoundError):
            await repo.set_slack_refs(request_id=999, slack_channel_id="C")

    assert (updated.slack_channel_id, updated.slack_message_ts) == ("C_APPROVALS", "1.000100")
    assert (updated.requester_channel_id, updated.requester_message_ts) == ("D_ANN", "2.000200")
    assert updated.status is RequestStatus.PENDING


async def test_pending_requests_filters_by_status_resource_and_age(database: Database) -> None:
    async with database.transaction() as repo:
        a = await new_request(repo, resource_id="cq-1")
        b = await new_request(repo, resource_id="cq-2")
        c = await new_request(repo, resource_id="cq-1")
        await approve(repo, c.id, "U_BOSS")
    later = datetime.now(UTC) + timedelta(minutes=1)

    async with database.reader() as repo:
        pending = await repo.pending_requests()
        on_cq1 = await repo.pending_requests(resource_id="cq-1")
        open_on_cq1 = await repo.pending_requests(
            resource_id="cq-1", statuses={RequestStatus.PENDING, RequestStatus.APPROVED}
        )
        old = await repo.pending_requests(created_before=later)
        none_old = await repo.pending_requests(created_before=a.created_at)

    assert [r.id for r in pending] == [a.id, b.id]
    assert [r.id for r in on_cq1] == [a.id]
    assert [r.id for r in open_on_cq1] == [a.id, c.id]
    assert [r.id for r in old] == [a.id, b.id]
    assert none_old == []


async def test_requests_are_counted_by_status(database: Database) -> None:
    async with database.reader() as repo:
        assert await repo.count_requests_by_status() == {}
    async with database.transaction() as repo:
        await new_request(repo, resource_id="cq-1")
        await new_request(repo, resource_id="cq-2")
        approved = await new_request(repo, resource_id="cq-3")
        await approve(repo, approved.id, "U_BOSS")
        cancelled = await new_request(repo, resource_id="cq-4")
        await repo.cancel(request_id=cancelled.id, actor_id="U_ANN", actor_name="Ann")

    async with database.reader() as repo:
        counts = await repo.count_requests_by_status()

    assert counts == {
        RequestStatus.PENDING: 2,
        RequestStatus.APPROVED: 1,
        RequestStatus.CANCELLED: 1,
    }


async def test_history_filters_combine(database: Database) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo, resource_id="site-9", resource_name="Berlin Office")
        await repo.append_event(
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            action=AuditAction.EXTERNAL_CHANGE,
            resource_id="cq-7",
            resource_type=ResourceType.CALL_QUEUE,
            resource_name="Sales_100%",
            added=[DAN],
            handlers_before=[],
            handlers_after=[DAN],
            details={"seen_by": "snapshot"},
        )
    async with database.reader() as repo:
        by_resource = await repo.history(resource_id="cq-7")
        by_actor = await repo.history(actor_id="U_ANN")
        by_name = await repo.history(text="berlin")
        by_id_text = await repo.history(text="cq-7")
        literal_percent = await repo.history(text="_100%")
        no_match = await repo.history(text="a%0")  # a wildcard would match "Sales_100%"
        future = await repo.history(since=datetime.now(UTC) + timedelta(hours=1))
        last_hour = await repo.history(since=datetime.now(UTC) - timedelta(hours=1))
        both = await repo.history(actor_id="U_ANN", resource_id="cq-7")

    [external] = by_resource.events
    assert external.action is AuditAction.EXTERNAL_CHANGE
    assert external.added == (DAN,) and external.handlers_before == ()
    assert external.details == {"seen_by": "snapshot"}
    assert [e.request_id for e in by_actor.events] == [created.id]
    assert [e.resource_id for e in by_name.events] == ["site-9"]
    assert [e.resource_id for e in by_id_text.events] == ["cq-7"]
    assert [e.resource_id for e in literal_percent.events] == ["cq-7"]
    assert no_match.events == () and future.events == () and both.events == ()
    assert [e.resource_id for e in last_hour.events] == ["cq-7", "site-9"]


async def test_history_rejects_a_silly_page_size(database: Database) -> None:
    async with database.reader() as repo:
        with pytest.raises(ValueError, match="limit"):
            await repo.history(limit=0)


async def test_snapshot_replaces_the_previous_one(database: Database) -> None:
    first_time = datetime.now(UTC) - timedelta(hours=1)  # before "now", whatever the date
    async with database.transaction() as repo:
        assert await repo.latest_snapshot(resource_id="cq-1") is None
        await record(repo, "cq-1", [BOB, CARA], at=first_time)
        await record(repo, "cq-2", [DAN], at=first_time)
    async with database.transaction() as repo:
        saved = (await record(repo, "cq-1", [CARA], at=datetime.now(UTC))).snapshot
    async with database.reader() as repo:
        latest = await repo.latest_snapshot(resource_id="cq-1")
        other = await repo.latest_snapshot(resource_id="cq-2")

    assert latest == saved
    assert latest is not None and latest.handlers == (CARA,)
    assert latest.taken_at > first_time and latest.taken_at.tzinfo is not None
    assert other is not None and other.handlers == (DAN,)


async def record(
    repo: Repository, resource_id: str, handlers: list[ExtensionRef], *, at: datetime
) -> RecordedReading:
    return await repo.record_reading(
        resource_id=resource_id,
        resource_type=ResourceType.CALL_QUEUE,
        resource_name="Support queue",
        handlers=handlers,
        read_at=at,
    )


async def test_readers_do_not_wait_for_an_open_write(database: Database) -> None:
    async with database.transaction() as repo:
        committed = await new_request(repo)

    async with database.transaction() as writer:
        uncommitted = await new_request(writer, resource_id="cq-9")
        async with database.reader() as reader:
            seen = await reader.pending_requests()
            history = await reader.history()

    assert [request.id for request in seen] == [committed.id]
    assert [event.request_id for event in history.events] == [committed.id]
    async with database.reader() as reader:
        assert [r.id for r in await reader.pending_requests()] == [committed.id, uncommitted.id]
