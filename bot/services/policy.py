"""Who may decide a change request: the approvers of the rule that applies to it, resolved
through Slack user groups; and which rule applies to a new request.

Without a policy file there is one rule, from SMS_HANDLERS_APPROVERS (Slack user ids `U…`, `W…`
and user-group handles `@telephony-admins`) and SMS_HANDLERS_ALLOW_SELF_APPROVAL. With one
(SMS_HANDLERS_POLICY, see bot/policy), the rule matching the request's resource, with the risky
entries for a change of the main site or one removing every handler, says who may approve,
whether requesters may approve their own requests, and (fixed on a request when it is made, see
`PolicyDecision.terms`) how many distinct approvals it needs, its channel and its deadlines.
Once a request was escalated its rule's `escalate_to` people may decide it too.
Group members are read through `UserGroups` and cached briefly, so a person added to a group can
approve within a minute without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from bot.domain import ChangeRequest, Resource
from bot.errors import SmsHandlersError
from bot.policy.decide import ProposedChange, decide, decide_for_risks, risks_of
from bot.policy.model import (
    ENVIRONMENT,
    RULE_FIELDS,
    Policy,
    PolicyDecision,
    RiskKind,
    RuleSettings,
    environment_policy,
)
from bot.services.directory import UnknownResource

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SECONDS = 60.0

# The fields of a rule this version acts on. The others are read, checked and shown
# (`policy explain`) only, for now. `max_temporary` bounds temporary changes
# (bot/services/temporary.py).
ENFORCED_FIELDS = frozenset(
    {
        "approvers",
        "allow_self_approval",
        "approvals_required",
        "channel",
        "request_ttl",
        "remind_every",
        "escalate_after",
        "escalate_to",
        "max_temporary",
    }
)
MAX_MENTIONS = 30  # people named in one reminder; the rest are reached through the channel


def fields_not_acted_on(rules: Policy) -> list[str]:
    """The fields some rule sets to other than the built-in default that this version does not
    act on yet, in the order rules list them."""
    built_in = RuleSettings()
    found = {
        name
        for rule in rules.every_rule
        for name in rule.settings.origins
        if getattr(rule.settings, name) != getattr(built_in, name) and name not in ENFORCED_FIELDS
    }
    return [name for name in RULE_FIELDS if name in found]


class UserGroups(Protocol):
    """Slack user groups, as far as the policy needs them."""

    async def group_ids_by_handle(self) -> dict[str, str]:
        """Every user group's id, by its handle (without the `@`)."""
        ...

    async def group_members(self, group_id: str) -> frozenset[str]:
        """The Slack user ids in one group."""
        ...


class Resources(Protocol):
    """The resources, for rules that match on a resource's site (`bot.services.directory`)."""

    async def resource(self, *, resource_id: str) -> Resource:
        """The resource with this id, or UnknownResource."""
        ...


class NotAnApproverError(SmsHandlersError):
    """Someone who is not an approver tried to review, approve, reject or retry."""


class SelfApprovalError(SmsHandlersError):
    """A requester tried to decide their own request while self-approval is off."""


class NotTheRequesterError(SmsHandlersError):
    """Someone other than the requester tried to cancel a request."""


class NotAllowedToEndError(SmsHandlersError):
    """Someone other than the requester or an approver tried to extend or end a temporary
    change."""


class ApproversUnavailableError(SmsHandlersError):
    """The approver groups could not be read from Slack and nothing is cached."""


def describe_approvers(entries: Sequence[str]) -> str:
    """`members of @telephony-admins and 2 named people`, or `nobody`."""
    handles = [e for e in entries if e.startswith("@")]
    count = len(entries) - len(handles)
    parts = []
    if handles:
        parts.append("members of " + ", ".join(handles))
    if count:
        parts.append(f"{count} named {'person' if count == 1 else 'people'}")
    return " and ".join(parts) if parts else "nobody"


class ApprovalPolicy:
    """Decides who may review, approve, reject, retry and cancel requests.

    Give either `rules` (a policy, e.g. from the policy file) or `approvers` and
    `allow_self_approval` (today's single rule). With rules, `resources` gives the resource a
    request names as it is now (a request does not record the site rules may match on).
    """

    def __init__(
        self,
        *,
        groups: UserGroups,
        approvers: Sequence[str] = (),
        allow_self_approval: bool = False,
        rules: Policy | None = None,
        resources: Resources | None = None,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rules is not None and (approvers or allow_self_approval):
            raise ValueError("give either rules or approvers and allow_self_approval")
        self.rules = rules or environment_policy(
            approvers=tuple(approvers), channel=None, allow_self_approval=allow_self_approval
        )
        self._resources = resources
        entries = [
            e
            for rule in self.rules.every_rule
            for e in (*rule.settings.approvers, *rule.settings.escalate_to)
        ]
        self._user_ids = frozenset(e for e in entries if not e.startswith("@"))
        self._handles = tuple(dict.fromkeys(e.removeprefix("@") for e in entries if e[:1] == "@"))
        self._groups = groups
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: Mapping[str, frozenset[str]] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def allow_self_approval(self) -> bool:
        """Whether the default rule lets requesters approve their own requests."""
        return self.rules.default.settings.allow_self_approval

    @property
    def default_channel(self) -> str | None:
        """The default rule's approval channel, where requests are posted."""
        return self.rules.default.settings.channel

    @property
    def describe(self) -> str:
        """Who approves under the default rule, for messages: `members of @telephony-admins and
        2 named people`."""
        entries = self.rules.default.settings.approvers
        if not entries and self.rules.source == ENVIRONMENT:
            return "nobody (SMS_HANDLERS_APPROVERS is empty)"
        return describe_approvers(entries)

    async def decision_for(self, request: ChangeRequest) -> PolicyDecision:
        """The rule that applies to this request, with every field in effect (for an
        offboarding: the default rule with `risky: offboarding` on top)."""
        if request.is_offboarding:
            return self.rules.offboarding()
        change = ProposedChange(
            add=tuple(r.id for r in request.add),
            remove=tuple(r.id for r in request.remove),
            current=tuple(r.id for r in request.handlers_before or ()),
        )
        return decide(self.rules, await self._resource_of(request), change)

    def decision_for_change(self, resource: Resource, change: ProposedChange) -> PolicyDecision:
        """The rule that applies to a change of this resource (as read now), risky ones
        included: what a new request is held to."""
        return decide(self.rules, resource, change)

    def decision_for_offboarding(self) -> PolicyDecision:
        """The rule a new offboarding is held to."""
        return self.rules.offboarding()

    def decision_for_resource(self, resource: Resource) -> PolicyDecision:
        """The rule for changes of this resource (risky when it is the main site; a change
        removing every handler may need more, see `risky_remove_all`)."""
        return decide(self.rules, resource, None)

    def risky_remove_all(self, resource: Resource) -> PolicyDecision | None:
        """The rule for a change removing every handler of this resource, if a risky entry
        makes it differ from `decision_for_resource`."""
        if RiskKind.REMOVE_ALL not in self.rules.risky:
            return None
        kinds = {RiskKind.REMOVE_ALL, *risks_of(resource, None)}
        return decide_for_risks(self.rules, resource, kinds)

    async def _resource_of(self, request: ChangeRequest) -> Resource:
        recorded = Resource(
            id=request.resource_id, type=request.resource_type, name=request.resource_name
        )
        if not self.rules.rules or self._resources is None:
            return recorded
        try:
            return await self._resources.resource(resource_id=request.resource_id)
        except UnknownResource:  # deleted since: its site is unknown, other rules still apply
            return recorded

    async def approver_ids(self) -> frozenset[str]:
        """Every Slack user id allowed to decide some request (groups expanded, cached
        briefly)."""
        members = await self._members()
        return self._user_ids.union(*members.values())

    async def _members(self) -> Mapping[str, frozenset[str]]:
        """The members of every approver group, by handle."""
        if not self._handles:
            return {}
        async with self._lock:
            fresh = self._clock() - self._cached_at < self._cache_seconds
            if self._cached is not None and fresh:
                return self._cached
            try:
                members = await self._group_members()
            except Exception:
                if self._cached is None:
                    logger.exception("could not read approver groups %s", self._handles)
                    raise ApproversUnavailableError(
                        "Could not check who the approvers are with Slack right now. "
                        "Please try again in a minute."
                    ) from None
                logger.warning("approver groups unreadable; using the last known members")
                return self._cached
            self._cached = members
            self._cached_at = self._clock()
            return self._cached

    async def _group_members(self) -> dict[str, frozenset[str]]:
        by_handle = await self._groups.group_ids_by_handle()
        members: dict[str, frozenset[str]] = {}
        for handle in self._handles:
            group_id = by_handle.get(handle)
            if group_id is None:
                logger.warning("approver group @%s does not exist in Slack", handle)
                members[handle] = frozenset()
                continue
            members[handle] = await self._groups.group_members(group_id)
        return members

    async def people_in(self, entries: Sequence[str]) -> tuple[str, ...]:
        """The Slack user ids these entries name (groups expanded), in the order listed."""
        members = await self._members() if any(e.startswith("@") for e in entries) else {}
        people: dict[str, None] = {}
        for entry in entries:
            if entry.startswith("@"):
                people.update(dict.fromkeys(sorted(members.get(entry.removeprefix("@"), ()))))
            else:
                people[entry] = None
        return tuple(people)

    async def waiting_on(self, request: ChangeRequest) -> tuple[str, ...]:
        """Who could still give the request an approval it needs: its rule's approvers (and
        escalation approvers once escalated) who have not approved it, without its requester
        unless self-approval is on; at most MAX_MENTIONS."""
        decision = await self.decision_for(request)
        people = await self.people_in(self._deciders(request, decision))
        return tuple(
            p
            for p in people
            if not request.approved_by(p)
            and (p != request.requester_id or decision.allow_self_approval)
        )[:MAX_MENTIONS]

    async def escalation_recipients(self, request: ChangeRequest) -> tuple[str, ...]:
        """Who a request is escalated to: its rule's `escalate_to` people, without its
        requester and those who approved it already."""
        decision = await self.decision_for(request)
        people = await self.people_in(decision.escalate_to)
        return tuple(p for p in people if p != request.requester_id and not request.approved_by(p))

    @staticmethod
    def _deciders(request: ChangeRequest, decision: PolicyDecision) -> tuple[str, ...]:
        if request.escalated_at is None:
            return decision.approvers
        return (*decision.approvers, *decision.escalate_to)

    async def _is_among(self, user_id: str, entries: Sequence[str]) -> bool:
        if user_id in entries:
            return True
        handles = [e.removeprefix("@") for e in entries if e.startswith("@")]
        if not handles:
            return False
        members = await self._members()
        return any(user_id in members.get(handle, ()) for handle in handles)

    async def is_approver(self, user_id: str) -> bool:
        """Whether this Slack user may decide some request (under any rule)."""
        if user_id in self._user_ids:
            return True
        return user_id in await self.approver_ids()

    async def check_can_decide(self, *, user_id: str, request: ChangeRequest) -> None:
        """Raise unless this user may approve, reject or retry this request under the rule
        that applies to it."""
        decision = await self.decision_for(request)
        if not await self._is_among(user_id, self._deciders(request, decision)):
            raise NotAnApproverError(self._refusal(request, decision))
        if user_id == request.requester_id and not decision.allow_self_approval:
            raise SelfApprovalError(
                f"You asked for request #{request.id} yourself, so another approver has to "
                "decide it."
            )

    async def may_decide(self, *, user_id: str, request: ChangeRequest) -> bool:
        """Whether `check_can_decide` lets this user decide this request."""
        try:
            await self.check_can_decide(user_id=user_id, request=request)
        except (NotAnApproverError, SelfApprovalError):
            return False
        return True

    async def approvers_of(self, request: ChangeRequest) -> frozenset[str]:
        """Every Slack user id among the approvers of the rule that applies to this request
        (groups expanded), whether or not self-approval lets the requester decide it."""
        entries = (await self.decision_for(request)).approvers
        ids = {e for e in entries if not e.startswith("@")}
        handles = [e.removeprefix("@") for e in entries if e.startswith("@")]
        if handles:
            members = await self._members()
            ids.update(*(members.get(handle, frozenset()) for handle in handles))
        return frozenset(ids)

    def _refusal(self, request: ChangeRequest, decision: PolicyDecision) -> str:
        refused = "Only approvers can review SMS handler requests."
        if self.rules.source == ENVIRONMENT:
            return f"{refused} Approvers are: {self.describe}."
        rule = "the default rule" if decision.rule == "default" else f"rule '{decision.rule}'"
        return (
            f"{refused} The approvers for {request.resource_name} are: "
            f"{describe_approvers(decision.approvers)} ({rule} of the policy)."
        )

    async def check_can_end(self, *, user_id: str, request: ChangeRequest) -> None:
        """Raise unless this user may extend or end the temporary change: its requester, or
        someone who could decide it under the rule that applies to it (its escalation approvers
        too, once it was escalated)."""
        if user_id == request.requester_id:
            return
        decision = await self.decision_for(request)
        if not await self._is_among(user_id, self._deciders(request, decision)):
            raise NotAllowedToEndError(
                f"Only the person who asked for change #{request.id} or an approver can extend "
                "or end it."
            )

    def check_can_cancel(self, *, user_id: str, request: ChangeRequest) -> None:
        """Raise unless this user is the requester (the only one who may cancel)."""
        if user_id != request.requester_id:
            raise NotTheRequesterError(
                f"Only the person who asked for request #{request.id} can cancel it."
            )
