"""Offboarding through the real app, on SQLite and PostgreSQL: `/sms-handlers offboard` builds
one request listing every resource the person handles, one approval applies one change per
resource (a RingCentral failure on one is reported for that one and retried alone), bad input
changes nothing, and a user disabled in RingCentral gets exactly one offboarding request opened
by the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import AuditAction, RequestKind, RequestStatus
from bot.services.budget import CallBudget
from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault
from tests.e2e.conftest import DatabaseChoice
from tests.e2e.test_home import accessories, home_of, open_home
from tests.support.app_harness import Harness, running_app, texts
from tests.support.waiting import wait_until

RESOURCES = ["1000", "2000", "3000", "4001", "4002", "4003", "4004"]  # every common resource
BEN = "6002"  # Ben Ortiz, ext. 1002: handles Support and Sales in the demo account
FARID = "6006"  # handles SMS nowhere
FAILING = "4003"  # Billing: RingCentral refuses its change once


@pytest.fixture
async def app(tmp_path: Path, database_choice: DatabaseChoice) -> AsyncIterator[Harness]:
    async with running_app(
        tmp_path,
        database_url=database_choice.url,
        scan_budget=CallBudget(calls=1000),  # a complete scan of the 7 resources at once
    ) as harness:
        yield harness
        harness.assert_everything_accepted()  # Block Kit limits included


def bulk_assigns(app: Harness, resource_id: str | None = None) -> int:
    return sum(
        1
        for r in app.sandbox.requests
        if r.method == "POST"
        and r.path.endswith("/bulk-assign")
        and (resource_id is None or f"/extension/{resource_id}/" in r.path)
    )


async def request_count(app: Harness) -> int:
    async with app.container.database.reader() as repo:
        statuses = await repo.count_requests_by_status()
    return sum(statuses.values())


async def test_offboarding_on_seven_resources_one_approval_one_failure_retried(
    app: Harness,
) -> None:
    for resource in RESOURCES:
        current = app.sandbox.sms_recipients(resource)
        app.sandbox.set_sms_recipients(resource, [*[i for i in current if i != BEN], BEN])

    await app.command(app.carla, "offboard ben.ortiz@acme.example")
    answer = texts(app.last_ephemeral(app.carla))
    assert "Offboarding request #1 was sent to the approvers" in answer, answer
    assert "Ben Ortiz (ext. 1002)" in answer and "7 resources" in answer
    [post] = app.approval_posts()
    body = texts(post)
    assert "*Offboarding request #1*" in body and "*Resources (7)*" in body
    for name in ("Support", "Sales", "Billing", "Boston Office", "Denver Office", "Acme Corp HQ"):
        assert name in body
    assert bulk_assigns(app) == 0  # nothing happens before the approval

    app.sandbox.inject_fault(
        Fault(path_pattern=rf"/extension/{FAILING}/sms-recipients/bulk-assign$", status=500)
    )
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    review = app.top_modal(app.alex)
    assert review["callback_id"] == ids.REVIEW_MODAL
    assert "Offboarding of Ben Ortiz" in texts(review) and "*Resources (7)*" in texts(review)
    await app.submit(app.alex, review, {ids.COMMENT_BLOCK: "left the company"})

    # One approval, seven changes: six applied, Billing failed and still has Ben.
    for resource in RESOURCES:
        still = BEN in app.sandbox.sms_recipients(resource)
        assert still is (resource == FAILING), resource
    assert bulk_assigns(app) == 7
    failed = app.approval_posts()[-1]
    assert failed["ts"] == post["ts"]
    body = texts(failed)
    assert "*Failed on 1 of 7 resources*" in body, body
    assert "*Resources (7)* · 6 applied, 1 failed" in body
    billing = next(line for line in body.splitlines() if "*Billing*" in line)
    assert billing.startswith(":x:") and "failed:" in billing
    assert sum(1 for line in body.splitlines() if line.startswith(":white_check_mark: *")) == 6
    assert "Your request #1 to offboard *Ben Ortiz*" in texts(app.dms(app.carla)[-1])

    async with app.container.database.reader() as repo:
        offboarding = await repo.get_request(request_id=1)
        assert offboarding is not None and offboarding.kind is RequestKind.OFFBOARDING
        assert offboarding.status is RequestStatus.FAILED
        assert len(offboarding.approvals) == 1
        children = [await repo.get_request(request_id=p.request_id or 0) for p in offboarding.parts]
        events = (await repo.history(limit=500)).events
    assert {c.resource_id for c in children if c} == set(RESOURCES)
    assert all(c and c.parent_id == 1 and c.approvals == () for c in children)
    outcomes = {
        e.resource_id: e.action
        for e in events
        if e.action in (AuditAction.APPLIED, AuditAction.APPLY_FAILED) and e.request_id != 1
    }
    assert outcomes == {
        r: AuditAction.APPLY_FAILED if r == FAILING else AuditAction.APPLIED for r in RESOURCES
    }
    assert all([ref.id for ref in e.removed] == [BEN] for e in events if e.request_id != 1)

    # Retry: only Billing is sent again.
    await app.click(app.nina, ids.RETRY_REQUEST, message=failed)
    assert bulk_assigns(app) == 7  # nobody but approvers
    await app.click(app.sam, ids.RETRY_REQUEST, message=failed)
    assert bulk_assigns(app) == 8 and bulk_assigns(app, FAILING) == 2
    assert all(BEN not in app.sandbox.sms_recipients(r) for r in RESOURCES)
    done = texts(app.approval_posts()[-1])
    assert "*Applied* on every resource" in done and "7 applied" in done
    assert not [b for b in app.approval_posts()[-1]["blocks"] if b["type"] == "actions"]


async def test_an_offboarding_part_retried_from_the_command_line_settles_the_offboarding(
    app: Harness,
) -> None:
    app.sandbox.inject_fault(
        Fault(path_pattern=r"/extension/4001/sms-recipients/bulk-assign$", status=500)
    )
    await app.command(app.carla, "offboard 1002")  # an extension number
    await app.click(app.alex, ids.REVIEW_REQUEST, message=app.approval_posts()[-1])
    await app.submit(app.alex, app.top_modal(app.alex), {})
    async with app.container.database.reader() as repo:
        offboarding = await repo.get_request(request_id=1)
    assert offboarding is not None and offboarding.status is RequestStatus.FAILED
    [failed_part] = [p for p in offboarding.parts if p.status is RequestStatus.FAILED]
    assert failed_part.target.resource_id == "4001" and failed_part.request_id is not None

    await app.container.recovery.retry_now(
        request_id=failed_part.request_id, actor_id="operator", actor_name=None
    )
    await app.settle()
    async with app.container.database.reader() as repo:
        offboarding = await repo.get_request(request_id=1)
    assert offboarding is not None and offboarding.status is RequestStatus.APPLIED
    assert "*Applied* on every resource" in texts(app.approval_posts()[-1])
    assert BEN not in app.sandbox.sms_recipients("4001")


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(app: Harness) -> None:
    await app.command(app.carla, "offboard nobody@acme.example")
    assert "No RingCentral user matches *nobody@acme.example*" in texts(
        app.last_ephemeral(app.carla)
    )
    await app.command(app.carla, "offboard farid.haddad@acme.example")
    answer = texts(app.last_ephemeral(app.carla))
    assert "Farid Haddad (ext. 1006) handles SMS for none of the 7 resources" in answer, answer
    await app.command(app.carla, "offboard")
    assert "Usage: `/sms-handlers offboard @person`" in texts(app.last_ephemeral(app.carla))
    assert await request_count(app) == 0
    assert app.approval_posts() == []
    assert bulk_assigns(app) == 0


async def test_a_second_offboarding_of_the_same_person_is_the_open_one(app: Harness) -> None:
    await app.command(app.carla, "offboard Ben Ortiz")
    await app.command(app.sam, "offboard ben.ortiz@acme.example")
    assert "Offboarding request #1 for Ben Ortiz (ext. 1002) is already open" in texts(
        app.last_ephemeral(app.sam)
    )
    assert await request_count(app) == 1 and len(app.approval_posts()) == 1


async def test_a_user_disabled_in_ringcentral_gets_exactly_one_offboarding(
    app: Harness,
) -> None:
    watch = app.container.offboarding_watch
    assert watch is not None and app.container.drift is not None
    await app.container.drift.check_once()  # the bot has read every handler list
    assert (await watch.check_once()).opened == ()  # Isabel is disabled but handles nothing

    app.sandbox.set_extension_status(BEN, "Disabled")
    reports = await asyncio.gather(watch.check_once(), watch.check_once())  # two at once
    await app.settle()
    assert sorted(i for r in reports for i in r.opened) in ([1], [1, 1])
    assert (await watch.check_once()).opened == ()  # a later round: nothing new
    await app.settle()

    [post] = app.approval_posts()
    body = texts(post)
    assert "*Offboarding request #1*" in body and "Requested by the bot (automatically)" in body
    assert "Ben Ortiz is disabled in RingCentral" in body and "*Resources (2)*" in body
    assert await request_count(app) == 1

    # It is decided like any request.
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    await app.submit(app.alex, app.top_modal(app.alex), {})
    assert "*Applied* on every resource" in texts(app.approval_posts()[-1])
    assert BEN not in app.sandbox.sms_recipients("4001") + app.sandbox.sms_recipients("4002")
    assert (await watch.check_once()).opened == ()  # once per person, whatever became of it
    assert await request_count(app) == 3  # the offboarding and its two parts


async def test_a_deleted_user_is_seen_too(app: Harness) -> None:
    watch = app.container.offboarding_watch
    assert watch is not None and app.container.drift is not None
    await app.container.drift.check_once()
    app.sandbox.delete_extension(BEN)  # RingCentral drops them from every recipients list
    report = await watch.check_once()
    assert BEN in report.leavers
    assert report.opened == ()  # they handle nothing any more: nothing to ask for
    assert await request_count(app) == 0


async def test_home_shows_the_offboarding_in_my_requests_and_waiting_for_me(app: Harness) -> None:
    await open_home(app, app.carla)
    await open_home(app, app.alex)
    await app.command(app.carla, "offboard ben.ortiz@acme.example")
    expected = "#1 Offboarding of Ben Ortiz (2 resources)"
    for person in (app.carla, app.alex):
        await wait_until(
            lambda p=person: expected in texts(home_of(app, p)), what=f"{person.id}'s Home"
        )
    carla = home_of(app, app.carla)
    assert expected in texts(carla) and (ids.CANCEL_REQUEST, "1") in accessories(carla)
    alex = home_of(app, app.alex)
    assert expected in texts(alex) and (ids.REVIEW_REQUEST, "1") in accessories(alex)

    await app.click(app.alex, ids.REVIEW_REQUEST, message=app.approval_posts()[-1])
    await app.submit(app.alex, app.top_modal(app.alex), {})
    await wait_until(  # published again, in the background: applied, no longer open
        lambda: "Offboarding of Ben Ortiz" not in texts(home_of(app, app.carla)),
        what="Carla's Home without the offboarding",
    )
    carla = home_of(app, app.carla)
    assert "#2 " not in texts(carla) and "#3 " not in texts(carla)  # its parts are not listed
    await wait_until(
        lambda: expected not in texts(home_of(app, app.alex)), what="Alex's Home without it"
    )


async def test_recovery_finishes_an_offboarding_whose_instance_stopped(app: Harness) -> None:
    """The instance died after the approval claimed the parts: recovery takes each part over
    (its lease ran out), applies it, and settles the offboarding."""
    await app.command(app.carla, "offboard ben.ortiz@acme.example")
    request = await app.container.requests.get(request_id=1)
    async with app.container.database.transaction() as repo:
        await repo.record_approval(
            request_id=1, approver_id=app.alex.id, approver_name="Alex", comment=None
        )
        await repo.start_applying(
            request_id=1,
            actor_id=app.alex.id,
            actor_name="Alex",
            owner="dead-host:1:x",
            lease_until=datetime.now(UTC) - timedelta(seconds=1),
        )
    assert request.is_offboarding and bulk_assigns(app) == 0
    report = await app.container.recovery.recover_once()
    await app.settle()
    assert {r.id for r in report.recovered} == {2, 3}
    assert BEN not in app.sandbox.sms_recipients("4001") + app.sandbox.sms_recipients("4002")
    settled = await app.container.requests.get(request_id=1)
    assert settled.status is RequestStatus.APPLIED
    assert "*Applied* on every resource" in texts(app.approval_posts()[-1])


async def test_the_offboarding_check_is_a_background_job_that_can_be_turned_off(
    tmp_path: Path,
) -> None:
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    async with running_app(tmp_path / "on") as app:
        jobs = {job.name: job for job in app.container.coordinator.jobs}
        assert jobs["offboarding"].every_seconds == 300 == jobs["offboarding"].first_after_seconds
    async with running_app(tmp_path / "off", offboarding_interval_seconds=0) as app:
        assert app.container.offboarding_watch is None
        assert "offboarding" not in [job.name for job in app.container.coordinator.jobs]


async def test_the_command_line_retries_a_failed_offboarding_as_a_whole(app: Harness) -> None:
    """`sms-handlers requests retry N` with the offboarding's number: only failed parts."""
    app.sandbox.inject_fault(
        Fault(path_pattern=r"/extension/4002/sms-recipients/bulk-assign$", status=500)
    )
    await app.command(app.carla, "offboard Ben Ortiz")
    await app.click(app.alex, ids.REVIEW_REQUEST, message=app.approval_posts()[-1])
    await app.submit(app.alex, app.top_modal(app.alex), {})
    assert (await app.container.requests.get(request_id=1)).status is RequestStatus.FAILED
    assert bulk_assigns(app) == 2
    await app.command(app.carla, "offboard Ben Ortiz")  # not a second one: retry this one
    again = texts(app.last_ephemeral(app.carla))
    assert "#1 for Ben Ortiz (ext. 1002) is already open (failed)" in again
    assert "An approver can retry it from its post." in again
    done = await app.container.recovery.retry_now(
        request_id=1, actor_id="operator", actor_name=None
    )
    await app.settle()
    assert done.status is RequestStatus.APPLIED
    assert bulk_assigns(app) == 3 and bulk_assigns(app, "4001") == 1
    assert BEN not in app.sandbox.sms_recipients("4002")
