"""Change requests: create, review, approve, reject, cancel, apply and retry.

State moves only through the repository's intent-named operations (`decide`, `cancel`,
`start_applying`, …), each guarded by the domain's table of allowed transitions, so two approvers
(or two bot processes) clicking at once apply a request once: whoever loses the race is told who
decided first. A repeated submission (same idempotency key) is stored and announced once; the
repository decides which call stored it.

A new request is held to the terms of the policy rule that applies to it (`PolicyDecision.terms`:
the distinct approvals it needs, its channel, its deadlines), fixed when it is made. Each approval
is counted by `Repository.record_approval`; the one completing the count approves the request, and
that approval and this instance's claim to apply it are committed together; the `Applier`
(services/applying.py) then changes RingCentral, records the outcome and tells people. People are
told through a `RequestNotifier`. Nothing here knows about Slack payloads.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from bot import inputs
from bot.db.base import utc_now
from bot.db.errors import RequestNotFoundError
from bot.db.repository import ApprovalOutcome, Repository, TransitionResult
from bot.db.session import Database
from bot.domain import (
    REQUEST_TRANSITIONS,
    ChangeRequest,
    ExtensionRef,
    Handler,
    OffboardingTarget,
    RequestIntent,
    RequestKind,
    RequestStatus,
    Resource,
    ResourceType,
    ThreadMessagingFeature,
    UserExtension,
)
from bot.errors import SmsHandlersError
from bot.policy.decide import ProposedChange
from bot.services.applying import Applier
from bot.services.directory import Directory, UnknownResource
from bot.services.end_times import (
    EndChoice,
    EndField,
    InvalidEndError,
    TemporaryEnd,
    local_text,
    request_end,
)
from bot.services.notifier import MessageRefs, RequestNotifier
from bot.services.people import People, PersonChoice
from bot.services.policy import ApprovalPolicy

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Limits of what people type, enforced here whatever the modal let through (the modals use them).
REASON_MAX_LENGTH = 1000
COMMENT_MAX_LENGTH = 1000
PEOPLE_MAX_PER_FIELD = 100  # to add, and to remove, in one request


class RequestField(StrEnum):
    """The parts of a change request form a problem can be attached to."""

    ADD = "add"
    REMOVE = "remove"
    REMOVE_ALL = "remove_all"
    REASON = "reason"
    END_DATE = "end_date"  # a temporary change's end: date and time, or a length
    END_TIME = "end_time"
    DURATION = "duration"


END_FIELDS = {
    EndField.DATE: RequestField.END_DATE,
    EndField.TIME: RequestField.END_TIME,
    EndField.DURATION: RequestField.DURATION,
}


class InvalidRequestError(SmsHandlersError):
    """The change request form has problems; `problems` says which field has which."""

    def __init__(self, problems: Mapping[RequestField, str]) -> None:
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))


class InvalidCommentError(SmsHandlersError):
    """An approver's comment cannot be stored as it is (too long)."""


class TemporaryEndPassedError(SmsHandlersError):
    """A temporary request whose end has passed cannot be approved any more."""


class AlreadyDecidedError(SmsHandlersError):
    """Someone else decided (or cancelled) the request first."""

    def __init__(self, request: ChangeRequest) -> None:
        self.request = request
        super().__init__(describe_decision(request))


class AlreadyApprovedError(SmsHandlersError):
    """This approver approved the request already: one person counts once."""

    def __init__(self, request: ChangeRequest) -> None:
        self.request = request
        missing = request.approvals_missing
        more = f"{missing} more {'approval' if missing == 1 else 'approvals'}"
        super().__init__(
            f"You approved request #{request.id} already, and one person counts once: it needs "
            f"{more} from other approvers."
        )


@dataclass(frozen=True)
class Actor:
    """A Slack user acting on a request."""

    id: str
    name: str
    time_zone: str | None = None  # their Slack time zone (IANA name), when known


@dataclass(frozen=True)
class ChangeDraft:
    """What the requester filled in (`end`: until when, or for how long; nothing: for good)."""

    resource_id: str
    add_ids: tuple[str, ...]
    remove_ids: tuple[str, ...]
    reason: str
    remove_all_confirmed: bool = False
    end: EndChoice = field(default_factory=EndChoice)


@dataclass(frozen=True)
class ReviewState:
    """What an approver needs to decide: the live handlers and how the request relates to them
    (what the review modal shows)."""

    request: ChangeRequest
    current: tuple[Handler, ...]
    proposed: tuple[ExtensionRef, ...]  # the handlers after approval
    added_since: tuple[ExtensionRef, ...] = ()  # handlers added since the request was made
    removed_since: tuple[ExtensionRef, ...] = ()  # and removed since
    warnings: tuple[str, ...] = ()
    running: tuple[ChangeRequest, ...] = ()  # temporary changes still running on the resource


@dataclass(frozen=True)
class RequestForm:
    """What a new request form shows."""

    resource: Resource
    handlers: tuple[Handler, ...]
    feature: ThreadMessagingFeature
    me: PersonChoice | None  # the requester's RingCentral user, matched by email
    requester_email: str | None = None  # the email they were looked up by
    time_zone: str | None = None  # the requester's Slack time zone: ends are picked in it
    longest: timedelta | None = None  # the longest temporary change the rule allows here


_APPROVED_SINCE = frozenset(
    {RequestStatus.APPROVED, RequestStatus.APPLYING, RequestStatus.APPLIED, RequestStatus.FAILED}
)


def approvers_named(request: ChangeRequest) -> str:
    """Who approved it: `Alex`, `Alex and Sam`, `Alex, Sam and Noah` (the decider when no
    approval was recorded, as for requests from before approvals were counted)."""
    names = [a.approver_name for a in request.approvals]
    if not names:
        return request.decided_by_name or "someone"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe_decision(request: ChangeRequest) -> str:
    """`Request #3 was already approved by Alex.` and the like, for whoever came second."""
    status = request.status
    if status in _APPROVED_SINCE:
        who = approvers_named(request)
    else:
        who = request.decided_by_name or "someone"
    if status is RequestStatus.APPLYING:
        return (
            f"Request #{request.id} was already approved by {who} and is being applied in "
            f"RingCentral (since {request.updated_at:%H:%M:%S} UTC); its post will show the "
            "outcome."
        )
    if status is RequestStatus.APPROVED:
        return (
            f"Request #{request.id} was already approved by {who} and is waiting to be applied; "
            "its post will show the outcome."
        )
    if status in {RequestStatus.APPLIED, RequestStatus.FAILED}:
        return f"Request #{request.id} was already approved by {who} (now {status})."
    if status is RequestStatus.REJECTED:
        return f"Request #{request.id} was already rejected by {who}."
    if status is RequestStatus.CANCELLED:
        return f"Request #{request.id} was cancelled by {request.requester_name}."
    if status is RequestStatus.EXPIRED:
        return f"Request #{request.id} expired without a decision."
    return f"Request #{request.id} is still waiting for a decision."


def ref_of(person: Handler | UserExtension) -> ExtensionRef:
    """An extension reference (id, name, number) as stored with requests and events."""
    return ExtensionRef(id=person.id, name=person.name, extension_number=person.extension_number)


def _names(refs: Iterable[ExtensionRef]) -> str:
    return ", ".join(r.name for r in refs)


class RequestService:
    """Every operation on change requests."""

    def __init__(
        self,
        *,
        database: Database,
        directory: Directory,
        people: People,
        policy: ApprovalPolicy,
        notifier: RequestNotifier,
        applier: Applier,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database = database
        self.directory = directory
        self.people = people
        self.policy = policy
        self.notifier = notifier
        self.applier = applier
        self.clock = clock

    # -- reading ------------------------------------------------------------------------------

    async def get(self, *, request_id: int) -> ChangeRequest:
        """The request with this id, or a clear error."""
        if inputs.request_id(request_id) is None:  # no row has it (and PostgreSQL would refuse it)
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        async with self.database.reader() as repo:
            request = await repo.get_request(request_id=request_id)
        if request is None:
            raise RequestNotFoundError(f"Change request #{request_id} does not exist.")
        return request

    async def pending(self) -> list[ChangeRequest]:
        """Requests waiting for a decision, oldest first."""
        async with self.database.reader() as repo:
            return await repo.pending_requests()

    # -- creating -----------------------------------------------------------------------------

    async def form(
        self, *, resource_id: str, requester_email: str | None, time_zone: str | None = None
    ) -> RequestForm:
        """What the request form shows: the resource, its live handlers, the feature's state,
        the requester's own RingCentral user (for "Add me"), and the longest temporary change
        its rule allows."""
        resource = await self.directory.resource(resource_id=resource_id)
        handlers, feature, _ = await asyncio.gather(
            self.directory.handlers(resource_id=resource.id),
            self.directory.thread_messaging(),
            self.people.warm(),
        )
        self.people.remember(handlers)
        me = await self.people.by_email(email=requester_email) if requester_email else None
        rule = self.policy.decision_for_change(
            resource, ProposedChange(current=tuple(r.id for r in handlers))
        )
        return RequestForm(
            resource=resource,
            handlers=handlers,
            feature=feature,
            me=me,
            requester_email=requester_email,
            time_zone=time_zone,
            longest=rule.max_temporary,
        )

    async def create(
        self, *, draft: ChangeDraft, requester: Actor, idempotency_key: str | None = None
    ) -> ChangeRequest:
        """Validate a draft against the live handlers, store it as pending and announce it.

        A repeated call with the same idempotency key (a double click, a resent submission, also
        in another process) is validated like the first, then returns the request stored first,
        as it is now, without announcing it again.
        """
        if not inputs.is_ringcentral_id(draft.resource_id):
            raise UnknownResource("This form names no site or call queue; open it again.")
        problems: dict[RequestField, str] = {}
        reason = _plain(draft.reason)
        if not reason:
            problems[RequestField.REASON] = "Say why the change is needed."
        elif len(reason) > REASON_MAX_LENGTH:
            problems[RequestField.REASON] = f"Keep the reason under {REASON_MAX_LENGTH} characters."
        add_ids = tuple(dict.fromkeys(draft.add_ids))
        remove_ids = tuple(dict.fromkeys(draft.remove_ids))
        for part, chosen in ((RequestField.ADD, add_ids), (RequestField.REMOVE, remove_ids)):
            if len(chosen) > PEOPLE_MAX_PER_FIELD:
                problems[part] = f"Choose at most {PEOPLE_MAX_PER_FIELD} people here at a time."
            elif not all(inputs.is_ringcentral_id(i) for i in chosen):
                problems[part] = "Some of the people chosen here could not be read; choose again."
        if problems.keys() & {RequestField.ADD, RequestField.REMOVE}:
            raise InvalidRequestError(problems)
        if not add_ids and not remove_ids:
            if draft.remove_all_confirmed:
                problems[RequestField.REMOVE] = (
                    "To remove everyone, pick every current handler here; the box below only "
                    "confirms it."
                )
            else:
                problems[RequestField.ADD] = "Choose at least one person to add or to remove."
            raise InvalidRequestError(problems)
        resource = await self.directory.resource(resource_id=draft.resource_id)
        await self.directory.ensure_supported(resource=resource)
        current = await self.directory.handlers(resource_id=resource.id)
        self.people.remember(current)
        choices = await self.people.choices(ids=add_ids)
        current_by_id = {r.id: r for r in current}
        problems.update(
            self._check_additions(add_ids, current_by_id, choices, resource_name=resource.name)
        )
        problems.update(self._check_removals(draft, add_ids, remove_ids, current_by_id))
        change = ProposedChange(add=add_ids, remove=remove_ids, current=tuple(current_by_id))
        decision = self.policy.decision_for_change(resource, change)
        now = self.clock()
        end = TemporaryEnd()
        try:
            end = request_end(draft.end, now=now, longest=decision.max_temporary) or end
        except InvalidEndError as exc:
            problems.update({END_FIELDS[f]: message for f, message in exc.problems.items()})
        if problems:
            raise InvalidRequestError(problems)
        async with self.database.transaction() as repo:
            stored = await repo.create_request(
                resource_id=resource.id,
                resource_type=resource.type,
                resource_name=resource.name,
                requester_id=requester.id,
                requester_name=requester.name,
                add=[ref_of(choices[i].user) for i in add_ids],
                remove=[ref_of(current_by_id[i]) for i in remove_ids],
                reason=reason,
                handlers_before=[ref_of(r) for r in current],
                idempotency_key=idempotency_key,
                terms=decision.terms(now=now),
                at=now,
                temporary_until=end.until,
                temporary_for=end.length,
                time_zone=draft.end.time_zone or requester.time_zone,
            )
        if not stored.created:  # the call that stored the request announces it
            return stored.request
        return await self._announce(stored.request)

    async def create_offboarding(
        self,
        *,
        person: ExtensionRef,
        targets: Sequence[OffboardingTarget],
        requester: Actor,
        reason: str,
        idempotency_key: str | None = None,
    ) -> tuple[ChangeRequest, bool]:
        """Store one pending request removing `person` from every resource in `targets`, held
        to the policy's offboarding rule (`ApprovalPolicy.decision_for_offboarding`), and
        announce it; with whether this call created it.

        An offboarding of the same person still open (pending, approved, applying, or failed
        on some resource and waiting for a retry) is returned instead of a second one, as is
        the request stored earlier with the same `idempotency_key`; neither is announced again.
        """
        if not targets:
            raise SmsHandlersError(f"{person.name} handles SMS nowhere: there is nothing to do.")
        async with self.database.reader() as repo:
            open_now = await repo.pending_requests(
                resource_id=person.id,
                statuses=(
                    RequestStatus.PENDING,
                    RequestStatus.APPROVED,
                    RequestStatus.APPLYING,
                    RequestStatus.FAILED,
                ),
            )
        already = [r for r in open_now if r.kind is RequestKind.OFFBOARDING]
        if already:
            return already[0], False
        now = self.clock()
        decision = self.policy.decision_for_offboarding()
        async with self.database.transaction() as repo:
            stored = await repo.create_request(
                resource_id=person.id,
                resource_type=ResourceType.PERSON,
                resource_name=person.name,
                requester_id=requester.id,
                requester_name=requester.name,
                add=[],
                remove=[person],
                reason=_plain(reason)[:REASON_MAX_LENGTH],
                idempotency_key=idempotency_key,
                terms=decision.terms(now=now),
                at=now,
                targets=targets,
            )
        if not stored.created:
            return stored.request, False
        return await self._announce(stored.request), True

    @staticmethod
    def _check_additions(
        add_ids: Sequence[str],
        current: Mapping[str, Handler],
        choices: Mapping[str, PersonChoice],
        *,
        resource_name: str,
    ) -> dict[RequestField, str]:
        already = [current[i].name for i in add_ids if i in current]
        if already:
            return {
                RequestField.ADD: f"{', '.join(already)} already handle"
                f"{'s' if len(already) == 1 else ''} SMS for {resource_name}."
            }
        unknown = [i for i in add_ids if i not in choices]
        if unknown:
            return {
                RequestField.ADD: f"Extension id {', '.join(unknown)} is not a RingCentral user; "
                "pick someone from the list."
            }
        refused = [f"{c.user.name} ({c.problem})" for c in choices.values() if c.problem]
        if refused:
            return {
                RequestField.ADD: f"Cannot become an SMS handler: {', '.join(refused)}. "
                "Pick someone else, or ask a RingCentral admin to fix their account."
            }
        return {}

    @staticmethod
    def _check_removals(
        draft: ChangeDraft,
        add_ids: Sequence[str],
        remove_ids: Sequence[str],
        current: Mapping[str, Handler],
    ) -> dict[RequestField, str]:
        gone = [i for i in remove_ids if i not in current]
        if gone:
            return {
                RequestField.REMOVE: "No longer a handler (changed meanwhile): extension id "
                f"{', '.join(gone)}. Reopen the form to see the current handlers."
            }
        remaining = set(current) - set(remove_ids)
        if current and not remaining and not add_ids and not draft.remove_all_confirmed:
            return {
                RequestField.REMOVE_ALL: "This removes every handler, so nobody would answer "
                "SMS here. Tick the box to confirm, or keep someone."
            }
        return {}

    async def _announce(self, request: ChangeRequest) -> ChangeRequest:
        try:
            refs = await self.notifier.announce(request)
        except Exception:
            logger.exception("could not announce request #%s", request.id)
            refs = MessageRefs()
        async with self.database.transaction() as repo:
            stored = await repo.set_slack_refs(
                request_id=request.id,
                slack_channel_id=refs.approval_channel_id,
                slack_message_ts=refs.approval_message_ts,
                requester_channel_id=refs.requester_channel_id,
                requester_message_ts=refs.requester_message_ts,
            )
            if refs.approval_message_ts and await repo.mark_notified(
                request_id=request.id, status=stored.status
            ):
                stored = replace(stored, notified_status=stored.status)
            return stored

    # -- reviewing ----------------------------------------------------------------------------

    async def check_can_review(self, *, request_id: int, reviewer_id: str) -> ChangeRequest:
        """The pending request, if this person may decide it and has not approved it yet; a
        clear refusal otherwise."""
        request = await self.get(request_id=request_id)
        if request.status is not RequestStatus.PENDING:
            raise AlreadyDecidedError(request)
        await self.policy.check_can_decide(user_id=reviewer_id, request=request)
        if request.approved_by(reviewer_id):
            raise AlreadyApprovedError(request)
        return request

    async def review(self, *, request_id: int, reviewer_id: str) -> ReviewState:
        """The live state an approver decides on (refused for non-approvers and the requester)."""
        request = await self.check_can_review(request_id=request_id, reviewer_id=reviewer_id)
        if request.is_offboarding:  # each resource is read live when its part is applied
            return ReviewState(request=request, current=(), proposed=())
        current = await self.directory.handlers(resource_id=request.resource_id)
        self.people.remember(current)
        async with self.database.reader() as repo:
            running = await repo.running_temporary(resource_id=request.resource_id)
        state = replace(review_state(request, current), running=tuple(running))
        current_ids = {r.id for r in current}
        unknown = set(self.people.never_seen_as_handlers(r.id for r in request.add))
        unsure = [r for r in request.add if r.id in unknown and r.id not in current_ids]
        if unsure:
            state = replace(
                state,
                warnings=(
                    *state.warnings,
                    f"RingCentral tells whether someone can take SMS threads (assignable, "
                    f"licensed) only once they are a handler, so it is not known yet for "
                    f"{_names(unsure)}. The outcome will say.",
                ),
            )
        try:
            await self.directory.ensure_supported(
                resource=await self.directory.resource(resource_id=request.resource_id)
            )
        except SmsHandlersError as exc:  # the resource is gone, or the feature is off
            return replace(state, warnings=(*state.warnings, str(exc)))
        return state

    # -- deciding -----------------------------------------------------------------------------

    async def approve(
        self, *, request_id: int, approver: Actor, comment: str | None = None
    ) -> ChangeRequest:
        """Count this approver's approval of a pending request; when it is the last one the
        request needs, approve it and apply it.

        Returns the request still pending (more approvals needed; its messages show who approved
        so far), or applied or failed (or still applying, when its outcome was left to
        recovery). The approval completing the count and this instance's claim to apply it are
        committed together, before RingCentral is touched; the Slack messages are updated once
        RingCentral has answered. A second approval by the same person is refused
        (AlreadyApprovedError), as is one after the request was decided (AlreadyDecidedError).
        """
        with self.applier.in_flight.track():
            request = await self.get(request_id=request_id)
            await self.policy.check_can_decide(user_id=approver.id, request=request)
            if request.approved_by(approver.id):
                raise AlreadyApprovedError(request)
            self._check_end_to_come(request, approver.time_zone)
            claim: TransitionResult | None = None
            async with self.database.transaction() as repo:
                counted = await repo.record_approval(
                    request_id=request_id,
                    approver_id=approver.id,
                    approver_name=approver.name,
                    comment=_clean(comment),
                    at=self.clock(),
                )
                if counted.outcome is ApprovalOutcome.APPROVED:
                    claim = await self._claim(repo, request_id, approver)
            if counted.outcome is ApprovalOutcome.DUPLICATE:
                raise AlreadyApprovedError(counted.request)
            if counted.outcome is ApprovalOutcome.RECORDED:
                return await self._show_progress(counted.request)
            if claim is None or not claim.won:
                raise AlreadyDecidedError(claim.request if claim else counted.request)
            return await self.applier.apply(claim.request)

    async def _show_progress(self, request: ChangeRequest) -> ChangeRequest:
        """Update the request's messages to show the approvals so far.

        Another approval may complete the request while this update is on its way, and its
        update may land first: so after each update the request is read again and shown again
        until what was shown is what is stored (any later change is shown by whoever makes it).
        """
        shown = request
        try:
            for _ in range(4):
                await self.notifier.refresh(shown)
                latest = await self.get(request_id=request.id)
                if (latest.status, latest.approvals) == (shown.status, shown.approvals):
                    break
                shown = latest
        except Exception:  # the approval is recorded whatever the messages show
            logger.exception("could not show the approvals of request #%s", request.id)
        return request

    async def check_end_to_come(self, *, request_id: int) -> None:
        """Refuse at once (before anything else is done) to approve a temporary change whose end
        has passed; written in the requester's time zone."""
        request = await self.get(request_id=request_id)
        self._check_end_to_come(request, request.time_zone)

    def _check_end_to_come(self, request: ChangeRequest, time_zone: str | None) -> None:
        """Refuse to approve a temporary change whose end has passed (it would be reverted at
        once)."""
        until = request.temporary_until
        if request.status is RequestStatus.PENDING and until is not None and until <= self.clock():
            raise TemporaryEndPassedError(
                f"Request #{request.id} asked for a change until "
                f"{local_text(until, time_zone)}, which has passed. Reject it; the requester "
                "can ask again."
            )

    async def retry(self, *, request_id: int, approver: Actor) -> ChangeRequest:
        """Apply a failed request again (approvers only): only what is not in effect is sent."""
        with self.applier.in_flight.track():
            request = await self.get(request_id=request_id)
            if not REQUEST_TRANSITIONS[RequestIntent.RETRY].allows(request.status):
                raise AlreadyDecidedError(request)
            await self.policy.check_can_decide(user_id=approver.id, request=request)
            async with self.database.transaction() as repo:
                result = await self._claim(repo, request_id, approver, retry=True)
            if not result.won:
                raise AlreadyDecidedError(result.request)
            return await self.applier.apply(result.request)

    async def _claim(
        self, repo: Repository, request_id: int, actor: Actor, *, retry: bool = False
    ) -> TransitionResult:
        return await repo.start_applying(
            request_id=request_id,
            actor_id=actor.id,
            actor_name=actor.name,
            owner=self.applier.owner,
            lease_until=self.applier.lease_until(),
            retry=retry,
        )

    async def reject(
        self, *, request_id: int, approver: Actor, comment: str | None = None
    ) -> ChangeRequest:
        """Reject a pending request."""
        rejected = await self._decide(
            request_id=request_id, approver=approver, comment=comment, intent=RequestIntent.REJECT
        )
        return await self.applier.notify(rejected)

    async def _decide(
        self,
        *,
        request_id: int,
        approver: Actor,
        comment: str | None,
        intent: Literal[RequestIntent.APPROVE, RequestIntent.REJECT],
    ) -> ChangeRequest:
        request = await self.get(request_id=request_id)
        await self.policy.check_can_decide(user_id=approver.id, request=request)
        async with self.database.transaction() as repo:
            result = await repo.decide(
                request_id=request_id,
                intent=intent,
                decider_id=approver.id,
                decider_name=approver.name,
                comment=_clean(comment),
            )
        if not result.won:
            raise AlreadyDecidedError(result.request)
        return result.request

    async def cancel(self, *, request_id: int, user: Actor) -> ChangeRequest:
        """Cancel a pending request (its requester only)."""
        request = await self.get(request_id=request_id)
        self.policy.check_can_cancel(user_id=user.id, request=request)
        async with self.database.transaction() as repo:
            result = await repo.cancel(
                request_id=request_id, actor_id=user.id, actor_name=user.name
            )
        if not result.won:
            raise AlreadyDecidedError(result.request)
        return await self.applier.notify(result.request)


def review_state(request: ChangeRequest, current: Sequence[Handler]) -> ReviewState:
    """Compare a request with the live handlers: proposed list, changes since, warnings."""
    current_ids = {r.id for r in current}
    remove_ids = {r.id for r in request.remove}
    proposed = [ref_of(r) for r in current if r.id not in remove_ids]
    proposed += [r for r in request.add if r.id not in current_ids]
    before = request.handlers_before or ()
    before_ids = {r.id for r in before}
    added_since = tuple(ref_of(r) for r in current if r.id not in before_ids)
    removed_since = tuple(r for r in before if r.id not in current_ids)
    warnings = []
    already = [r for r in request.add if r.id in current_ids]
    if already:
        warnings.append(f"Already handling SMS now: {_names(already)}.")
    missing = [r for r in request.remove if r.id not in current_ids]
    if missing:
        warnings.append(f"No longer handling SMS, nothing to remove: {_names(missing)}.")
    if not proposed:
        warnings.append(f"After this change nobody handles SMS for {request.resource_name}.")
    flagged = [
        r for r in current if r.id not in remove_ids and not (r.assignable and r.has_license)
    ]
    if flagged:
        warnings.append(
            "Staying on but not assignable or without a licence: "
            + ", ".join(r.name for r in flagged)
            + "."
        )
    return ReviewState(
        request=request,
        current=tuple(current),
        proposed=tuple(proposed),
        added_since=added_since,
        removed_since=removed_since,
        warnings=tuple(warnings),
    )


def comment_problem(comment: str | None) -> str | None:
    """What is wrong with an approver's comment, if anything (shown on the modal's field)."""
    if len(_plain(comment or "")) > COMMENT_MAX_LENGTH:
        return f"Keep the comment under {COMMENT_MAX_LENGTH} characters."
    return None


def _clean(comment: str | None) -> str | None:
    problem = comment_problem(comment)
    if problem is not None:
        raise InvalidCommentError(problem)
    return _plain(comment or "") or None


def _plain(text: str) -> str:
    """Typed text as stored: stripped, without control characters other than line breaks and
    tabs (a NUL cannot even be stored in PostgreSQL)."""
    return _CONTROL.sub("", text).strip()
