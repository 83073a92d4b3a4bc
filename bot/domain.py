"""Domain records shared by services, the repository, views and the CLI, and the table of the
state changes a change request may go through (`REQUEST_TRANSITIONS`).

Plain frozen dataclasses: no Slack types, no HTTP, no SQLAlchemy. RingCentral ids are strings
everywhere here (the API gives extension ids as integers and call-queue ids as strings).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType


class ResourceType(StrEnum):
    """A common resource: something with shared SMS numbers and its own list of SMS handlers."""

    MAIN_SITE = "main_site"
    SITE = "site"
    CALL_QUEUE = "call_queue"
    # Not a resource: what an offboarding request (RequestKind.OFFBOARDING) is about, a person
    # (their extension id, name) whose SMS handling is removed from every resource.
    PERSON = "person"

    @property
    def label(self) -> str:
        return {
            "main_site": "Main site",
            "site": "Site",
            "call_queue": "Call queue",
            "person": "Person",
        }[self.value]


# The kinds of resource (ResourceType.PERSON is what an offboarding is about, not a resource).
RESOURCE_TYPES = (ResourceType.MAIN_SITE, ResourceType.SITE, ResourceType.CALL_QUEUE)


class NumberSource(StrEnum):
    """Why a phone number is one of a resource's shared SMS numbers."""

    MAIN_COMPANY_NUMBER = "MainCompanyNumber"
    COMPANY_NUMBER = "CompanyNumber"
    SITE_DIRECT_NUMBER = "SiteDirectNumber"
    IVR_MENU_DIRECT_NUMBER = "IvrMenuDirectNumber"
    CALL_QUEUE_DIRECT_NUMBER = "CallQueueDirectNumber"

    @property
    def label(self) -> str:
        return {
            "MainCompanyNumber": "main company number",
            "CompanyNumber": "company number",
            "SiteDirectNumber": "site direct number",
            "IvrMenuDirectNumber": "IVR menu number",
            "CallQueueDirectNumber": "queue direct number",
        }[self.value]


@dataclass(frozen=True)
class SharedNumber:
    phone_number: str  # E.164, e.g. +16505550100
    source: NumberSource
    ivr_menu_name: str | None = None  # set when source is IvrMenuDirectNumber


@dataclass(frozen=True)
class IvrMenu:
    id: str
    name: str
    extension_number: str | None = None


@dataclass(frozen=True)
class Resource:
    """A main site, sub-site or call queue, with its shared SMS numbers and IVR menus."""

    id: str
    type: ResourceType
    name: str
    extension_number: str | None = None
    site_id: str | None = None  # the site a call queue belongs to ("main-site" for the main site)
    site_name: str | None = None
    phone_numbers: tuple[SharedNumber, ...] = ()
    ivr_menus: tuple[IvrMenu, ...] = ()


@dataclass(frozen=True)
class Handler:
    """One SMS handler of a resource, as RingCentral reports it."""

    id: str
    name: str
    extension_number: str | None = None
    extension_type: str | None = None
    assignable: bool = True
    has_license: bool = True


@dataclass(frozen=True)
class UserExtension:
    """A RingCentral user extension that could become an SMS handler."""

    id: str
    name: str
    extension_number: str | None = None
    email: str | None = None
    status: str | None = None
    site_name: str | None = None


@dataclass(frozen=True)
class ThreadMessagingFeature:
    """Whether SMS thread messaging is available on the account, and for which resource types."""

    available: bool
    call_queue_supported: bool
    site_supported: bool
    reason: str | None = None

    def supports(self, resource_type: ResourceType) -> bool:
        if not self.available:
            return False
        if resource_type is ResourceType.CALL_QUEUE:
            return self.call_queue_supported
        return self.site_supported


@dataclass(frozen=True)
class ExtensionRef:
    """An extension named in a change request or an audit event (id and name at the time)."""

    id: str
    name: str
    extension_number: str | None = None


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPLYING = "applying"
    APPLIED = "applied"
    FAILED = "failed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class AuditAction(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    APPLYING = "applying"
    APPLIED = "applied"
    APPLY_FAILED = "apply_failed"
    RETRIED = "retried"
    TAKEN_OVER = "taken_over"
    REAPPLYING = "reapplying"
    EXTERNAL_CHANGE = "external_change"
    APPROVAL_RECORDED = "approval_recorded"  # one of several approvals needed; no status change
    REMINDED = "reminded"  # the approvers were reminded of a pending request
    ESCALATED = "escalated"  # a pending request was posted to the escalation approvers
    # Temporary changes: their end moved, ended early, and what reverting them did.
    EXTENDED = "extended"
    ENDED_EARLY = "ended_early"
    REVERTING = "reverting"
    REVERTED = "reverted"
    REVERT_SKIPPED = "revert_skipped"


SYSTEM_ACTOR = "system"
OPERATOR_ACTOR = "operator"  # someone at the command line (`sms-handlers requests retry`)


class RequestKind(StrEnum):
    """A change of one resource's handlers, or an offboarding: one person removed from every
    resource they handle, approved once, applied as one child change request per resource."""

    CHANGE = "change"
    OFFBOARDING = "offboarding"


@dataclass(frozen=True)
class OffboardingTarget:
    """A resource an offboarding removes its person from."""

    resource_id: str
    resource_type: ResourceType
    resource_name: str


@dataclass(frozen=True)
class OffboardingPart:
    """One resource of an offboarding and, once it was approved, its child change request."""

    target: OffboardingTarget
    request_id: int | None = None  # the child request (None while the offboarding is pending)
    status: RequestStatus | None = None
    error_message: str | None = None
    warning: str | None = None


class RequestIntent(StrEnum):
    """What someone (or the bot) wants to do to a change request; see REQUEST_TRANSITIONS."""

    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"
    START_APPLYING = "start_applying"
    RETRY = "retry"
    FINISH = "finish"
    FAIL = "fail"
    TAKE_OVER = "take_over"
    REAPPLY = "reapply"
    FINISH_REVERT = "finish_revert"
    # An offboarding's own status follows its parts (its child requests): applying while one is
    # applying, then applied when all are, failed when one failed (until it is retried).
    PARTS_APPLYING = "parts_applying"
    PARTS_APPLIED = "parts_applied"
    PARTS_FAILED = "parts_failed"


@dataclass(frozen=True)
class Transition:
    """An intent's move: from any of `sources` to `target`, recorded as `action` in the log."""

    sources: frozenset[RequestStatus]
    target: RequestStatus
    action: AuditAction

    def allows(self, status: RequestStatus) -> bool:
        return status in self.sources


def _move(*sources: RequestStatus, to: RequestStatus, records: AuditAction) -> Transition:
    return Transition(sources=frozenset(sources), target=to, action=records)


# Every state change a change request can go through. The repository guards each update with its
# intent's sources, so allowing a new move is adding a row (or a source) here. TAKE_OVER (recovery
# claiming a request whose applier is gone) and REAPPLY (recovery sending what is still missing)
# are further guarded there: by an expired lease, and by being the request's owner. A revert of a
# temporary change is a change request of its own, made by the bot already claimed for applying
# (event `reverting`); it moves like any other, except that its success is recorded as
# `reverted` (FINISH_REVERT).
REQUEST_TRANSITIONS: Mapping[RequestIntent, Transition] = MappingProxyType(
    {
        RequestIntent.APPROVE: _move(
            RequestStatus.PENDING, to=RequestStatus.APPROVED, records=AuditAction.APPROVED
        ),
        RequestIntent.REJECT: _move(
            RequestStatus.PENDING, to=RequestStatus.REJECTED, records=AuditAction.REJECTED
        ),
        RequestIntent.CANCEL: _move(
            RequestStatus.PENDING, to=RequestStatus.CANCELLED, records=AuditAction.CANCELLED
        ),
        RequestIntent.EXPIRE: _move(
            RequestStatus.PENDING, to=RequestStatus.EXPIRED, records=AuditAction.EXPIRED
        ),
        RequestIntent.START_APPLYING: _move(
            RequestStatus.APPROVED, to=RequestStatus.APPLYING, records=AuditAction.APPLYING
        ),
        RequestIntent.RETRY: _move(
            RequestStatus.FAILED, to=RequestStatus.APPLYING, records=AuditAction.RETRIED
        ),
        RequestIntent.FINISH: _move(
            RequestStatus.APPLYING, to=RequestStatus.APPLIED, records=AuditAction.APPLIED
        ),
        RequestIntent.FAIL: _move(
            RequestStatus.APPLYING, to=RequestStatus.FAILED, records=AuditAction.APPLY_FAILED
        ),
        RequestIntent.TAKE_OVER: _move(
            RequestStatus.APPROVED,
            RequestStatus.APPLYING,
            to=RequestStatus.APPLYING,
            records=AuditAction.TAKEN_OVER,
        ),
        RequestIntent.REAPPLY: _move(
            RequestStatus.APPLYING, to=RequestStatus.APPLYING, records=AuditAction.REAPPLYING
        ),
        RequestIntent.FINISH_REVERT: _move(
            RequestStatus.APPLYING, to=RequestStatus.APPLIED, records=AuditAction.REVERTED
        ),
        RequestIntent.PARTS_APPLYING: _move(
            RequestStatus.FAILED, to=RequestStatus.APPLYING, records=AuditAction.RETRIED
        ),
        RequestIntent.PARTS_APPLIED: _move(
            RequestStatus.APPLYING,
            RequestStatus.FAILED,
            to=RequestStatus.APPLIED,
            records=AuditAction.APPLIED,
        ),
        RequestIntent.PARTS_FAILED: _move(
            RequestStatus.APPLYING, to=RequestStatus.FAILED, records=AuditAction.APPLY_FAILED
        ),
    }
)


class NoticeKind(StrEnum):
    """A message about a running temporary change sent once per end time (recorded as sent)."""

    DAY_BEFORE = "day_before"
    HOUR_BEFORE = "hour_before"
    ENDED = "ended"  # its end came and nothing was left to revert

    @property
    def lead(self) -> timedelta:
        """How long before the end it is due."""
        return {
            "day_before": timedelta(days=1),
            "hour_before": timedelta(hours=1),
            "ended": timedelta(),
        }[self.value]


@dataclass(frozen=True)
class RevertSkip:
    """A part of a temporary change its revert leaves alone, and why (in words for people)."""

    person: ExtensionRef
    was_added: bool  # True: added by the change (so not removed); False: removed (not restored)
    why: str


@dataclass(frozen=True)
class Approval:
    """One approver's approval of a request (several are needed under an M-of-N rule)."""

    approver_id: str  # Slack user id
    approver_name: str
    approved_at: datetime
    comment: str | None = None


@dataclass(frozen=True)
class ApprovalTerms:
    """What the policy fixed on a request when it was made: the rule, how many distinct
    approvals it needs, where it is posted, and when it expires, is reminded and escalated."""

    rule: str | None = None
    approvals_required: int = 1
    channel: str | None = None
    expires_at: datetime | None = None
    remind_every: timedelta | None = None
    escalate_at: datetime | None = None


@dataclass(frozen=True)
class ChangeRequest:
    """A request to add and/or remove SMS handlers of one resource, and what became of it."""

    id: int
    resource_id: str
    resource_type: ResourceType
    resource_name: str
    requester_id: str  # Slack user id
    requester_name: str
    add: tuple[ExtensionRef, ...]
    remove: tuple[ExtensionRef, ...]
    reason: str
    status: RequestStatus
    created_at: datetime
    updated_at: datetime
    decided_by_id: str | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    decision_comment: str | None = None
    applied_at: datetime | None = None
    error_code: str | None = None  # of a failed request
    error_message: str | None = None
    warning: str | None = None  # of an applied request that needs an admin's attention
    handlers_before: tuple[ExtensionRef, ...] | None = None
    handlers_after: tuple[ExtensionRef, ...] | None = None
    slack_channel_id: str | None = None
    slack_message_ts: str | None = None
    requester_channel_id: str | None = None
    requester_message_ts: str | None = None
    apply_owner: str | None = None  # the bot instance applying it (or that last did)
    apply_lease_until: datetime | None = None  # its claim lasts until then unless renewed
    notified_status: RequestStatus | None = None  # the status its Slack messages last showed
    policy_rule: str | None = None  # the policy rule that applied when it was made
    approvals_required: int = 1  # distinct approvals needed before it is applied
    approvals: tuple[Approval, ...] = ()  # those given so far, oldest first
    expires_at: datetime | None = None  # still pending then: it expires
    remind_every: timedelta | None = None
    next_reminder_at: datetime | None = None  # the approvers are reminded then if still pending
    reminded_at: datetime | None = None  # when they last were
    escalate_at: datetime | None = None  # still pending then: posted to the escalation approvers
    escalated_at: datetime | None = None  # when it was
    kind: RequestKind = RequestKind.CHANGE
    # An offboarding: its resources and their child requests. A child: its offboarding's id.
    parts: tuple[OffboardingPart, ...] = ()
    parent_id: int | None = None

    @property
    def is_offboarding(self) -> bool:
        return self.kind is RequestKind.OFFBOARDING

    @property
    def approvals_missing(self) -> int:
        """How many more distinct approvals it needs."""
        return max(0, self.approvals_required - len(self.approvals))

    def approved_by(self, user_id: str) -> bool:
        """Whether this Slack user has approved it."""
        return any(a.approver_id == user_id for a in self.approvals)

    # A temporary change: asked until a moment, or for a length of time once applied.
    temporary_until: datetime | None = None
    temporary_for: timedelta | None = None
    time_zone: str | None = None  # the requester's Slack time zone when they asked (IANA name)
    ends_at: datetime | None = None  # set once applied; moved by Extend and End now
    ended_at: datetime | None = None  # when its end was acted on (revert started or skipped)
    end_skipped: tuple[RevertSkip, ...] = ()  # what its revert left alone, and why
    reverts_request_id: int | None = None  # set on the bot's revert of a temporary change

    @property
    def is_temporary(self) -> bool:
        """Asked for a limited time (reverted by the bot at its end)."""
        return self.temporary_until is not None or self.temporary_for is not None

    @property
    def is_revert(self) -> bool:
        """The bot's revert of a temporary change (`reverts_request_id` names it)."""
        return self.reverts_request_id is not None

    @property
    def temporary_running(self) -> bool:
        """Applied, temporary, and its end not acted on yet."""
        return (
            self.status is RequestStatus.APPLIED
            and self.ends_at is not None
            and self.ended_at is None
        )


@dataclass(frozen=True)
class AuditEvent:
    """One line of the append-only audit log."""

    id: int
    occurred_at: datetime
    actor_id: str  # Slack user id, or SYSTEM_ACTOR
    actor_name: str | None
    action: AuditAction
    resource_id: str
    resource_type: ResourceType | None
    resource_name: str | None
    request_id: int | None = None
    added: tuple[ExtensionRef, ...] = ()
    removed: tuple[ExtensionRef, ...] = ()
    handlers_before: tuple[ExtensionRef, ...] | None = None
    handlers_after: tuple[ExtensionRef, ...] | None = None
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HandlerSnapshot:
    """The SMS handlers the bot last saw on a resource (to notice changes made outside it)."""

    resource_id: str
    handlers: tuple[ExtensionRef, ...]
    taken_at: datetime


@dataclass(frozen=True)
class OutsideChange:
    """How a reading of a resource's handlers differs from the previous one, leaving out what
    the bot itself was changing meanwhile: a change made outside the bot."""

    added: tuple[ExtensionRef, ...]
    removed: tuple[ExtensionRef, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def outside_change(
    previous: Sequence[ExtensionRef],
    current: Sequence[ExtensionRef],
    *,
    bot_adding: Collection[str] = (),
    bot_removing: Collection[str] = (),
) -> OutsideChange:
    """Who appeared and who disappeared between two readings (by extension id, in reading
    order), except additions the bot was making (`bot_adding`) and removals it was making
    (`bot_removing`)."""
    before = {ref.id for ref in previous}
    after = {ref.id for ref in current}
    return OutsideChange(
        added=tuple(r for r in current if r.id not in before and r.id not in bot_adding),
        removed=tuple(r for r in previous if r.id not in after and r.id not in bot_removing),
    )


# The details of an `external_change` event: the two readings it lies between (ISO 8601, UTC).
PREVIOUS_READING_AT = "previous_reading_at"
READING_AT = "reading_at"


def readings_between(event: AuditEvent) -> tuple[datetime, datetime] | None:
    """When the two readings an `external_change` event lies between were taken (None for any
    other event, or when its details do not say)."""
    if event.action is not AuditAction.EXTERNAL_CHANGE:
        return None
    previous, current = event.details.get(PREVIOUS_READING_AT), event.details.get(READING_AT)
    if not isinstance(previous, str) or not isinstance(current, str):
        return None
    try:
        return datetime.fromisoformat(previous), datetime.fromisoformat(current)
    except ValueError:
        return None
