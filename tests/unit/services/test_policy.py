from __future__ import annotations

import pytest

from bot.domain import RequestStatus
from bot.services.policy import (
    ApprovalPolicy,
    ApproversUnavailableError,
    NotAnApproverError,
    NotTheRequesterError,
    SelfApprovalError,
)
from tests.unit.views.factories import change_request


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
