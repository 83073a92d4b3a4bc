"""M-of-N approval, per-rule channels, expiry, reminders and escalation through the real app,
on SQLite and PostgreSQL, with a policy file and a clock the tests move.

Two instances sharing the database are two containers built from the same settings: the
coordinator runs the jobs in one instance at a time, so these tests run the jobs' `run`
(`expire_due`, `remind_due`, `escalate_due`) from both containers at once, which is what two
instances racing for a deadline would do, and check each is done once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.container import Container, build_container
from bot.domain import AuditAction
from bot.views import ids
from tests.e2e.conftest import DatabaseChoice
from tests.support.app_harness import Harness, Person, running_app, texts
from tests.support.clock import MovableClock

SUPPORT, ELENA = "4001", "6005"
QUEUES = "C0SUPPORTQ"
BEA = Person("U0BEA", "bea", "Bea Boss", "bea@acme.example")
HOUR = timedelta(hours=1)
POLICY = f"""\
default:
  approvers: [U0ALEX, U0NINA, "@telephony-admins"]
  channel: C0APPROVALS
rules:
  - name: support queue
    match: {{name: Support}}
    approvals_required: 2
    channel: {QUEUES}
    request_ttl: 3d
    remind_every: 4h
    escalate_after: 1d
    escalate_to: [{BEA.id}]
"""


@asynccontextmanager
async def app_with_policy(
    tmp_path: Path, database: DatabaseChoice, clock: MovableClock | None = None
) -> AsyncIterator[Harness]:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    async with running_app(
        tmp_path,
        policy_file=policy,
        approval_channel=None,
        database_url=database.url,
        clock=clock,
        drift_interval_seconds=0,  # the jobs this module checks are the policy's
    ) as app:
        app.slack.add_channel(id=QUEUES, name="support-queue-approvals")
        app.slack.add_user(id=BEA.id, name=BEA.name, real_name=BEA.real_name, email=BEA.email)
        yield app


def queue_posts(app: Harness) -> list[dict[str, Any]]:
    """The posts in the support queues' channel (thread replies included), oldest first."""
    posts = [m for m in app.slack.messages(QUEUES) if not m.get("is_ephemeral")]
    return [{**m, "channel": QUEUES} for m in posts]


def request_post(app: Harness) -> dict[str, Any]:
    [post] = [m for m in queue_posts(app) if "thread_ts" not in m]
    return post


async def ask_for_elena(app: Harness) -> dict[str, Any]:
    """Carla asks to add Elena to Support; the post in its rule's channel."""
    await app.command(app.carla, "support")
    card = app.last_ephemeral(app.carla)
    assert "*Approval:* rule *support queue* · 2 approvals needed" in texts(card)
    assert "requests expire after 3 days" in texts(card)
    await app.click(app.carla, ids.REQUEST_CHANGE, message=card)
    modal = app.top_modal(app.carla)
    offered = await app.suggest(
        app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="elena"
    )
    outcome = await app.submit(
        app.carla, modal, {ids.ADD_BLOCK: offered[:1], ids.REASON_BLOCK: "Evening cover"}
    )
    assert outcome.action == "update", outcome
    assert f"was sent to the approvers in <#{QUEUES}>" in texts(app.top_modal(app.carla))
    assert app.approval_posts() == []  # not the default channel: the rule's own
    return request_post(app)


def bulk_assigns(app: Harness) -> int:
    return len([r for r in app.sandbox.requests if r.path.endswith("/bulk-assign")])


async def audit_actions(app: Harness) -> list[AuditAction]:
    async with app.container.database.reader() as repo:
        events = (await repo.history(request_id=1, limit=100)).events
    return [event.action for event in reversed(events)]


async def test_two_of_three_is_applied_once_after_the_second_distinct_approver(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    async with app_with_policy(tmp_path, database_choice) as app:
        jobs = [job.name for job in app.container.coordinator.jobs]
        assert jobs == ["recovery", "offboarding", "expiry", "reminders", "escalation"]
        post = await ask_for_elena(app)
        assert "Waiting for 2 approvals from different approvers." in texts(post)
        assert (
            "Policy: rule *support queue* · 2 approvals from different approvers needed"
            in texts(post)
        )

        await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
        review = app.top_modal(app.alex)
        assert (
            "Policy: rule *support queue* · 2 approvals from different approvers needed"
            in texts(review)
        )
        await app.submit(app.alex, review, {ids.COMMENT_BLOCK: "fine by me"})
        assert "Your approval is recorded; 1 more needed." in texts(app.top_modal(app.alex))
        post = request_post(app)
        assert "*1 of 2 approvals* so far (<@U0ALEX>); 1 more needed." in texts(post)
        assert "*1 of 2 approvals* so far" in texts(app.dms(app.carla)[0])
        assert bulk_assigns(app) == 0 and ELENA not in app.sandbox.sms_recipients(SUPPORT)

        # One person counts once.
        await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
        refusal = texts(app.last_ephemeral(app.alex, QUEUES))
        assert "You approved request #1 already, and one person counts once" in refusal
        assert "1 more approval from other approvers" in refusal
        assert bulk_assigns(app) == 0

        # Sam and Nina approve at the same moment: one of them is the second approver.
        await app.click(app.sam, ids.REVIEW_REQUEST, message=post)
        await app.click(app.nina, ids.REVIEW_REQUEST, message=post)
        sam_view, nina_view = app.top_modal(app.sam), app.top_modal(app.nina)
        await asyncio.gather(
            app.submit(app.sam, sam_view, {}, settle=False),
            app.submit(app.nina, nina_view, {}, settle=False),
        )
        await app.settle()
        outcomes = [texts(app.top_modal(app.sam)), texts(app.top_modal(app.nina))]
        assert sum("*Applied.* Approved by <@U0ALEX> and <@U0" in o for o in outcomes) == 1
        assert sum("was already approved by Alex Approver and " in o for o in outcomes) == 1
        assert bulk_assigns(app) == 1
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", ELENA]

        shown = texts(request_post(app))
        assert "*Applied.* Approved by <@U0ALEX> and <@U0" in shown
        assert "<@U0ALEX>: fine by me" in shown
        assert "*Applied.*" in texts(app.dms(app.carla)[-1])
        actions = await audit_actions(app)
        assert actions == [
            AuditAction.REQUESTED,
            AuditAction.APPROVAL_RECORDED,
            AuditAction.APPROVED,
            AuditAction.APPLYING,
            AuditAction.APPLIED,
        ]
        app.assert_everything_accepted()


@asynccontextmanager
async def second_instance(app: Harness, clock: MovableClock) -> AsyncIterator[Container]:
    """Another instance of the bot on the same database, Slack and RingCentral."""
    other = await build_container(app.container.settings, clock=clock)
    try:
        yield other
    finally:
        await other.aclose()


async def test_reminder_escalation_and_expiry_each_once_with_two_instances(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovableClock()
    async with (
        app_with_policy(tmp_path, database_choice, clock) as app,
        second_instance(app, clock) as other,
    ):
        instances = (app.container.follow_ups, other.follow_ups)
        post = await ask_for_elena(app)

        async def both(job: str) -> int:
            """Run a job in both instances at once; how many requests they acted on."""
            done = await asyncio.gather(*(getattr(i, job)() for i in instances))
            await app.settle()
            return sum(len(d) for d in done)

        def replies() -> list[dict[str, Any]]:
            return [m for m in queue_posts(app) if m.get("thread_ts") == post["ts"]]

        clock.advance(4 * HOUR - timedelta(seconds=1))
        assert await both("remind_due") == 0 and await both("escalate_due") == 0
        clock.advance(timedelta(seconds=1))
        assert await both("remind_due") == 1
        assert await both("remind_due") == 0
        [reminder] = replies()
        assert texts(reminder).startswith(
            ":bell: <@U0ALEX> <@U0NINA> <@U0SAM>: request #1 for *Support* has waited since"
        )
        assert "It expires <!date^" in texts(reminder)

        clock.advance(20 * HOUR)  # a day after the request: escalation, and the next reminder
        assert await both("escalate_due") == 1
        assert await both("escalate_due") == 0
        [escalation] = app.dms(BEA)
        assert "*Escalated to you:* request #1 has waited since" in texts(escalation)
        assert await both("remind_due") == 1
        assert len(replies()) == 2

        # Bea may decide it now: her Review opens the review.
        await app.click(BEA, ids.REVIEW_REQUEST, message=escalation)
        assert app.top_modal(BEA)["callback_id"] == ids.REVIEW_MODAL

        clock.advance(48 * HOUR - timedelta(seconds=1))
        assert await both("expire_due") == 0
        clock.advance(timedelta(seconds=1))  # three days after the request
        assert await both("expire_due") == 1
        assert await both("expire_due") == 0
        assert await both("remind_due") == 0 and await both("escalate_due") == 0

        expired = texts(request_post(app))
        assert ":alarm_clock: *Expired* without a decision." in expired
        assert not [b for b in request_post(app)["blocks"] if b["type"] == "actions"]
        told = texts(app.dms(app.carla)[-1])
        assert "Your request #1 to change the SMS handlers of *Support*" in told
        assert "*Expired* without a decision" in told
        assert bulk_assigns(app) == 0
        actions = await audit_actions(app)
        assert actions == [
            AuditAction.REQUESTED,
            AuditAction.REMINDED,
            AuditAction.ESCALATED,
            AuditAction.REMINDED,
            AuditAction.EXPIRED,
        ]
        app.assert_everything_accepted()
