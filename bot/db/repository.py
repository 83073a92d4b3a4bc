"""The only module that reads and writes the database. Returns domain records, never ORM rows.

A `Repository` works inside one session and its transaction (see `Database.transaction()`), so a
state change and the audit event recording it are committed together or not at all.

Coordination between instances has its own guarded statements: a named lease is taken, renewed
or refused in one `INSERT … ON CONFLICT DO UPDATE … WHERE` (`acquire_lease`), and a call is
counted against a rate group's shared remaining in one guarded `UPDATE` (`claim_rate_call`).

A change request changes state only through the operations named after intents (`decide`,
`cancel`, `expire`, `start_applying`, `finish`, `fail`, `take_over`, `reapply`). Each is one
guarded `UPDATE … WHERE status IN (<the intent's sources in REQUEST_TRANSITIONS>) RETURNING`, so
of several concurrent callers exactly one wins; the others get `won=False` and the request as it
now is, and no event is written for them.

Approvals are counted by `record_approval`, one at a time per request (its row is locked first),
so the last approval needed approves the request exactly once. The deadlines of pending requests
(expiry, reminders, escalation) are each claimed by one guarded `UPDATE` before anything is sent.

Applying is claimed by one bot instance at a time: `apply_owner` names it and `apply_lease_until`
says until when its claim holds unless renewed (`renew_apply_lease`). Only the owner records the
outcome (`finish`, `fail` and `reapply` are also guarded by the owner), and a request whose lease
ran out is taken over (`take_over`) by recovery.

A resource's handler snapshot is written only by `record_reading`, which compares each reading
with the stored one and records a difference the bot did not make as an `external_change` event.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.base import UtcDateTime, utc_now
from bot.db.errors import RequestNotFoundError
from bot.db.models import (
    AuditEventRow,
    ChangeRequestRow,
    CoordinatorLeaseRow,
    HandlerSnapshotRow,
    HomeViewerRow,
    JsonList,
    RateLimitStateRow,
    RequestApprovalRow,
    TemporaryNoticeRow,
)
from bot.domain import (
    PREVIOUS_READING_AT,
    READING_AT,
    REQUEST_TRANSITIONS,
    SYSTEM_ACTOR,
    Approval,
    ApprovalTerms,
    AuditAction,
    AuditEvent,
    ChangeRequest,
    ExtensionRef,
    HandlerSnapshot,
    NoticeKind,
    OffboardingPart,
    OffboardingTarget,
    RequestIntent,
    RequestKind,
    RequestStatus,
    ResourceType,
    RevertSkip,
    outside_change,
)

MAX_PAGE_SIZE = 1000

_UpsertableInsert = postgresql.Insert | sqlite.Insert
_UpsertableTable = type[
    ChangeRequestRow
    | HandlerSnapshotRow
    | CoordinatorLeaseRow
    | RateLimitStateRow
    | RequestApprovalRow
    | HomeViewerRow
    | TemporaryNoticeRow
]
REVERT_REQUESTER_NAME = "sms-handlers"  # who a revert of a temporary change is asked by


@dataclass(frozen=True)
class CreateResult:
    """`created`: this call stored the request; otherwise it is the one stored for the same key."""

    request: ChangeRequest
    created: bool


@dataclass(frozen=True)
class TransitionResult:
    """`won`: this call moved the request; otherwise `request` is as another actor left it."""

    won: bool
    request: ChangeRequest
    event: AuditEvent | None = None


class ApprovalOutcome(StrEnum):
    """What became of one approver's approval (see `Repository.record_approval`)."""

    RECORDED = "recorded"  # counted; more approvals are needed
    APPROVED = "approved"  # counted, and it was the last one needed: the request is approved
    DUPLICATE = "duplicate"  # this approver had approved it already: not counted again
    CLOSED = "closed"  # the request is no longer pending: not counted


@dataclass(frozen=True)
class ApprovalResult:
    """An approval's outcome, the request as it now is, and the event written (if any)."""

    outcome: ApprovalOutcome
    request: ChangeRequest
    event: AuditEvent | None = None


@dataclass(frozen=True)
class RevertStart:
    """`won`: this call acted on the end of the temporary change `original` (as it is now);
    `revert` is the revert it created, claimed for applying (None when nothing was left to
    revert, or when another caller acted first)."""

    won: bool
    original: ChangeRequest
    revert: ChangeRequest | None = None


@dataclass(frozen=True)
class LeaseState:
    """Who holds a named lease, since when, and until when unless renewed."""

    name: str
    owner: str
    expires_at: datetime
    acquired_at: datetime


@dataclass(frozen=True)
class RateLimitState:
    """What the instances last learnt of one RingCentral rate group.

    `remaining` is None while one instance finds out a new window's count (see `claim_rate_call`).
    """

    rate_group: str
    blocked_until: datetime | None
    remaining: int | None
    window_ends_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class EventSample:
    """The newest events matching a query, and how many match in all (counted up to a limit:
    `counted_all` is False when there are more than `total`)."""

    events: tuple[AuditEvent, ...]
    total: int
    counted_all: bool


@dataclass(frozen=True)
class RecordedReading:
    """What recording a reading did: the snapshot as it now stands, the `external_change`
    event it revealed (if any), and whether it was written (False: a newer reading was stored
    already, and this one was dropped)."""

    snapshot: HandlerSnapshot
    change: AuditEvent | None
    recorded: bool


@dataclass(frozen=True)
class HistoryPage:
    """Events newest first; pass `next_before_id` as `before_id` for the next (older) page."""

    events: tuple[AuditEvent, ...]
    next_before_id: int | None


class Repository:
    """Change requests, audit events and handler snapshots, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _insert(self, table: _UpsertableTable) -> _UpsertableInsert:
        """An INSERT that can say ON CONFLICT, in the session's dialect."""
        if self._session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # Change requests

    async def create_request(
        self,
        *,
        resource_id: str,
        resource_type: ResourceType,
        resource_name: str,
        requester_id: str,
        requester_name: str,
        add: Sequence[ExtensionRef],
        remove: Sequence[ExtensionRef],
        reason: str,
        handlers_before: Sequence[ExtensionRef] | None = None,
        idempotency_key: str | None = None,
        terms: ApprovalTerms | None = None,
        at: datetime | None = None,
        temporary_until: datetime | None = None,
        temporary_for: timedelta | None = None,
        time_zone: str | None = None,
        targets: Sequence[OffboardingTarget] | None = None,
    ) -> CreateResult:
        """A new pending request and its `requested` event, under the policy's `terms` (its
        rule, approvals needed, channel and deadlines; by default one approval, no deadline); a
        temporary one says until when, or for how long once applied.

        `targets`: an offboarding (kind 'offboarding') of the person in `remove` from these
        resources; `resource_id` / `resource_name` are then the person's (`ResourceType.PERSON`).

        A request already stored with the same `idempotency_key` (a double click, a resent
        submission, also from another process) is returned as it is now, with `created=False`.
        """
        now = at or utc_now()
        terms = terms or ApprovalTerms()
        remind_every = terms.remind_every
        values = {
            "idempotency_key": idempotency_key,
            "resource_id": resource_id,
            "resource_type": resource_type.value,
            "resource_name": resource_name,
            "requester_id": requester_id,
            "requester_name": requester_name,
            "add_extensions": _refs_to_json(add),
            "remove_extensions": _refs_to_json(remove),
            "reason": reason,
            "status": RequestStatus.PENDING.value,
            "created_at": now,
            "updated_at": now,
            "handlers_before": _optional_refs_to_json(handlers_before),
            "policy_rule": terms.rule,
            "approvals_required": terms.approvals_required,
            "slack_channel_id": terms.channel,
            "expires_at": terms.expires_at,
            "remind_every_seconds": None if remind_every is None else _seconds(remind_every),
            "next_reminder_at": None if remind_every is None else now + remind_every,
            "escalate_at": terms.escalate_at,
            "temporary_until": temporary_until,
            "temporary_seconds": _optional_seconds(temporary_for),
            "time_zone": time_zone,
            "kind": (RequestKind.CHANGE if targets is None else RequestKind.OFFBOARDING).value,
            "targets": None if targets is None else _targets_to_json(targets),
        }
        stmt = self._insert(ChangeRequestRow).values(values)
        row = await self._session.scalar(
            stmt.on_conflict_do_nothing(index_elements=[ChangeRequestRow.idempotency_key])
            .returning(ChangeRequestRow)
            .execution_options(populate_existing=True)
        )
        if row is None:  # the key is taken, by a committed row (or one of this transaction)
            stored = await self._one_request(ChangeRequestRow.idempotency_key == idempotency_key)
            assert stored is not None
            return CreateResult(request=stored, created=False)
        parts = tuple(OffboardingPart(target=t) for t in targets or ())  # none claimed yet
        request = _request_from_row(row, (), parts)
        await self.append_event(
            actor_id=requester_id,
            actor_name=requester_name,
            action=AuditAction.REQUESTED,
            resource_id=resource_id,
            resource_type=resource_type,
            resource_name=resource_name,
            request_id=request.id,
            added=request.add,
            removed=request.remove,
            handlers_before=request.handlers_before,
            details=_offboarding_details(
                request, {"reason": reason, **_temporary_details(request)}
            ),
            occurred_at=now,
        )
        return CreateResult(request=request, created=True)

    async def get_request(self, *, request_id: int) -> ChangeRequest | None:
        """The request with this id, or None."""
        return await self._one_request(ChangeRequestRow.id == request_id)

    async def _locked_row(self, request_id: int) -> ChangeRequestRow:
        """The request's row, locked until the transaction ends (`SELECT … FOR UPDATE` on
        PostgreSQL; SQLite's write transactions hold the whole database already)."""
        row = await self._session.scalar(
            select(ChangeRequestRow)
            .where(ChangeRequestRow.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        return row

    async def request_by_key(self, *, idempotency_key: str) -> ChangeRequest | None:
        """The request stored with this idempotency key, or None."""
        return await self._one_request(ChangeRequestRow.idempotency_key == idempotency_key)

    async def _one_request(self, condition: ColumnElement[bool]) -> ChangeRequest | None:
        row = await self._session.scalar(
            select(ChangeRequestRow).where(condition).execution_options(populate_existing=True)
        )
        return None if row is None else await self._hydrated(row)

    async def _hydrated(self, row: ChangeRequestRow) -> ChangeRequest:
        """The request of a row, with its approvals."""
        return (await self._hydrated_all([row]))[0]

    async def _hydrated_all(self, rows: Sequence[ChangeRequestRow]) -> list[ChangeRequest]:
        """The requests of these rows, with their approvals (read in one query)."""
        if not rows:
            return []
        approvals: dict[int, list[Approval]] = {row.id: [] for row in rows}
        found = await self._session.scalars(
            select(RequestApprovalRow)
            .where(RequestApprovalRow.request_id.in_(list(approvals)))
            .order_by(RequestApprovalRow.approved_at, RequestApprovalRow.id)
            .execution_options(populate_existing=True)
        )
        for approval in found:
            approvals[approval.request_id].append(
                Approval(
                    approver_id=approval.approver_id,
                    approver_name=approval.approver_name,
                    approved_at=approval.approved_at,
                    comment=approval.comment,
                )
            )
        parts = await self._parts_of([row for row in rows if row.targets is not None])
        return [
            _request_from_row(row, tuple(approvals[row.id]), parts.get(row.id, ())) for row in rows
        ]

    async def _parts_of(
        self, rows: Sequence[ChangeRequestRow]
    ) -> dict[int, tuple[OffboardingPart, ...]]:
        """Each offboarding's resources with their child requests (read in one query)."""
        if not rows:
            return {}
        children: dict[tuple[int, str], ChangeRequestRow] = {}
        found = await self._session.scalars(
            select(ChangeRequestRow)
            .where(ChangeRequestRow.parent_id.in_([row.id for row in rows]))
            .order_by(ChangeRequestRow.id)
            .execution_options(populate_existing=True)
        )
        for found_row in found:
            assert found_row.parent_id is not None
            children[(found_row.parent_id, found_row.resource_id)] = found_row
        parts: dict[int, tuple[OffboardingPart, ...]] = {}
        for row in rows:
            listed = []
            for target in _targets_from_json(row.targets or []):
                child = children.get((row.id, target.resource_id))
                listed.append(
                    OffboardingPart(target=target)
                    if child is None
                    else OffboardingPart(
                        target=target,
                        request_id=child.id,
                        status=RequestStatus(child.status),
                        error_message=child.error_message,
                        warning=child.warning,
                    )
                )
            parts[row.id] = tuple(listed)
        return parts

    async def pending_requests(
        self,
        *,
        resource_id: str | None = None,
        statuses: Collection[RequestStatus] = (RequestStatus.PENDING,),
        created_before: datetime | None = None,
        requester_id: str | None = None,
        top_level: bool = False,
    ) -> list[ChangeRequest]:
        """Requests in `statuses` (default: pending), oldest first; only one resource's or one
        requester's when given; `top_level`: not the parts of an offboarding (which is listed
        itself)."""
        stmt = select(ChangeRequestRow).where(
            ChangeRequestRow.status.in_([status.value for status in statuses])
        )
        if top_level:
            stmt = stmt.where(ChangeRequestRow.parent_id.is_(None))
        if resource_id is not None:
            stmt = stmt.where(ChangeRequestRow.resource_id == resource_id)
        if requester_id is not None:
            stmt = stmt.where(ChangeRequestRow.requester_id == requester_id)
        if created_before is not None:
            stmt = stmt.where(ChangeRequestRow.created_at < created_before)
        rows = await self._session.scalars(
            stmt.order_by(ChangeRequestRow.id).execution_options(populate_existing=True)
        )
        return await self._hydrated_all(list(rows))

    async def count_requests_by_status(self) -> dict[RequestStatus, int]:
        """How many requests are in each status (statuses with none are left out)."""
        rows = await self._session.execute(
            select(ChangeRequestRow.status, func.count()).group_by(ChangeRequestRow.status)
        )
        return {RequestStatus(status): int(count) for status, count in rows}

    async def decide(
        self,
        *,
        request_id: int,
        intent: Literal[RequestIntent.APPROVE, RequestIntent.REJECT],
        decider_id: str,
        decider_name: str,
        comment: str | None = None,
        at: datetime | None = None,
        details: Mapping[str, object] | None = None,
    ) -> TransitionResult:
        """Approve or reject a pending request: who decided, when, and their comment (the
        event's `details` may say more)."""
        now = at or utc_now()
        event_details = dict(details or {})
        if comment is not None:
            event_details["comment"] = comment
        return await self._move(
            intent,
            request_id=request_id,
            actor_id=decider_id,
            actor_name=decider_name,
            at=now,
            values={
                "decided_by_id": decider_id,
                "decided_by_name": decider_name,
                "decided_at": now,
                "decision_comment": comment,
            },
            details=event_details,
        )

    async def record_approval(
        self,
        *,
        request_id: int,
        approver_id: str,
        approver_name: str,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> ApprovalResult:
        """Count one approver's approval of a pending request; approve it when it is the last
        of the `approvals_required` distinct approvals.

        Concurrent approvals of one request are counted one at a time: the request's row is
        locked first (`SELECT … FOR UPDATE` on PostgreSQL; SQLite writes one transaction at a
        time), so the approval that completes the count sees every other one, and exactly one
        approves the request. The same approver cannot count twice (unique per request and
        approver). An approval that does not complete the count is an `approval_recorded`
        event; the one that does is the `approved` event, naming every approver.
        """
        now = at or utc_now()
        row = await self._locked_row(request_id)
        if row.status != RequestStatus.PENDING.value:
            return ApprovalResult(ApprovalOutcome.CLOSED, await self._hydrated(row))
        inserted = await self._session.scalar(
            self._insert(RequestApprovalRow)
            .values(
                request_id=request_id,
                approver_id=approver_id,
                approver_name=approver_name,
                approved_at=now,
                comment=comment,
            )
            .on_conflict_do_nothing(
                index_elements=[RequestApprovalRow.request_id, RequestApprovalRow.approver_id]
            )
            .returning(RequestApprovalRow.id)
        )
        request = await self._hydrated(row)
        if inserted is None:
            return ApprovalResult(ApprovalOutcome.DUPLICATE, request)
        given, required = len(request.approvals), request.approvals_required
        if given < required:
            event = await self.request_event(
                request,
                actor_id=approver_id,
                actor_name=approver_name,
                action=AuditAction.APPROVAL_RECORDED,
                details={
                    **({} if comment is None else {"comment": comment}),
                    "approvals": given,
                    "approvals_required": required,
                },
                occurred_at=now,
            )
            return ApprovalResult(ApprovalOutcome.RECORDED, request, event)
        extra: dict[str, object] = {}
        if required > 1:
            extra["approvers"] = [a.approver_id for a in request.approvals]
        result = await self.decide(
            request_id=request_id,
            intent=RequestIntent.APPROVE,
            decider_id=approver_id,
            decider_name=approver_name,
            comment=comment,
            at=now,
            details=extra,
        )
        outcome = ApprovalOutcome.APPROVED if result.won else ApprovalOutcome.CLOSED
        return ApprovalResult(outcome, result.request, result.event)

    async def cancel(
        self, *, request_id: int, actor_id: str, actor_name: str | None
    ) -> TransitionResult:
        """Cancel a pending request (the service checks that the actor is its requester)."""
        return await self._move(
            RequestIntent.CANCEL, request_id=request_id, actor_id=actor_id, actor_name=actor_name
        )

    async def expire(self, *, request_id: int, now: datetime | None = None) -> TransitionResult:
        """Close a pending request nobody decided in time (done by the bot); with `now`, only
        if its `expires_at` has come by then."""
        condition = None
        details: dict[str, object] = {}
        if now is not None:
            condition = ChangeRequestRow.expires_at <= now
            details["expired_at"] = now.isoformat()
        return await self._move(
            RequestIntent.EXPIRE,
            request_id=request_id,
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            at=now,
            condition=condition,
            details=details,
        )

    # Deadlines of pending requests: each is claimed by one guarded UPDATE, so two instances
    # (or two rounds) never act on one twice.

    async def due_for_expiry(self, *, now: datetime, limit: int = 100) -> list[ChangeRequest]:
        """Pending requests whose `expires_at` has come, oldest first."""
        return await self._pending_where(ChangeRequestRow.expires_at <= now, limit=limit)

    async def due_for_reminder(self, *, now: datetime, limit: int = 100) -> list[ChangeRequest]:
        """Pending, not expired requests whose next reminder is due, oldest first."""
        return await self._pending_where(
            ChangeRequestRow.next_reminder_at <= now, _not_expired(now), limit=limit
        )

    async def due_for_escalation(self, *, now: datetime, limit: int = 100) -> list[ChangeRequest]:
        """Pending, not expired requests due to be escalated and not escalated yet."""
        return await self._pending_where(
            ChangeRequestRow.escalate_at <= now,
            ChangeRequestRow.escalated_at.is_(None),
            _not_expired(now),
            limit=limit,
        )

    async def has_pending_deadlines(self) -> bool:
        """Whether some pending request has a deadline (expiry, reminder or escalation)."""
        found = await self._session.scalar(
            select(ChangeRequestRow.id)
            .where(
                ChangeRequestRow.status == RequestStatus.PENDING.value,
                or_(
                    ChangeRequestRow.expires_at.is_not(None),
                    ChangeRequestRow.next_reminder_at.is_not(None),
                    and_(
                        ChangeRequestRow.escalate_at.is_not(None),
                        ChangeRequestRow.escalated_at.is_(None),
                    ),
                ),
            )
            .limit(1)
        )
        return found is not None

    async def _pending_where(
        self, *conditions: ColumnElement[bool], limit: int
    ) -> list[ChangeRequest]:
        rows = await self._session.scalars(
            select(ChangeRequestRow)
            .where(ChangeRequestRow.status == RequestStatus.PENDING.value, *conditions)
            .order_by(ChangeRequestRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return await self._hydrated_all(list(rows))

    async def claim_reminder(
        self, *, request_id: int, now: datetime, next_at: datetime
    ) -> ChangeRequest | None:
        """Take the due reminder of a pending request (moving its next one to `next_at`); None
        when it is not due (any more): another instance took it, or it was decided."""
        return await self._claim_deadline(
            request_id,
            [ChangeRequestRow.next_reminder_at <= now, _not_expired(now)],
            {"next_reminder_at": next_at, "reminded_at": now},
        )

    async def release_reminder(
        self, *, request_id: int, due_at: datetime, reminded_at: datetime | None
    ) -> None:
        """Give a claimed reminder back (it could not be sent): due again at `due_at`."""
        await self._session.execute(
            update(ChangeRequestRow)
            .where(ChangeRequestRow.id == request_id)
            .values(next_reminder_at=due_at, reminded_at=reminded_at),
            execution_options={"synchronize_session": False},
        )

    async def claim_escalation(self, *, request_id: int, now: datetime) -> ChangeRequest | None:
        """Take the due escalation of a pending request; None when it is not due, already
        escalated (by another instance), or decided."""
        return await self._claim_deadline(
            request_id,
            [
                ChangeRequestRow.escalate_at <= now,
                ChangeRequestRow.escalated_at.is_(None),
                _not_expired(now),
            ],
            {"escalated_at": now},
        )

    async def release_escalation(self, *, request_id: int) -> None:
        """Give a claimed escalation back (nobody could be told): due again at once."""
        await self._session.execute(
            update(ChangeRequestRow)
            .where(ChangeRequestRow.id == request_id)
            .values(escalated_at=None),
            execution_options={"synchronize_session": False},
        )

    async def _claim_deadline(
        self,
        request_id: int,
        conditions: Sequence[ColumnElement[bool]],
        values: Mapping[str, object],
    ) -> ChangeRequest | None:
        row = await self._session.scalar(
            update(ChangeRequestRow)
            .where(
                ChangeRequestRow.id == request_id,
                ChangeRequestRow.status == RequestStatus.PENDING.value,
                *conditions,
            )
            .values(dict(values))
            .returning(ChangeRequestRow),
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
        return None if row is None else await self._hydrated(row)

    async def start_applying(
        self,
        *,
        request_id: int,
        actor_id: str,
        actor_name: str | None,
        owner: str,
        lease_until: datetime,
        retry: bool = False,
    ) -> TransitionResult:
        """Claim an approved request for applying, or with `retry` a failed one again, for the
        bot instance `owner` until `lease_until`.

        Only the winner may go on to change RingCentral. The outcome of an earlier attempt
        (error, warning) is cleared.

        An offboarding claims its parts with it, in the same transaction (`claim_parts`).
        """
        result = await self._move(
            RequestIntent.RETRY if retry else RequestIntent.START_APPLYING,
            request_id=request_id,
            actor_id=actor_id,
            actor_name=actor_name,
            values=_claimed(owner, lease_until),
        )
        if not result.won or not result.request.is_offboarding:
            return result
        await self.claim_parts(
            result.request,
            actor_id=actor_id,
            actor_name=actor_name,
            owner=owner,
            lease_until=lease_until,
        )
        request = await self.get_request(request_id=request_id)
        assert request is not None
        return TransitionResult(won=True, request=request, event=result.event)

    async def claim_parts(
        self,
        offboarding: ChangeRequest,
        *,
        actor_id: str,
        actor_name: str | None,
        owner: str,
        lease_until: datetime,
    ) -> list[int]:
        """Claim an offboarding's parts for applying, for `owner`: a child request (status
        `applying`, with its `approved` and `applying` events on its resource) for each resource
        that has none yet, and each failed one again (`retried`). The ids claimed."""
        now = utc_now()
        claimed: list[int] = []
        details = {"offboarding": offboarding.id}
        for part in offboarding.parts:
            if part.request_id is not None:
                if part.status is RequestStatus.FAILED:
                    moved = await self._move(
                        RequestIntent.RETRY,
                        request_id=part.request_id,
                        actor_id=actor_id,
                        actor_name=actor_name,
                        at=now,
                        values=_claimed(owner, lease_until),
                        details=details,
                    )
                    if moved.won:
                        claimed.append(part.request_id)
                continue
            target = part.target
            row = ChangeRequestRow(
                resource_id=target.resource_id,
                resource_type=target.resource_type.value,
                resource_name=target.resource_name,
                requester_id=offboarding.requester_id,
                requester_name=offboarding.requester_name,
                add_extensions=[],
                remove_extensions=_refs_to_json(offboarding.remove),
                reason=offboarding.reason,
                status=RequestStatus.APPLYING.value,
                created_at=now,
                updated_at=now,
                decided_by_id=offboarding.decided_by_id,
                decided_by_name=offboarding.decided_by_name,
                decided_at=offboarding.decided_at,
                decision_comment=offboarding.decision_comment,
                apply_owner=owner,
                apply_lease_until=lease_until,
                policy_rule=offboarding.policy_rule,
                approvals_required=offboarding.approvals_required,
                kind=RequestKind.CHANGE.value,
                parent_id=offboarding.id,
            )
            self._session.add(row)
            await self._session.flush()
            child = _request_from_row(row, ())
            for action in (AuditAction.APPROVED, AuditAction.APPLYING):
                await self.request_event(
                    child,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    action=action,
                    details=details,
                    occurred_at=now,
                )
            claimed.append(child.id)
        return claimed

    async def settle_offboarding(self, *, request_id: int) -> TransitionResult | None:
        """Make an offboarding's status follow its parts: `applying` while one is approved or
        applying, else `failed` when one failed, else `applied`; the move and its event, or None
        when its status already follows them (or it is no offboarding that was approved).

        The offboarding's row is locked first (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
        write transactions hold the database), so settlements made at once by the instances
        finishing its parts are made one after the other, each seeing the parts as committed.
        """
        offboarding = await self._hydrated(await self._locked_row(request_id))
        if not offboarding.is_offboarding or offboarding.status not in (
            RequestStatus.APPLYING,
            RequestStatus.FAILED,
        ):
            return None
        statuses = [part.status for part in offboarding.parts]
        busy = {RequestStatus.APPROVED, RequestStatus.APPLYING}
        failed = [p for p in offboarding.parts if p.status is RequestStatus.FAILED]
        intent: Literal[
            RequestIntent.PARTS_APPLYING, RequestIntent.PARTS_APPLIED, RequestIntent.PARTS_FAILED
        ]
        if any(status in busy or status is None for status in statuses):
            intent = RequestIntent.PARTS_APPLYING
        elif failed:
            intent = RequestIntent.PARTS_FAILED
        else:
            intent = RequestIntent.PARTS_APPLIED
        if REQUEST_TRANSITIONS[intent].target is offboarding.status:
            return None
        if not REQUEST_TRANSITIONS[intent].allows(offboarding.status):
            return None
        message = None
        if intent is RequestIntent.PARTS_FAILED:
            message = (
                f"{len(failed)} of {len(offboarding.parts)} resources failed: "
                + "; ".join(f"{p.target.resource_name}: {p.error_message}" for p in failed[:5])
            )[:2000]
        return await self.settle_parts(
            request_id=request_id,
            intent=intent,
            error_message=message,
            details={
                "parts": {str(p.request_id): p.status.value for p in offboarding.parts if p.status}
            },
        )

    async def settle_parts(
        self,
        *,
        request_id: int,
        intent: Literal[
            RequestIntent.PARTS_APPLYING, RequestIntent.PARTS_APPLIED, RequestIntent.PARTS_FAILED
        ],
        error_message: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> TransitionResult:
        """Move an offboarding as its parts make it (see `settle_offboarding`): applying again,
        applied (every part applied), or failed (`error_message` naming the failed parts)."""
        now = utc_now()
        values: dict[str, object] = {
            "apply_lease_until": None,
            "error_code": None,
            "error_message": None,
        }
        event_details = dict(details or {})
        if intent is RequestIntent.PARTS_FAILED:
            values.update(error_code="PARTS", error_message=error_message)
            event_details["error_message"] = error_message
        elif intent is RequestIntent.PARTS_APPLIED:
            values["applied_at"] = now
        return await self._move(
            intent,
            request_id=request_id,
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            at=now,
            values=values,
            details=event_details,
        )

    async def unsettled_offboardings(self) -> list[ChangeRequest]:
        """Offboardings still `applying` none of whose parts is approved or applying (their
        instance stopped before it recorded the outcome), oldest first."""
        row = ChangeRequestRow
        child = select(ChangeRequestRow.parent_id).where(
            ChangeRequestRow.parent_id.is_not(None),
            ChangeRequestRow.status.in_(
                [RequestStatus.APPROVED.value, RequestStatus.APPLYING.value]
            ),
        )
        rows = await self._session.scalars(
            select(row)
            .where(
                row.kind == RequestKind.OFFBOARDING.value,
                row.status == RequestStatus.APPLYING.value,
                row.id.not_in(child),
            )
            .order_by(row.id)
            .execution_options(populate_existing=True)
        )
        return await self._hydrated_all(list(rows))

    async def take_over(
        self,
        *,
        request_id: int,
        owner: str,
        lease_until: datetime,
        now: datetime,
        approved_before: datetime,
        actor_id: str = SYSTEM_ACTOR,
        actor_name: str | None = None,
    ) -> TransitionResult:
        """Claim a request whose applier is gone: `applying` with its lease run out (before
        `now`), or `approved` and left so since before `approved_before`. The event names the
        previous owner and what it left."""
        previous = await self.get_request(request_id=request_id)
        if previous is None:
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        row = ChangeRequestRow
        abandoned = or_(
            and_(
                row.status == RequestStatus.APPLYING.value,
                or_(row.apply_lease_until.is_(None), row.apply_lease_until < now),
            ),
            and_(row.status == RequestStatus.APPROVED.value, row.updated_at < approved_before),
        )
        lease = previous.apply_lease_until
        return await self._move(
            RequestIntent.TAKE_OVER,
            request_id=request_id,
            actor_id=actor_id,
            actor_name=actor_name,
            at=now,
            condition=and_(abandoned, row.apply_owner.is_not_distinct_from(previous.apply_owner)),
            values={"apply_owner": owner, "apply_lease_until": lease_until},
            details={
                "previous_status": previous.status.value,
                "previous_owner": previous.apply_owner,
                "lease_ended_at": None if lease is None else lease.isoformat(),
                "owner": owner,
            },
        )

    async def reapply(
        self, *, request_id: int, owner: str, details: Mapping[str, object]
    ) -> TransitionResult:
        """Record (as its owner) that a taken-over request's missing part is sent again."""
        return await self._move(
            RequestIntent.REAPPLY,
            request_id=request_id,
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            condition=ChangeRequestRow.apply_owner == owner,
            details=details,
        )

    async def renew_apply_lease(self, *, request_id: int, owner: str, until: datetime) -> bool:
        """Extend the owner's claim on a request it is applying; False if it is no longer its."""
        renewed = await self._session.scalar(
            update(ChangeRequestRow)
            .where(
                ChangeRequestRow.id == request_id,
                ChangeRequestRow.status == RequestStatus.APPLYING.value,
                ChangeRequestRow.apply_owner == owner,
            )
            .values(apply_lease_until=until)
            .returning(ChangeRequestRow.id),
            execution_options={"synchronize_session": False},
        )
        return renewed is not None

    async def release_apply_leases(self, *, owner: str, request_id: int | None = None) -> int:
        """End the owner's claims at once (at shutdown, or when it cannot finish), so recovery
        takes the requests over without waiting for the leases to run out; how many."""
        stmt = update(ChangeRequestRow).where(
            ChangeRequestRow.status == RequestStatus.APPLYING.value,
            ChangeRequestRow.apply_owner == owner,
        )
        if request_id is not None:
            stmt = stmt.where(ChangeRequestRow.id == request_id)
        released = await self._session.scalars(
            stmt.values(apply_lease_until=utc_now()).returning(ChangeRequestRow.id),
            execution_options={"synchronize_session": False},
        )
        return len(list(released))

    async def mark_notified(self, *, request_id: int, status: RequestStatus) -> bool:
        """Record that the request's Slack messages show `status` (if it is still its status)."""
        marked = await self._session.scalar(
            update(ChangeRequestRow)
            .where(ChangeRequestRow.id == request_id, ChangeRequestRow.status == status.value)
            .values(notified_status=status.value)
            .returning(ChangeRequestRow.id),
            execution_options={"synchronize_session": False},
        )
        return marked is not None

    async def abandoned_requests(
        self, *, now: datetime, approved_before: datetime
    ) -> list[ChangeRequest]:
        """Requests whose applier is gone, oldest first: `applying` with the lease run out,
        `approved` and left so since before `approved_before`."""
        row = ChangeRequestRow
        rows = await self._session.scalars(
            select(row)
            .where(
                row.kind == RequestKind.CHANGE.value,  # an offboarding's parts are taken over
                or_(
                    and_(
                        row.status == RequestStatus.APPLYING.value,
                        or_(row.apply_lease_until.is_(None), row.apply_lease_until < now),
                    ),
                    and_(
                        row.status == RequestStatus.APPROVED.value,
                        row.updated_at < approved_before,
                    ),
                ),
            )
            .order_by(row.id)
            .execution_options(populate_existing=True)
        )
        return await self._hydrated_all(list(rows))

    async def unnotified_requests(self, *, limit: int = 50) -> list[ChangeRequest]:
        """Settled requests whose Slack messages are known to show an older status, oldest
        first. Requests from before the bot recorded what it showed (no `notified_status` and
        never applied by an owner) are left alone."""
        row = ChangeRequestRow
        rows = await self._session.scalars(
            select(row)
            .where(
                row.status.not_in([RequestStatus.APPROVED.value, RequestStatus.APPLYING.value]),
                or_(row.notified_status.is_not(None), row.apply_owner.is_not(None)),
                row.notified_status.is_distinct_from(row.status),
            )
            .order_by(row.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return await self._hydrated_all(list(rows))

    async def finish(
        self,
        *,
        request_id: int,
        owner: str,
        handlers_before: Sequence[ExtensionRef],
        handlers_after: Sequence[ExtensionRef],
        warning: str | None = None,
        details: Mapping[str, object] | None = None,
        ends_at: datetime | None = None,
        revert: bool = False,
        at: datetime | None = None,
    ) -> TransitionResult:
        """Record a request as applied (by the bot instance `owner` applying it), with the
        handlers before and after; a revert of a temporary change as reverted.

        `warning`: applied, but something needs an admin's attention; it is stored on the
        request and in the `applied` event's details. `ends_at`: a temporary change runs until
        then (counted by the caller from `at`, when it took effect; by default now).
        """
        now = at or utc_now()
        event_details = dict(details or {})
        if warning is not None:
            event_details["warning"] = warning
        values: dict[str, object] = {
            "applied_at": now,
            "warning": warning,
            "apply_lease_until": None,
        }
        if ends_at is not None:
            values["ends_at"] = ends_at
            event_details["ends_at"] = ends_at.isoformat()
        return await self._move(
            RequestIntent.FINISH_REVERT if revert else RequestIntent.FINISH,
            request_id=request_id,
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            at=now,
            condition=ChangeRequestRow.apply_owner == owner,
            values=values,
            handlers_before=handlers_before,
            handlers_after=handlers_after,
            details=event_details,
        )

    async def fail(
        self,
        *,
        request_id: int,
        owner: str,
        error_code: str,
        error_message: str,
        handlers_before: Sequence[ExtensionRef] | None = None,
        handlers_after: Sequence[ExtensionRef] | None = None,
    ) -> TransitionResult:
        """Record that applying a request failed (by the bot instance `owner` applying it);
        handler lists left None are kept."""
        return await self._move(
            RequestIntent.FAIL,
            request_id=request_id,
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            condition=ChangeRequestRow.apply_owner == owner,
            values={
                "error_code": error_code,
                "error_message": error_message,
                "apply_lease_until": None,
            },
            handlers_before=handlers_before,
            handlers_after=handlers_after,
            details={"error_code": error_code, "error_message": error_message},
        )

    async def _move(
        self,
        intent: RequestIntent,
        *,
        request_id: int,
        actor_id: str,
        actor_name: str | None,
        at: datetime | None = None,
        condition: ColumnElement[bool] | None = None,
        values: Mapping[str, object] | None = None,
        handlers_before: Sequence[ExtensionRef] | None = None,
        handlers_after: Sequence[ExtensionRef] | None = None,
        details: Mapping[str, object] | None = None,
    ) -> TransitionResult:
        """Move the request as `intent` says, only if it is in one of the intent's sources (and
        meets `condition`), set `values` (and the handler lists given), and record the intent's
        action in the log."""
        transition = REQUEST_TRANSITIONS[intent]
        now = at or utc_now()
        row_values: dict[str, Any] = {
            **(values or {}),
            "status": transition.target.value,
            "updated_at": now,
        }
        if handlers_before is not None:
            row_values["handlers_before"] = _refs_to_json(handlers_before)
        if handlers_after is not None:
            row_values["handlers_after"] = _refs_to_json(handlers_after)
        sources = sorted(status.value for status in transition.sources)
        return await self._guarded_update(
            request_id,
            [ChangeRequestRow.status.in_(sources)],
            condition=condition,
            values=row_values,
            actor_id=actor_id,
            actor_name=actor_name,
            action=transition.action,
            handlers_before=handlers_before,
            handlers_after=handlers_after,
            details=dict(details or {}),
            at=now,
        )

    async def _guarded_update(
        self,
        request_id: int,
        guards: list[ColumnElement[bool]],
        *,
        condition: ColumnElement[bool] | None,
        values: Mapping[str, object],
        actor_id: str,
        actor_name: str | None,
        action: AuditAction,
        details: dict[str, object],
        at: datetime,
        handlers_before: Sequence[ExtensionRef] | None = None,
        handlers_after: Sequence[ExtensionRef] | None = None,
    ) -> TransitionResult:
        """Update the request only if it meets `guards` (and `condition`), and record `action`
        with it; the losing side learns the request as it is."""
        guards = [ChangeRequestRow.id == request_id, *guards]
        if condition is not None:
            guards.append(condition)
        row = await self._session.scalar(
            update(ChangeRequestRow).where(*guards).values(values).returning(ChangeRequestRow),
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
        if row is None:
            current = await self.get_request(request_id=request_id)
            if current is None:
                raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
            return TransitionResult(won=False, request=current)
        request = await self._hydrated(row)
        event = await self.request_event(
            request,
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            handlers_before=handlers_before,
            handlers_after=handlers_after,
            details=details,
            occurred_at=at,
        )
        return TransitionResult(won=True, request=request, event=event)

    async def set_slack_refs(
        self,
        *,
        request_id: int,
        slack_channel_id: str | None = None,
        slack_message_ts: str | None = None,
        requester_channel_id: str | None = None,
        requester_message_ts: str | None = None,
    ) -> ChangeRequest:
        """Remember where the request's Slack messages are (fields left as None are kept)."""
        given = {
            "slack_channel_id": slack_channel_id,
            "slack_message_ts": slack_message_ts,
            "requester_channel_id": requester_channel_id,
            "requester_message_ts": requester_message_ts,
        }
        values = {name: value for name, value in given.items() if value is not None}
        if not values:
            current = await self.get_request(request_id=request_id)
        else:
            current = None
            row = await self._session.scalar(
                update(ChangeRequestRow)
                .where(ChangeRequestRow.id == request_id)
                .values(values)
                .returning(ChangeRequestRow),
                execution_options={"synchronize_session": False, "populate_existing": True},
            )
            if row is not None:
                current = await self._hydrated(row)
        if current is None:
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        return current

    # Temporary changes

    def _running(self) -> ColumnElement[bool]:
        """Applied temporary changes whose end was not acted on yet."""
        row = ChangeRequestRow
        return and_(
            row.status == RequestStatus.APPLIED.value,
            row.ends_at.is_not(None),
            row.ended_at.is_(None),
        )

    async def running_temporary(
        self,
        *,
        resource_id: str | None = None,
        requester_id: str | None = None,
        ending_by: datetime | None = None,
        limit: int | None = None,
    ) -> list[ChangeRequest]:
        """Temporary changes still running (of one resource, of one requester; ending at or
        before `ending_by`), the soonest to end first (the first `limit`)."""
        row = ChangeRequestRow
        stmt = select(row).where(self._running())
        if resource_id is not None:
            stmt = stmt.where(row.resource_id == resource_id)
        if requester_id is not None:
            stmt = stmt.where(row.requester_id == requester_id)
        if ending_by is not None:
            stmt = stmt.where(row.ends_at <= ending_by)
        stmt = stmt.order_by(row.ends_at, row.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = await self._session.scalars(stmt.execution_options(populate_existing=True))
        return await self._hydrated_all(list(rows))

    async def _change_running(
        self,
        *,
        request_id: int,
        values: Mapping[str, object],
        action: AuditAction,
        actor_id: str,
        actor_name: str | None,
        at: datetime,
        details: dict[str, object],
        condition: ColumnElement[bool] | None = None,
    ) -> TransitionResult:
        """Update a running temporary change (only while it runs) and record `action`."""
        return await self._guarded_update(
            request_id,
            [self._running()],
            condition=condition,
            values=values,
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            details=details,
            at=at,
        )

    async def extend(
        self,
        *,
        request_id: int,
        previous_end: datetime,
        ends_at: datetime,
        actor_id: str,
        actor_name: str | None,
        now: datetime,
    ) -> TransitionResult:
        """Move a running temporary change's end to `ends_at`, if it still ends at
        `previous_end` (what the person extending saw), with an `extended` event."""
        return await self._change_running(
            request_id=request_id,
            values={"ends_at": ends_at},
            condition=ChangeRequestRow.ends_at == previous_end,
            action=AuditAction.EXTENDED,
            actor_id=actor_id,
            actor_name=actor_name,
            at=now,
            details={"previous_ends_at": previous_end.isoformat(), "ends_at": ends_at.isoformat()},
        )

    async def end_early(
        self, *, request_id: int, actor_id: str, actor_name: str | None, now: datetime
    ) -> TransitionResult:
        """Make a running temporary change end now (`ended_early` event); its revert follows."""
        return await self._change_running(
            request_id=request_id,
            values={"ends_at": now},
            condition=ChangeRequestRow.ends_at > now,
            action=AuditAction.ENDED_EARLY,
            actor_id=actor_id,
            actor_name=actor_name,
            at=now,
            details={"ends_at": now.isoformat()},
        )

    async def start_revert(
        self,
        *,
        request_id: int,
        now: datetime,
        restore: Sequence[ExtensionRef],
        remove: Sequence[ExtensionRef],
        skipped: Sequence[RevertSkip],
        handlers_before: Sequence[ExtensionRef],
        owner: str,
        lease_until: datetime,
        ended_by_id: str | None = None,
        ended_by_name: str | None = None,
    ) -> RevertStart:
        """Act on the end of a running temporary change whose end has come (at `now`): record
        it as ended with what its revert leaves alone (`revert_skipped` event), and create the
        revert of the rest, claimed by `owner` for applying (`reverting` event).

        One guarded UPDATE of the change decides: of concurrent callers (or a caller racing an
        Extend) at most one wins; the others get `won=False` and nothing is written for them.
        """
        row = ChangeRequestRow
        ended = await self._session.scalar(
            update(row)
            .where(row.id == request_id, self._running(), row.ends_at <= now)
            .values(ended_at=now, end_skipped=_skips_to_json(skipped))
            .returning(row),
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
        if ended is None:
            current = await self.get_request(request_id=request_id)
            if current is None:
                raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
            return RevertStart(won=False, original=current)
        original = await self._hydrated(ended)
        actor_id = ended_by_id or SYSTEM_ACTOR
        revert = None
        if restore or remove:
            revert = await self._create_revert(
                original,
                now=now,
                restore=restore,
                remove=remove,
                handlers_before=handlers_before,
                owner=owner,
                lease_until=lease_until,
                ended_by_id=ended_by_id,
                ended_by_name=ended_by_name,
            )
            await self.request_event(
                revert,
                actor_id=actor_id,
                actor_name=ended_by_name,
                action=AuditAction.REVERTING,
                handlers_before=handlers_before,
                details={
                    "reverts_request": original.id,
                    "ends_at": _iso(original.ends_at),
                    "skipped": len(skipped),
                },
                occurred_at=now,
            )
        if skipped:
            await self.append_event(
                actor_id=actor_id,
                actor_name=ended_by_name,
                action=AuditAction.REVERT_SKIPPED,
                resource_id=original.resource_id,
                resource_type=original.resource_type,
                resource_name=original.resource_name,
                request_id=original.id,
                handlers_before=handlers_before,
                details={
                    "skipped": _skips_to_json(skipped),
                    "revert_request": None if revert is None else revert.id,
                },
                occurred_at=now,
            )
        return RevertStart(won=True, original=original, revert=revert)

    async def _create_revert(
        self,
        original: ChangeRequest,
        *,
        now: datetime,
        restore: Sequence[ExtensionRef],
        remove: Sequence[ExtensionRef],
        handlers_before: Sequence[ExtensionRef],
        owner: str,
        lease_until: datetime,
        ended_by_id: str | None,
        ended_by_name: str | None,
    ) -> ChangeRequest:
        """The revert of `original`: a change request made by the bot, claimed for applying."""
        row = ChangeRequestRow(
            resource_id=original.resource_id,
            resource_type=original.resource_type.value,
            resource_name=original.resource_name,
            requester_id=SYSTEM_ACTOR,
            requester_name=REVERT_REQUESTER_NAME,
            add_extensions=_refs_to_json(restore),
            remove_extensions=_refs_to_json(remove),
            reason=f"End of temporary change #{original.id}",
            status=RequestStatus.APPLYING.value,
            created_at=now,
            updated_at=now,
            decided_by_id=ended_by_id or SYSTEM_ACTOR,
            decided_by_name=ended_by_name or REVERT_REQUESTER_NAME,
            decided_at=now,
            handlers_before=_refs_to_json(handlers_before),
            apply_owner=owner,
            apply_lease_until=lease_until,
            reverts_request_id=original.id,
            time_zone=original.time_zone,
        )
        self._session.add(row)
        await self._session.flush()
        return _request_from_row(row, ())  # a revert is never approved by anyone

    async def revert_of(self, *, request_id: int) -> ChangeRequest | None:
        """The bot's revert of this temporary change, if one was made."""
        return await self._one_request(ChangeRequestRow.reverts_request_id == request_id)

    async def ended_untold(
        self, *, since: datetime | None = None, limit: int = 50
    ) -> list[ChangeRequest]:
        """Temporary changes that ended (since `since`) with nothing to revert whose `ended`
        notice was not sent yet, oldest first (a revert's outcome is told with the revert)."""
        row = ChangeRequestRow
        revert = aliased(ChangeRequestRow)
        reverts = select(revert.id).where(revert.reverts_request_id == row.id)
        notice = TemporaryNoticeRow
        told = select(notice.request_id).where(
            notice.request_id == row.id,
            notice.kind == NoticeKind.ENDED.value,
            notice.ends_at == row.ends_at,
            notice.sent_at.is_not(None),
        )
        ended = row.ended_at.is_not(None) if since is None else row.ended_at >= since
        rows = await self._session.scalars(
            select(row)
            .where(ended, ~reverts.exists(), ~told.exists())
            .order_by(row.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return await self._hydrated_all(list(rows))

    async def applied_event_id(self, *, request_id: int) -> int | None:
        """The id of the request's last `applied` event (where it took effect), if any."""
        found = await self._session.scalar(
            select(func.max(AuditEventRow.id)).where(
                AuditEventRow.request_id == request_id,
                AuditEventRow.action == AuditAction.APPLIED.value,
            )
        )
        return None if found is None else int(found)

    async def events_after(self, *, resource_id: str, after_id: int) -> list[AuditEvent]:
        """The resource's audit events after event `after_id`, oldest first."""
        rows = await self._session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.resource_id == resource_id, AuditEventRow.id > after_id)
            .order_by(AuditEventRow.id)
        )
        return [_event_from_row(r) for r in rows]

    # Notices about temporary changes: claimed, sent, then marked

    async def claim_notice(
        self,
        *,
        request_id: int,
        kind: NoticeKind,
        ends_at: datetime,
        owner: str,
        now: datetime,
        until: datetime,
    ) -> bool:
        """Claim sending a notice for one end time until `until`; False when it was sent, or
        another caller's claim still holds."""
        notice = TemporaryNoticeRow
        stmt = self._insert(notice).values(
            request_id=request_id,
            kind=kind.value,
            ends_at=ends_at,
            owner=owner,
            claimed_until=until,
            sent_at=None,
        )
        claimed = await self._session.scalar(
            stmt.on_conflict_do_update(
                index_elements=[notice.request_id, notice.kind, notice.ends_at],
                set_={"owner": stmt.excluded.owner, "claimed_until": stmt.excluded.claimed_until},
                where=and_(notice.sent_at.is_(None), notice.claimed_until <= now),
            ).returning(notice.request_id)
        )
        return claimed is not None

    async def finish_notice(
        self,
        *,
        request_id: int,
        kind: NoticeKind,
        ends_at: datetime,
        owner: str,
        now: datetime,
        sent: bool,
    ) -> bool:
        """End the owner's claim: `sent` records the notice as sent, otherwise the claim is
        given up (to be tried again); False when the claim was no longer the owner's."""
        notice = TemporaryNoticeRow
        values: dict[str, object] = {"sent_at": now} if sent else {"claimed_until": now}
        done = await self._session.scalar(
            update(notice)
            .where(
                notice.request_id == request_id,
                notice.kind == kind.value,
                notice.ends_at == ends_at,
                notice.owner == owner,
                notice.sent_at.is_(None),
            )
            .values(values)
            .returning(notice.request_id),
            execution_options={"synchronize_session": False},
        )
        return done is not None

    async def notices_sent(self, *, request_id: int) -> list[tuple[NoticeKind, datetime]]:
        """The notices sent about a temporary change: kind and the end time each was for."""
        notice = TemporaryNoticeRow
        rows = await self._session.execute(
            select(notice.kind, notice.ends_at)
            .where(notice.request_id == request_id, notice.sent_at.is_not(None))
            .order_by(notice.ends_at, notice.kind)
        )
        return [(NoticeKind(kind), ends_at) for kind, ends_at in rows]

    # Audit events (append-only: there is deliberately no update or delete here)

    async def request_event(
        self,
        request: ChangeRequest,
        *,
        actor_id: str,
        actor_name: str | None,
        action: AuditAction,
        **fields: Any,
    ) -> AuditEvent:
        """An audit event about `request`: its resource and its change, and `fields`."""
        return await self.append_event(
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            resource_id=request.resource_id,
            resource_type=request.resource_type,
            resource_name=request.resource_name,
            request_id=request.id,
            added=request.add,
            removed=request.remove,
            **fields,
        )

    async def append_event(
        self,
        *,
        actor_id: str,
        actor_name: str | None,
        action: AuditAction,
        resource_id: str,
        resource_type: ResourceType | None = None,
        resource_name: str | None = None,
        request_id: int | None = None,
        added: Sequence[ExtensionRef] = (),
        removed: Sequence[ExtensionRef] = (),
        handlers_before: Sequence[ExtensionRef] | None = None,
        handlers_after: Sequence[ExtensionRef] | None = None,
        details: dict[str, object] | None = None,
        occurred_at: datetime | None = None,
    ) -> AuditEvent:
        """Add one line to the audit log (`details` must be JSON-serialisable)."""
        row = AuditEventRow(
            occurred_at=occurred_at or utc_now(),
            actor_id=actor_id,
            actor_name=actor_name,
            action=action.value,
            resource_id=resource_id,
            resource_type=None if resource_type is None else resource_type.value,
            resource_name=resource_name,
            request_id=request_id,
            added=_refs_to_json(added),
            removed=_refs_to_json(removed),
            handlers_before=_optional_refs_to_json(handlers_before),
            handlers_after=_optional_refs_to_json(handlers_after),
            details=dict(details or {}),
        )
        self._session.add(row)
        await self._session.flush()
        return _event_from_row(row)

    async def history(
        self,
        *,
        resource_id: str | None = None,
        actor_id: str | None = None,
        request_id: int | None = None,
        text: str | None = None,
        since: datetime | None = None,
        before_id: int | None = None,
        limit: int = 20,
    ) -> HistoryPage:
        """Audit events matching every filter given, newest first, one page (keyset by id).

        `text` matches a resource id exactly or a resource name (case-insensitive substring).
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        stmt = _history_query(
            resource_id=resource_id,
            actor_id=actor_id,
            request_id=request_id,
            text=text,
            since=since,
        )
        if before_id is not None:
            stmt = stmt.where(AuditEventRow.id < before_id)
        rows = list(
            await self._session.scalars(stmt.order_by(AuditEventRow.id.desc()).limit(limit + 1))
        )
        events = tuple(_event_from_row(row) for row in rows[:limit])
        next_before_id = events[-1].id if len(rows) > limit else None
        return HistoryPage(events=events, next_before_id=next_before_id)

    async def events_on_resources_requested_by(
        self,
        *,
        requester_id: str,
        actions: Collection[AuditAction],
        limit: int,
        count_up_to: int,
    ) -> EventSample:
        """The newest `limit` events of these `actions` on every resource `requester_id` has
        asked to change, newest first, and how many there are (counted up to `count_up_to`)."""
        requested = (
            select(ChangeRequestRow.resource_id)
            .where(ChangeRequestRow.requester_id == requester_id)
            .distinct()
        )
        matching = select(AuditEventRow).where(
            AuditEventRow.resource_id.in_(requested),
            AuditEventRow.action.in_([action.value for action in actions]),
        )
        rows = await self._session.scalars(matching.order_by(AuditEventRow.id.desc()).limit(limit))
        counted = matching.with_only_columns(AuditEventRow.id).limit(count_up_to + 1).subquery()
        total = int(await self._session.scalar(select(func.count()).select_from(counted)) or 0)
        return EventSample(
            events=tuple(_event_from_row(row) for row in rows),
            total=min(total, count_up_to),
            counted_all=total <= count_up_to,
        )

    # Handler snapshots

    async def record_reading(
        self,
        *,
        resource_id: str,
        resource_type: ResourceType,
        resource_name: str,
        handlers: Sequence[ExtensionRef],
        read_at: datetime,
        bot_added: Collection[str] = (),
        bot_removed: Collection[str] = (),
    ) -> RecordedReading:
        """Record a resource's SMS handlers as read live at `read_at`: the only way a snapshot
        is written, so every reading is compared with the one before.

        A difference the bot did not make is written as one `external_change` event (who was
        added or removed, between which two readings), in this transaction. What the bot was
        changing meanwhile is left out: the additions and removals of the resource's requests
        being applied (status `applying`), and those it just sent when this is the read-back
        of a change (`bot_added`, `bot_removed`). The snapshot row is locked while it is
        compared, so concurrent readings are compared one after the other and a change is
        recorded once; a reading older than the stored one is dropped (a newer one was compared
        already).
        """
        stored = await self._snapshot_for_update(resource_id)
        if stored is None:
            inserted = await self._session.scalar(
                self._insert(HandlerSnapshotRow)
                .values(resource_id=resource_id, handlers=_refs_to_json(handlers), taken_at=read_at)
                .on_conflict_do_nothing(index_elements=[HandlerSnapshotRow.resource_id])
                .returning(HandlerSnapshotRow.resource_id)
            )
            if inserted is not None:  # the first reading: nothing to compare it with
                snapshot = HandlerSnapshot(resource_id, tuple(handlers), read_at)
                return RecordedReading(snapshot=snapshot, change=None, recorded=True)
            stored = await self._snapshot_for_update(resource_id)  # another one just came first
            assert stored is not None
        if stored.taken_at > read_at:
            return RecordedReading(snapshot=stored, change=None, recorded=False)
        adding, removing = await self._changes_being_applied(resource_id)
        change = outside_change(
            stored.handlers,
            handlers,
            bot_adding=adding | set(bot_added),
            bot_removing=removing | set(bot_removed),
        )
        event = None
        if change:
            event = await self.append_event(
                actor_id=SYSTEM_ACTOR,
                actor_name=None,
                action=AuditAction.EXTERNAL_CHANGE,
                resource_id=resource_id,
                resource_type=resource_type,
                resource_name=resource_name,
                added=change.added,
                removed=change.removed,
                handlers_before=stored.handlers,
                handlers_after=handlers,
                details={
                    PREVIOUS_READING_AT: stored.taken_at.isoformat(),
                    READING_AT: read_at.isoformat(),
                },
                occurred_at=read_at,
            )
        await self._session.execute(
            update(HandlerSnapshotRow)
            .where(HandlerSnapshotRow.resource_id == resource_id)
            .values(handlers=_refs_to_json(handlers), taken_at=read_at),
            execution_options={"synchronize_session": False},
        )
        snapshot = HandlerSnapshot(resource_id, tuple(handlers), read_at)
        return RecordedReading(snapshot=snapshot, change=event, recorded=True)

    async def _snapshot_for_update(self, resource_id: str) -> HandlerSnapshot | None:
        """The stored snapshot, locked until the transaction ends (PostgreSQL; SQLite's write
        transactions hold the whole database already)."""
        row = await self._session.scalar(
            select(HandlerSnapshotRow)
            .where(HandlerSnapshotRow.resource_id == resource_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return None if row is None else _snapshot_from_row(row)

    async def _changes_being_applied(self, resource_id: str) -> tuple[set[str], set[str]]:
        """The extension ids the bot is adding to and removing from the resource right now."""
        rows = await self._session.execute(
            select(ChangeRequestRow.add_extensions, ChangeRequestRow.remove_extensions).where(
                ChangeRequestRow.resource_id == resource_id,
                ChangeRequestRow.status == RequestStatus.APPLYING.value,
            )
        )
        adding: set[str] = set()
        removing: set[str] = set()
        for added, removed in rows:
            adding.update(ref.id for ref in _refs_from_json(added))
            removing.update(ref.id for ref in _refs_from_json(removed))
        return adding, removing

    async def latest_snapshot(self, *, resource_id: str) -> HandlerSnapshot | None:
        """The SMS handlers last recorded for the resource, or None if never recorded."""
        row = await self._session.scalar(
            select(HandlerSnapshotRow)
            .where(HandlerSnapshotRow.resource_id == resource_id)
            .execution_options(populate_existing=True)
        )
        return None if row is None else _snapshot_from_row(row)

    async def snapshots(
        self, *, resource_ids: Collection[str] | None = None
    ) -> dict[str, HandlerSnapshot]:
        """The last recorded SMS handlers of these resources (default: all), by resource id."""
        stmt = select(HandlerSnapshotRow).execution_options(populate_existing=True)
        if resource_ids is not None:
            stmt = stmt.where(HandlerSnapshotRow.resource_id.in_(list(resource_ids)))
        rows = await self._session.scalars(stmt)
        return {row.resource_id: _snapshot_from_row(row) for row in rows}

    # The Home tab

    async def record_home_opened(self, *, user_id: str, email: str | None, at: datetime) -> None:
        """Remember that this Slack user has opened the Home tab: when, last, and their email."""
        shown = email.strip().lower() if email else None
        stmt = self._insert(HomeViewerRow).values(user_id=user_id, email=shown, opened_at=at)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[HomeViewerRow.user_id],
                set_={"email": stmt.excluded.email, "opened_at": stmt.excluded.opened_at},
            )
        )

    async def home_viewers(
        self, *, among: Collection[str], emails: Collection[str] = ()
    ) -> set[str]:
        """The Slack users who have opened the Home tab and are among these user ids or have one
        of these emails (compared ignoring case)."""
        wanted = [e.strip().lower() for e in emails if e.strip()]
        if not among and not wanted:
            return set()
        rows = await self._session.scalars(
            select(HomeViewerRow.user_id).where(
                or_(HomeViewerRow.user_id.in_(list(among)), HomeViewerRow.email.in_(wanted))
            )
        )
        return set(rows)

    # Coordinator leases

    async def acquire_lease(
        self, *, name: str, owner: str, now: datetime, expires_at: datetime
    ) -> bool:
        """Take or renew the lease `name` for `owner` until `expires_at`, in one statement.

        Inserted when nobody has it; taken over when it expired (at `now`) or is already
        `owner`'s; otherwise left alone and False is returned. Concurrent callers cannot both
        win: the row is locked by the conflicting insert on PostgreSQL, and SQLite writes one
        transaction at a time.
        """
        stmt = self._insert(CoordinatorLeaseRow).values(
            name=name, owner=owner, expires_at=expires_at, acquired_at=now
        )
        lease, proposed = CoordinatorLeaseRow, stmt.excluded
        renewing = lease.owner == proposed.owner
        won = await self._session.scalar(
            stmt.on_conflict_do_update(
                index_elements=[lease.name],
                set_={
                    "owner": proposed.owner,
                    "expires_at": proposed.expires_at,
                    "acquired_at": case((renewing, lease.acquired_at), else_=proposed.acquired_at),
                },
                where=or_(renewing, lease.expires_at <= now),
            ).returning(lease.owner)
        )
        return won is not None

    async def release_lease(self, *, name: str, owner: str) -> bool:
        """Give the lease up if `owner` holds it (at shutdown): another may take it at once."""
        released = await self._session.scalar(
            delete(CoordinatorLeaseRow)
            .where(CoordinatorLeaseRow.name == name, CoordinatorLeaseRow.owner == owner)
            .returning(CoordinatorLeaseRow.name)
        )
        return released is not None

    async def lease(self, *, name: str) -> LeaseState | None:
        """The lease as stored (possibly expired), or None when nobody took it."""
        row = await self._session.scalar(
            select(CoordinatorLeaseRow)
            .where(CoordinatorLeaseRow.name == name)
            .execution_options(populate_existing=True)
        )
        if row is None:
            return None
        return LeaseState(
            name=row.name, owner=row.owner, expires_at=row.expires_at, acquired_at=row.acquired_at
        )

    # Shared RingCentral rate-limit state

    async def rate_limit_states(self) -> dict[str, RateLimitState]:
        """Every rate group's shared state, by group name."""
        rows = await self._session.scalars(
            select(RateLimitStateRow).execution_options(populate_existing=True)
        )
        return {row.rate_group: _rate_state_from_row(row) for row in rows}

    async def record_rate_limit(
        self,
        *,
        rate_group: str,
        remaining: int,
        window_ends_at: datetime,
        blocked_until: datetime | None,
        now: datetime,
    ) -> None:
        """Merge what one answer said about a rate group into the shared state.

        `blocked_until` only ever moves later. Within a window that is still open, `remaining`
        only goes down (an answer cannot know of calls other instances counted meanwhile); once
        the window is over, or while a new window's count is being found out, or with a block,
        the answer's count and window replace the stored ones.
        """
        stmt = self._insert(RateLimitStateRow).values(
            rate_group=rate_group,
            blocked_until=blocked_until,
            remaining=remaining,
            window_ends_at=window_ends_at,
            updated_at=now,
        )
        state, answer = RateLimitStateRow, stmt.excluded
        same_window = and_(
            answer.blocked_until.is_(None),
            state.window_ends_at > now,
            state.remaining.is_not(None),
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[state.rate_group],
                set_={
                    "blocked_until": case(
                        (state.blocked_until.is_(None), answer.blocked_until),
                        (answer.blocked_until > state.blocked_until, answer.blocked_until),
                        else_=state.blocked_until,
                    ),
                    "remaining": case(
                        (and_(same_window, state.remaining < answer.remaining), state.remaining),
                        else_=answer.remaining,
                    ),
                    "window_ends_at": case(
                        (same_window, state.window_ends_at), else_=answer.window_ends_at
                    ),
                    "updated_at": answer.updated_at,
                },
            )
        )

    async def claim_rate_call(
        self, *, rate_group: str, now: datetime, probe_until: datetime
    ) -> RateLimitState | None:
        """Count one call against the group's shared remaining, or None (nothing changed).

        Refused while the group is blocked, when the open window has nothing left, and while
        another instance finds out a new window's count. When the stored window is over, the
        claim is that finding out: `remaining` becomes unknown (None) until the answer is
        recorded, or until `probe_until` if it never comes.
        """
        state = RateLimitStateRow
        window_open = state.window_ends_at > now
        row = await self._session.scalar(
            update(state)
            .where(
                state.rate_group == rate_group,
                or_(state.blocked_until.is_(None), state.blocked_until <= now),
                or_(
                    and_(window_open, state.remaining > 0),
                    state.window_ends_at.is_(None),
                    state.window_ends_at <= now,
                ),
            )
            .values(
                remaining=case((window_open, state.remaining - 1), else_=null()),
                window_ends_at=case(
                    (window_open, state.window_ends_at),
                    else_=literal(probe_until, UtcDateTime()),
                ),
                updated_at=now,
            )
            .returning(state),
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
        return None if row is None else _rate_state_from_row(row)


def _rate_state_from_row(row: RateLimitStateRow) -> RateLimitState:
    return RateLimitState(
        rate_group=row.rate_group,
        blocked_until=row.blocked_until,
        remaining=row.remaining,
        window_ends_at=row.window_ends_at,
        updated_at=row.updated_at,
    )


def _snapshot_from_row(row: HandlerSnapshotRow) -> HandlerSnapshot:
    return HandlerSnapshot(
        resource_id=row.resource_id,
        handlers=_refs_from_json(row.handlers),
        taken_at=row.taken_at,
    )


def _history_query(
    *,
    resource_id: str | None,
    actor_id: str | None,
    request_id: int | None,
    text: str | None,
    since: datetime | None,
) -> Select[AuditEventRow]:
    stmt = select(AuditEventRow)
    if resource_id is not None:
        stmt = stmt.where(AuditEventRow.resource_id == resource_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEventRow.actor_id == actor_id)
    if request_id is not None:
        stmt = stmt.where(AuditEventRow.request_id == request_id)
    if since is not None:
        stmt = stmt.where(AuditEventRow.occurred_at >= since)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                AuditEventRow.resource_id == text,
                func.lower(AuditEventRow.resource_name).like(pattern.lower(), escape="\\"),
            )
        )
    return stmt


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _optional_seconds(length: timedelta | None) -> int | None:
    return None if length is None else _seconds(length)


def _temporary_details(request: ChangeRequest) -> dict[str, object]:
    """What the `requested` event says of a temporary request."""
    if request.temporary_until is not None:
        return {"temporary_until": request.temporary_until.isoformat()}
    if request.temporary_for is not None:
        return {"temporary_seconds": _optional_seconds(request.temporary_for)}
    return {}


def _skips_to_json(skips: Sequence[RevertSkip]) -> JsonList:
    return [
        {
            "id": skip.person.id,
            "name": skip.person.name,
            "extension_number": skip.person.extension_number,
            "was_added": skip.was_added,
            "why": skip.why,
        }
        for skip in skips
    ]


def _skips_from_json(items: JsonList) -> tuple[RevertSkip, ...]:
    return tuple(
        RevertSkip(
            person=ExtensionRef(
                id=str(item["id"]),
                name=str(item["name"]),
                extension_number=item.get("extension_number"),
            ),
            was_added=bool(item["was_added"]),
            why=str(item["why"]),
        )
        for item in items
    )


def _refs_to_json(refs: Sequence[ExtensionRef]) -> JsonList:
    return [
        {"id": ref.id, "name": ref.name, "extension_number": ref.extension_number} for ref in refs
    ]


def _optional_refs_to_json(refs: Sequence[ExtensionRef] | None) -> JsonList | None:
    return None if refs is None else _refs_to_json(refs)


def _refs_from_json(items: JsonList) -> tuple[ExtensionRef, ...]:
    return tuple(
        ExtensionRef(
            id=str(item["id"]),
            name=str(item["name"]),
            extension_number=item.get("extension_number"),
        )
        for item in items
    )


def _optional_refs_from_json(items: JsonList | None) -> tuple[ExtensionRef, ...] | None:
    return None if items is None else _refs_from_json(items)


def _not_expired(now: datetime) -> ColumnElement[bool]:
    return or_(ChangeRequestRow.expires_at.is_(None), ChangeRequestRow.expires_at > now)


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())


def _claimed(owner: str, lease_until: datetime) -> dict[str, object]:
    """A request claimed for applying by `owner`: an earlier attempt's outcome cleared."""
    return {
        "error_code": None,
        "error_message": None,
        "warning": None,
        "apply_owner": owner,
        "apply_lease_until": lease_until,
    }


def _targets_to_json(targets: Sequence[OffboardingTarget]) -> JsonList:
    return [
        {"id": t.resource_id, "type": t.resource_type.value, "name": t.resource_name}
        for t in targets
    ]


def _targets_from_json(items: JsonList) -> tuple[OffboardingTarget, ...]:
    return tuple(
        OffboardingTarget(
            resource_id=str(item["id"]),
            resource_type=ResourceType(item["type"]),
            resource_name=str(item["name"]),
        )
        for item in items
    )


def _offboarding_details(request: ChangeRequest, details: dict[str, object]) -> dict[str, object]:
    """An event's details, naming an offboarding's resources."""
    if request.is_offboarding:
        details["resources"] = [
            {"id": p.target.resource_id, "name": p.target.resource_name} for p in request.parts
        ]
    return details


def _request_from_row(
    row: ChangeRequestRow,
    approvals: tuple[Approval, ...],
    parts: tuple[OffboardingPart, ...] = (),
) -> ChangeRequest:
    remind_every = row.remind_every_seconds
    return ChangeRequest(
        id=row.id,
        resource_id=row.resource_id,
        resource_type=ResourceType(row.resource_type),
        resource_name=row.resource_name,
        requester_id=row.requester_id,
        requester_name=row.requester_name,
        add=_refs_from_json(row.add_extensions),
        remove=_refs_from_json(row.remove_extensions),
        reason=row.reason,
        status=RequestStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        decided_by_id=row.decided_by_id,
        decided_by_name=row.decided_by_name,
        decided_at=row.decided_at,
        decision_comment=row.decision_comment,
        applied_at=row.applied_at,
        error_code=row.error_code,
        error_message=row.error_message,
        warning=row.warning,
        handlers_before=_optional_refs_from_json(row.handlers_before),
        handlers_after=_optional_refs_from_json(row.handlers_after),
        slack_channel_id=row.slack_channel_id,
        slack_message_ts=row.slack_message_ts,
        requester_channel_id=row.requester_channel_id,
        requester_message_ts=row.requester_message_ts,
        apply_owner=row.apply_owner,
        apply_lease_until=row.apply_lease_until,
        notified_status=None if row.notified_status is None else RequestStatus(row.notified_status),
        policy_rule=row.policy_rule,
        approvals_required=row.approvals_required,
        approvals=approvals,
        expires_at=row.expires_at,
        remind_every=None if remind_every is None else timedelta(seconds=remind_every),
        next_reminder_at=row.next_reminder_at,
        reminded_at=row.reminded_at,
        escalate_at=row.escalate_at,
        escalated_at=row.escalated_at,
        temporary_until=row.temporary_until,
        temporary_for=(
            None if row.temporary_seconds is None else timedelta(seconds=row.temporary_seconds)
        ),
        time_zone=row.time_zone,
        ends_at=row.ends_at,
        ended_at=row.ended_at,
        end_skipped=_skips_from_json(row.end_skipped or []),
        reverts_request_id=row.reverts_request_id,
        kind=RequestKind(row.kind or RequestKind.CHANGE.value),
        parts=parts,
        parent_id=row.parent_id,
    )


def _event_from_row(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        action=AuditAction(row.action),
        resource_id=row.resource_id,
        resource_type=None if row.resource_type is None else ResourceType(row.resource_type),
        resource_name=row.resource_name,
        request_id=row.request_id,
        added=_refs_from_json(row.added),
        removed=_refs_from_json(row.removed),
        handlers_before=_optional_refs_from_json(row.handlers_before),
        handlers_after=_optional_refs_from_json(row.handlers_after),
        details=dict(row.details),
    )
