"""M-of-N approval, expiry, reminders and escalation in the services, against the RingCentral
sandbox and a real SQLite database, with a policy file's rule and a clock the tests move."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from bot.domain import AuditAction, ChangeRequest, RequestStatus
from bot.policy.parse import parse_policy
from bot.services.applying import Applier
from bot.services.directory import Directory
from bot.services.follow_ups import PendingFollowUps, next_reminder, policy_sets_deadlines
from bot.services.people import People
from bot.services.policy import ApprovalPolicy, NotAllowedToEndError, NotAnApproverError
from bot.services.requests import (
    Actor,
    AlreadyApprovedError,
    AlreadyDecidedError,
    ChangeDraft,
    RequestService,
)
from sms_handlers_sandbox.ringcentral import SandboxServer
from tests.support.clock import MovableClock
from tests.support.services import (
    RecordingNotifier,
    migrated_sqlite,
    running_sandbox,
    sandbox_client,
)
from tests.unit.services.conftest import NoGroups

SUPPORT = "4001"  # handlers: Ava Chen 6001, Ben Ortiz 6002
RITA = Actor("U0REQ", "Rita Requester")
ONE, TWO, THREE = Actor("U0ONE", "Olga One"), Actor("U0TWO", "Tom Two"), Actor("U0THREE", "Tia")
BOSS = Actor("U0BOSS", "Bea Boss")
HOUR = timedelta(hours=1)

POLICY = dedent(
    """\
    default:
      approvers: [U0ONE, U0TWO, U0THREE, U0REQ]
      channel: C0APPROVALS
    rules:
      - name: support queue
        match: {name: Support}
        approvals_required: 2
        channel: C0SUPPORT
        request_ttl: 3d
        remind_every: 4h
        escalate_after: 1d
        escalate_to: [U0BOSS, U0REQ]
    risky:
      remove_all: {approvals_required: 3}
    """
)


class FlakyNotifier(RecordingNotifier):
    """Fails the next `failing_reminders` reminders as when Slack is unavailable."""

    failing_reminders: int = 0

    async def remind(self, request: ChangeRequest, *, approvers: Sequence[str]) -> bool:
        await super().remind(request, approvers=approvers)
        if self.failing_reminders:
            self.failing_reminders -= 1
            return False
        return True


@dataclass
class Setup:
    sandbox: SandboxServer
    clock: MovableClock
    notifier: FlakyNotifier
    requests: RequestService
    follow_ups: PendingFollowUps

    def bulk_assigns(self) -> int:
        return len([r for r in self.sandbox.requests if r.path.endswith("/bulk-assign")])

    def sent(self, what: str) -> list[tuple[str, int, str]]:
        return [call for call in self.notifier.calls if call[0] == what]

    async def actions(self, request_id: int) -> list[AuditAction]:
        async with self.requests.database.reader() as repo:
            page = await repo.history(request_id=request_id, limit=50)
        return [e.action for e in reversed(page.events)]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with running_sandbox() as sandbox:
        client = sandbox_client(sandbox)
        database = await migrated_sqlite(tmp_path)
        directory = Directory(client=client, ttl_seconds=60)
        people = People(client=client, ttl_seconds=60)
        notifier = FlakyNotifier()
        clock = MovableClock()
        policy = ApprovalPolicy(
            rules=parse_policy(POLICY, source="policy.yml"),
            groups=NoGroups(),
            resources=directory,
        )
        applier = Applier(
            database=database,
            directory=directory,
            people=people,
            notifier=notifier,
            owner="test-host:1:aaaaaa",
            outcome_pause_seconds=0.01,
        )
        requests = RequestService(
            database=database,
            directory=directory,
            people=people,
            policy=policy,
            notifier=notifier,
            applier=applier,
            clock=clock,
        )
        follow_ups = PendingFollowUps(
            database=database, policy=policy, notifier=notifier, applier=applier, clock=clock
        )
        try:
            yield Setup(sandbox, clock, notifier, requests, follow_ups)
        finally:
            await client.close()
            await database.dispose()


async def ask(
    setup: Setup, *, remove: tuple[str, ...] = (), confirm: bool = False
) -> ChangeRequest:
    draft = ChangeDraft(
        resource_id=SUPPORT,
        add_ids=() if remove == ("6001", "6002") else ("6003",),
        remove_ids=remove,
        reason="Carla covers evenings",
        remove_all_confirmed=confirm,
    )
    return await setup.requests.create(draft=draft, requester=RITA)


def test_the_next_reminder_skips_the_intervals_missed() -> None:
    start = MovableClock().now
    assert next_reminder(start, 4 * HOUR, now=start) == start + 4 * HOUR
    assert next_reminder(start, 4 * HOUR, now=start + 13 * HOUR) == start + 16 * HOUR
    assert next_reminder(start + HOUR, 4 * HOUR, now=start) == start + HOUR


async def test_the_rule_is_fixed_on_the_request_and_it_goes_to_its_channel(setup: Setup) -> None:
    made_at = setup.clock.now
    request = await ask(setup)
    assert (request.policy_rule, request.approvals_required) == ("support queue", 2)
    assert request.slack_channel_id == "C0SUPPORT"
    assert request.expires_at == made_at + 72 * HOUR
    assert request.next_reminder_at == made_at + 4 * HOUR
    assert request.escalate_at == made_at + 24 * HOUR

    everyone = await ask(setup, remove=("6001", "6002"), confirm=True)
    assert everyone.policy_rule == "support queue, risky.remove_all"
    assert everyone.approvals_required == 3


async def test_two_of_three_is_applied_once_after_the_second_distinct_approver(
    setup: Setup,
) -> None:
    request = await ask(setup)

    first = await setup.requests.approve(request_id=request.id, approver=ONE, comment="fine")
    assert first.status is RequestStatus.PENDING
    assert [a.approver_id for a in first.approvals] == ["U0ONE"]
    assert first.approvals_missing == 1
    assert setup.sent("refresh") == [("refresh", request.id, "pending")]
    assert setup.bulk_assigns() == 0

    with pytest.raises(AlreadyApprovedError, match="You approved request #1 already") as again:
        await setup.requests.approve(request_id=request.id, approver=ONE)
    assert "1 more approval from other approvers" in str(again.value)
    with pytest.raises(AlreadyApprovedError):
        await setup.requests.check_can_review(request_id=request.id, reviewer_id=ONE.id)
    assert setup.bulk_assigns() == 0

    done = await setup.requests.approve(request_id=request.id, approver=TWO)
    assert done.status is RequestStatus.APPLIED
    assert [a.approver_id for a in done.approvals] == ["U0ONE", "U0TWO"]
    assert setup.bulk_assigns() == 1
    with pytest.raises(AlreadyDecidedError, match="already approved by Olga One and Tom Two"):
        await setup.requests.approve(request_id=request.id, approver=THREE)
    assert setup.bulk_assigns() == 1
    assert await setup.actions(request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVAL_RECORDED,
        AuditAction.APPROVED,
        AuditAction.APPLYING,
        AuditAction.APPLIED,
    ]


async def test_a_rejection_after_one_approval_ends_the_request(setup: Setup) -> None:
    request = await ask(setup)
    await setup.requests.approve(request_id=request.id, approver=ONE)
    rejected = await setup.requests.reject(request_id=request.id, approver=TWO, comment="no")
    assert rejected.status is RequestStatus.REJECTED
    with pytest.raises(AlreadyDecidedError, match="already rejected by Tom Two"):
        await setup.requests.approve(request_id=request.id, approver=THREE)
    assert setup.bulk_assigns() == 0


async def test_reminders_come_once_per_interval_and_again_after_a_failure(setup: Setup) -> None:
    request = await ask(setup)
    await setup.requests.approve(request_id=request.id, approver=ONE)

    setup.clock.advance(4 * HOUR - timedelta(seconds=1))
    assert await setup.follow_ups.remind_due() == []
    setup.clock.advance(timedelta(seconds=1))
    setup.notifier.failing_reminders = 1
    assert await setup.follow_ups.remind_due() == []  # Slack unavailable: given back
    assert [r.id for r in await setup.follow_ups.remind_due()] == [request.id]
    assert await setup.follow_ups.remind_due() == []
    # Those who could still approve: not Olga (approved), not Rita (the requester).
    assert setup.sent("remind")[-1] == ("remind", request.id, "U0TWO,U0THREE")

    setup.clock.advance(3 * HOUR)
    assert await setup.follow_ups.remind_due() == []
    setup.clock.advance(HOUR)
    assert len(await setup.follow_ups.remind_due()) == 1
    assert (await setup.actions(request.id)).count(AuditAction.REMINDED) == 2


async def test_escalation_once_then_the_escalation_approvers_may_decide(setup: Setup) -> None:
    request = await ask(setup)
    with pytest.raises(NotAnApproverError):
        await setup.requests.check_can_review(request_id=request.id, reviewer_id=BOSS.id)
    with pytest.raises(NotAllowedToEndError):  # were it a running temporary change
        await setup.requests.policy.check_can_end(user_id=BOSS.id, request=request)

    setup.clock.advance(24 * HOUR)
    assert [r.id for r in await setup.follow_ups.escalate_due()] == [request.id]
    assert await setup.follow_ups.escalate_due() == []
    assert setup.sent("escalate") == [("escalate", request.id, "U0BOSS")]  # not the requester

    await setup.requests.check_can_review(request_id=request.id, reviewer_id=BOSS.id)
    await setup.requests.approve(request_id=request.id, approver=BOSS)
    done = await setup.requests.approve(request_id=request.id, approver=ONE)
    assert done.status is RequestStatus.APPLIED
    await setup.requests.policy.check_can_end(user_id=BOSS.id, request=done)


async def test_a_request_expires_at_its_ttl_and_the_requester_is_told(setup: Setup) -> None:
    request = await ask(setup)
    setup.clock.advance(72 * HOUR - timedelta(seconds=1))
    assert await setup.follow_ups.expire_due() == []
    setup.clock.advance(timedelta(seconds=1))
    [expired] = await setup.follow_ups.expire_due()
    assert expired.status is RequestStatus.EXPIRED
    assert expired.notified_status is RequestStatus.EXPIRED
    assert setup.sent("tell") == [("tell", request.id, "expired")]
    assert await setup.follow_ups.expire_due() == []
    # Nothing is reminded or escalated once it expired.
    assert await setup.follow_ups.remind_due() == []
    assert await setup.follow_ups.escalate_due() == []
    with pytest.raises(AlreadyDecidedError, match="expired without a decision"):
        await setup.requests.approve(request_id=request.id, approver=ONE)


async def test_the_jobs_are_needed_while_a_rule_or_a_pending_request_has_deadlines(
    setup: Setup,
) -> None:
    without = parse_policy(POLICY.split("rules:")[0], source="plain.yml")
    assert policy_sets_deadlines(setup.follow_ups.policy.rules)
    assert not policy_sets_deadlines(without)
    assert await setup.follow_ups.needed()

    setup.follow_ups.policy = ApprovalPolicy(rules=without, groups=NoGroups())
    assert not await setup.follow_ups.needed()  # no request has a deadline
    setup.follow_ups.policy = ApprovalPolicy(
        rules=parse_policy(POLICY, source="policy.yml"), groups=NoGroups()
    )
    await ask(setup)  # made under the rule with deadlines
    setup.follow_ups.policy = ApprovalPolicy(rules=without, groups=NoGroups())
    assert await setup.follow_ups.needed()
