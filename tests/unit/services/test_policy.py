from __future__ import annotations

from textwrap import dedent

import pytest

from bot.domain import RequestStatus, Resource, ResourceType
from bot.policy.model import RiskKind
from bot.policy.parse import parse_policy
from bot.services.directory import UnknownResource
from bot.services.policy import (
    ApprovalPolicy,
    ApproversUnavailableError,
    NotAnApproverError,
    NotTheRequesterError,
    SelfApprovalError,
    fields_not_acted_on,
)
from tests.unit.views.factories import change_request, ref


class FakeGroups:
    """In-memory user groups that count how often Slack would have been asked."""

    def __init__(self, groups: dict[str, tuple[str, set[str]]]) -> None:
        self.groups = groups  # handle -> (id, members)
        self.list_calls = 0
        self.fail = False

    async def group_ids_by_handle(self) -> dict[str, str]:
        self.list_calls += 1
        if self.fail:
            raise RuntimeError("slack is down")
        return {handle: group_id for handle, (group_id, _) in self.groups.items()}

    async def group_members(self, group_id: str) -> frozenset[str]:
        for gid, members in self.groups.values():
            if gid == group_id:
                return frozenset(members)
        raise AssertionError(f"unknown group {group_id}")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _policy(groups: FakeGroups, clock: Clock, *, allow_self: bool = False) -> ApprovalPolicy:
    return ApprovalPolicy(
        approvers=["U0APP", "@telephony-admins", "@missing"],
        groups=groups,
        cache_seconds=30,
        clock=clock,
        allow_self_approval=allow_self,
    )


async def test_user_ids_and_group_members_are_approvers() -> None:
    groups = FakeGroups({"telephony-admins": ("S1", {"U0GRP", "U0OTHER"})})
    policy = _policy(groups, Clock())
    assert await policy.is_approver("U0APP")
    assert await policy.is_approver("U0GRP")
    assert not await policy.is_approver("U0NOBODY")
    assert await policy.approver_ids() == {"U0APP", "U0GRP", "U0OTHER"}


async def test_group_members_are_cached_then_refreshed() -> None:
    groups = FakeGroups({"telephony-admins": ("S1", {"U0GRP"})})
    clock = Clock()
    policy = _policy(groups, clock)
    assert await policy.is_approver("U0GRP")
    groups.groups["telephony-admins"] = ("S1", {"U0NEW"})
    assert await policy.is_approver("U0GRP")
    assert groups.list_calls == 1
    clock.now += 31
    assert await policy.is_approver("U0NEW")
    assert not await policy.is_approver("U0GRP")
    assert groups.list_calls == 2


async def test_stale_members_are_used_when_slack_fails_later() -> None:
    groups = FakeGroups({"telephony-admins": ("S1", {"U0GRP"})})
    clock = Clock()
    policy = _policy(groups, clock)
    assert await policy.is_approver("U0GRP")
    groups.fail = True
    clock.now += 31
    assert await policy.is_approver("U0GRP")


async def test_slack_failure_without_cache_is_a_clear_error() -> None:
    groups = FakeGroups({})
    groups.fail = True
    policy = _policy(groups, Clock())
    assert await policy.is_approver("U0APP")  # listed by id: no need to ask Slack
    with pytest.raises(ApproversUnavailableError, match="try again"):
        await policy.is_approver("U0GRP")


async def test_ids_only_never_ask_slack() -> None:
    groups = FakeGroups({})
    policy = ApprovalPolicy(approvers=["U0APP"], groups=groups)
    assert not await policy.is_approver("U0X")
    assert groups.list_calls == 0


async def test_non_approver_cannot_decide() -> None:
    policy = _policy(FakeGroups({}), Clock())
    with pytest.raises(NotAnApproverError, match="Only approvers can review") as caught:
        await policy.check_can_decide(user_id="U0NOBODY", request=change_request())
    assert "Approvers are: members of @telephony-admins, @missing and 1 named person." in str(
        caught.value
    )


async def test_self_approval_refused_unless_allowed() -> None:
    own = change_request(requester_id="U0APP", status=RequestStatus.PENDING)
    strict = _policy(FakeGroups({}), Clock())
    with pytest.raises(SelfApprovalError, match="another approver has to decide it"):
        await strict.check_can_decide(user_id="U0APP", request=own)
    lenient = _policy(FakeGroups({}), Clock(), allow_self=True)
    await lenient.check_can_decide(user_id="U0APP", request=own)
    await strict.check_can_decide(user_id="U0APP", request=change_request())


def test_only_the_requester_can_cancel() -> None:
    policy = ApprovalPolicy(approvers=[], groups=FakeGroups({}))
    request = change_request(requester_id="U0REQ")
    policy.check_can_cancel(user_id="U0REQ", request=request)
    with pytest.raises(NotTheRequesterError):
        policy.check_can_cancel(user_id="U0APP", request=request)
    assert policy.describe == "nobody (SMS_HANDLERS_APPROVERS is empty)"


# -- with a policy file -------------------------------------------------------------------------

RULES = parse_policy(
    dedent(
        """\
        default:
          approvers: [U0ALEX, "@telephony-admins"]
          channel: C0APPROVALS
        rules:
          - name: support
            match: {name: Support}
            approvers: U0NINA
            allow_self_approval: true
          - name: boston
            match: {site: "Boston*"}
            approvers: U0BOS
        risky:
          remove_all:
            approvers: ["@telephony-admins"]
        """
    ),
    source="policy.yml",
)


class Resources:
    """The account's resources, as the directory knows them now."""

    def __init__(self, *resources: Resource) -> None:
        self.by_id = {r.id: r for r in resources}
        self.reads = 0

    async def resource(self, *, resource_id: str) -> Resource:
        self.reads += 1
        if resource_id not in self.by_id:
            raise UnknownResource(f"No site or call queue has the id {resource_id}")
        return self.by_id[resource_id]


SALES = Resource(
    id="4002",
    type=ResourceType.CALL_QUEUE,
    name="Sales",
    site_id="2000",
    site_name="Boston Office",
)


def _ruled(resources: Resources | None = None) -> ApprovalPolicy:
    groups = FakeGroups({"telephony-admins": ("S1", {"U0SAM"})})
    return ApprovalPolicy(rules=RULES, groups=groups, resources=resources, clock=Clock())


async def test_the_rule_matching_the_resource_says_who_may_decide() -> None:
    policy = _ruled()
    support = change_request(resource_name="Support")
    await policy.check_can_decide(user_id="U0NINA", request=support)
    with pytest.raises(NotAnApproverError) as caught:
        await policy.check_can_decide(user_id="U0ALEX", request=support)
    assert str(caught.value) == (
        "Only approvers can review SMS handler requests. The approvers for Support are: "
        "1 named person (rule 'support' of the policy)."
    )
    billing = change_request(resource_id="4003", resource_name="Billing")
    await policy.check_can_decide(user_id="U0ALEX", request=billing)
    await policy.check_can_decide(user_id="U0SAM", request=billing)  # through @telephony-admins
    with pytest.raises(NotAnApproverError, match=r"members of @telephony-admins and 1 named"):
        await policy.check_can_decide(user_id="U0NINA", request=billing)


async def test_self_approval_follows_the_rule() -> None:
    policy = _ruled()
    own_support = change_request(requester_id="U0NINA")
    await policy.check_can_decide(user_id="U0NINA", request=own_support)
    own_billing = change_request(resource_name="Billing", requester_id="U0ALEX")
    with pytest.raises(SelfApprovalError):
        await policy.check_can_decide(user_id="U0ALEX", request=own_billing)


async def test_removing_every_handler_takes_the_risky_rules_approvers() -> None:
    policy = _ruled()
    emptying = change_request(add=(), remove=(ref(1), ref(2)), handlers_before=(ref(1), ref(2)))
    with pytest.raises(NotAnApproverError, match=r"are: members of @telephony-admins \("):
        await policy.check_can_decide(user_id="U0NINA", request=emptying)
    await policy.check_can_decide(user_id="U0SAM", request=emptying)
    decision = await policy.decision_for(emptying)
    assert (decision.rule, decision.risks) == ("support", (RiskKind.REMOVE_ALL,))


async def test_a_site_rule_reads_the_resource_a_request_names() -> None:
    resources = Resources(SALES)
    policy = _ruled(resources)
    sales = change_request(resource_id="4002", resource_name="Sales")
    await policy.check_can_decide(user_id="U0BOS", request=sales)
    with pytest.raises(NotAnApproverError):
        await policy.check_can_decide(user_id="U0ALEX", request=sales)
    assert resources.reads == 2


async def test_a_deleted_resource_is_judged_by_what_the_request_recorded() -> None:
    policy = _ruled(Resources())
    gone = change_request(resource_id="4002", resource_name="Sales")
    assert (await policy.decision_for(gone)).rule == "default"
    await policy.check_can_decide(user_id="U0ALEX", request=gone)


async def test_anyone_approving_under_some_rule_is_an_approver() -> None:
    policy = _ruled()
    assert await policy.is_approver("U0NINA")
    assert await policy.is_approver("U0BOS")
    assert await policy.is_approver("U0SAM")
    assert not await policy.is_approver("U0CARLA")
    assert await policy.approver_ids() == {"U0ALEX", "U0NINA", "U0BOS", "U0SAM"}
    assert policy.default_channel == "C0APPROVALS"
    assert policy.describe == "members of @telephony-admins and 1 named person"


def test_a_policy_and_single_rule_settings_do_not_mix() -> None:
    with pytest.raises(ValueError):
        ApprovalPolicy(rules=RULES, approvers=["U0X"], groups=FakeGroups({}))


def test_the_fields_this_version_does_not_act_on_are_named() -> None:
    assert fields_not_acted_on(RULES) == []
    text = dedent(
        """\
        default:
          approvers: ["@admins"]
          channel: C0APPROVALS
          approvals_required: 1
          request_ttl: never
          max_temporary: 1d
        rules:
          - name: q
            match: {type: call_queue}
            channel: C0QUEUES
        risky:
          main_site: {approvals_required: 2}
        """
    )
    # M-of-N, per-rule channels, expiry, reminders, escalation and temporary changes' longest
    # length are all acted on now.
    assert fields_not_acted_on(parse_policy(text, source="p.yml")) == []
