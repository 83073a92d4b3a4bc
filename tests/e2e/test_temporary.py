"""Temporary changes end to end, on SQLite and PostgreSQL, with a clock the tests move: the end
picked in the requester's Slack time zone, the notices before it (once each, also with two
instances), the revert at the end (through the durable apply, surviving a restart, never twice),
a revert left undone when the handlers changed meanwhile, Extend, End now, and the rule's
longest temporary change."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.container import build_container
from bot.domain import AuditAction, NoticeKind, RequestStatus
from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault
from tests.e2e.conftest import DatabaseChoice
from tests.e2e.test_home import home_of, open_home
from tests.e2e.test_request_flow import find_block, open_request_modal, option
from tests.support.app_harness import Harness, MovingClock, Person, running_app, texts
from tests.support.waiting import wait_until

SUPPORT = "4001"  # handlers Ava (6001) and Ben (6002)
DAN = "6004"
LA = ZoneInfo("America/Los_Angeles")
POLICY = """\
default:
  approvers: [U0ALEX, "@telephony-admins"]
  channel: C0APPROVALS
  max_temporary: 3d
"""


@asynccontextmanager
async def temporary_app(
    tmp_path: Path,
    clock: MovingClock,
    *,
    database_url: str | None = None,
    policy_text: str = POLICY,
    **settings: Any,
) -> AsyncIterator[Harness]:
    policy = tmp_path / "policy.yml"
    policy.write_text(policy_text, encoding="utf-8")
    changes: dict[str, Any] = {"policy_file": policy, "shutdown_grace_seconds": 1.0, **settings}
    if database_url is not None:
        changes["database_url"] = database_url
    async with running_app(tmp_path, clock=clock, **changes) as app:
        yield app


def local_pick(moment: datetime) -> dict[str, str]:
    """What Carla (in Los Angeles) picks in the date and time pickers to end at `moment`."""
    wall = moment.astimezone(LA)
    return {ids.END_DATE_BLOCK: f"{wall:%Y-%m-%d}", ids.END_TIME_BLOCK: f"{wall:%H:%M}"}


async def ask(
    app: Harness,
    person: Person,
    end: dict[str, Any],
    *,
    add: tuple[str, ...] = (DAN,),
    remove: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Send a request through the modal with an end (`local_pick`, or a length); its post."""
    modal = await open_request_modal(app, person)
    answers: dict[str, Any] = {ids.REASON_BLOCK: "Evening cover", **end}
    if add:
        offered = await app.suggest(
            person, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="a"
        )
        answers[ids.ADD_BLOCK] = [option(offered, value) for value in add]
    if remove:
        choices = find_block(modal, ids.REMOVE_BLOCK)["element"]["options"]
        answers[ids.REMOVE_BLOCK] = [o for o in choices if o["value"] in remove]
    if ids.DURATION_BLOCK in end:
        choices = find_block(modal, ids.DURATION_BLOCK)["element"]["options"]
        answers[ids.DURATION_BLOCK] = option(choices, end[ids.DURATION_BLOCK])
    outcome = await app.submit(person, modal, answers)
    assert outcome.action == "update", outcome
    return app.approval_posts()[-1]


async def approve(app: Harness, post: dict[str, Any]) -> dict[str, Any]:
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    await app.submit(app.alex, app.top_modal(app.alex), {})
    return current(app, post)


def current(app: Harness, post: dict[str, Any]) -> dict[str, Any]:
    """The approval post as it is now."""
    return next(p for p in app.approval_posts() if p["ts"] == post["ts"])


def dates(text: str) -> list[int]:
    """The moments of the `<!date^…>` in a text, in order."""
    return [int(found) for found in re.findall(r"<!date\^(\d+)\^", text)]


def bulk_assigns(app: Harness) -> int:
    return sum(1 for r in app.sandbox.requests if r.path.endswith("/bulk-assign") and r.carried_out)


async def resource_events(app: Harness) -> list[AuditAction]:
    """Support's audit events, oldest first."""
    async with app.container.database.reader() as repo:
        page = await repo.history(resource_id=SUPPORT, limit=200)
    return [e.action for e in reversed(page.events)]


async def events(app: Harness, request_id: int) -> list[AuditAction]:
    async with app.container.database.reader() as repo:
        page = await repo.history(request_id=request_id, limit=100)
    return [e.action for e in reversed(page.events)]


async def test_a_temporary_add_is_reverted_at_its_end_even_after_a_restart(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovingClock()
    end = (clock.now + timedelta(days=2)).replace(second=0, microsecond=0)
    async with temporary_app(tmp_path, clock, database_url=database_choice.url) as app:
        modal = await open_request_modal(app, app.carla)
        time_picker = find_block(modal, ids.END_TIME_BLOCK)["element"]
        assert time_picker["timezone"] == "America/Los_Angeles"
        assert "In your Slack time zone, America/Los_Angeles." in texts(modal)

        post = await ask(app, app.carla, local_pick(end))
        assert ":stopwatch: *Temporary:* until" in texts(post)
        assert dates(texts(post))[-1] == int(end.timestamp())

        applied = await approve(app, post)
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", DAN]
        assert "*Applied.*" in texts(applied) and "when the bot reverts it" in texts(applied)
        copy = app.dms(app.carla)[0]
        assert {ids.EXTEND_TEMPORARY, ids.END_TEMPORARY} <= {
            e["action_id"] for b in copy["blocks"] if b["type"] == "actions" for e in b["elements"]
        }

        await app.command(app.nina, "support")
        card = texts(app.last_ephemeral(app.nina))
        assert "*Temporary changes running here*\n• #1 ➕ Dan Miller (ext. 1004) — until" in card
        assert dates(card)[-1] == int(end.timestamp())

        container = await app.restart()  # stopped as by SIGTERM, started again: same database
        clock.set(end - timedelta(minutes=1))
        await container.temporary.run_due()
        assert DAN in app.sandbox.sms_recipients(SUPPORT)  # not yet

        clock.set(end + timedelta(seconds=30))
        report = await container.temporary.run_due()
        await app.settle()
        assert [r.status for r in report.ended] == [RequestStatus.APPLIED]
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
        revert_id = report.ended[0].id
        assert await events(app, revert_id) == [AuditAction.REVERTING, AuditAction.REVERTED]
        reverted = app.thread(post)[-1]
        assert f"The bot reverted it (change #{revert_id})" in texts(reverted)
        assert "➖ Dan Miller (ext. 1004)" in texts(reverted)
        assert "The bot reverted it" in texts(app.dms(app.carla)[-1])
        assert ":stopwatch: *Temporary:* ended" in texts(current(app, post))
        assert not [b for b in current(app, post)["blocks"] if b["type"] == "actions"]

        clock.advance(timedelta(hours=1))
        again = await container.temporary.run_due()
        assert again.ended == () and bulk_assigns(app) == 2  # the change, and its revert once
        app.assert_everything_accepted()


async def test_a_revert_cut_short_by_a_stop_is_finished_by_recovery_once(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovingClock()
    async with temporary_app(tmp_path, clock, database_url=database_choice.url) as app:
        post = await ask(app, app.carla, {ids.DURATION_BLOCK: "8h"})
        assert ":stopwatch: *Temporary:* for 8 hours once applied" in texts(post)
        await approve(app, post)
        assert DAN in app.sandbox.sms_recipients(SUPPORT)

        gate = asyncio.Event()  # RingCentral makes the revert, its answer never comes back
        app.sandbox.inject_fault(
            Fault(r"/bulk-assign$", method="POST", handled=True, status=None, release=gate)
        )
        clock.advance(timedelta(hours=8, minutes=1))
        job = asyncio.create_task(app.container.temporary.run_due())
        await wait_until(
            lambda: DAN not in app.sandbox.sms_recipients(SUPPORT), what="the revert to be sent"
        )
        job.cancel()  # the instance stops with the answer in flight
        await asyncio.gather(job, return_exceptions=True)
        container = await app.restart()
        gate.set()

        report = await container.recovery.recover_once()
        await app.settle()
        assert [r.status for r in report.recovered] == [RequestStatus.APPLIED]
        revert_id = report.recovered[0].id
        assert await events(app, revert_id) == [
            AuditAction.REVERTING,
            AuditAction.TAKEN_OVER,
            AuditAction.REVERTED,
        ]
        assert bulk_assigns(app) == 2  # the change and its revert, never sent again
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
        assert f"The bot reverted it (change #{revert_id})" in texts(app.thread(post)[-1])
        assert (await container.temporary.run_due()).ended == ()


async def test_a_revert_leaves_alone_what_changed_meanwhile_and_says_why(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovingClock()
    elena = "6005"
    async with temporary_app(tmp_path, clock, database_url=database_choice.url) as app:
        post = await ask(
            app, app.carla, {ids.DURATION_BLOCK: "1d"}, add=(DAN, elena), remove=("6001",)
        )
        await approve(app, post)
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6002", DAN, elena]
        # Outside the bot: Elena is removed, Ava is back, Dan is removed; then Sam asks for Dan
        # for good and Alex approves it.
        app.sandbox.set_sms_recipients(SUPPORT, ["6001", "6002"])
        permanent = await ask(app, app.sam, {})
        await app.click(app.alex, ids.REVIEW_REQUEST, message=permanent)
        review = texts(app.top_modal(app.alex))
        assert (
            "*Temporary changes running here*\n• #1 ➕ Dan Miller (ext. 1004), ➕ Elena" in review
        )
        await app.submit(app.alex, app.top_modal(app.alex), {})
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", DAN]

        clock.advance(timedelta(days=1, minutes=1))
        report = await app.container.temporary.run_due()
        await app.container.temporary.run_due()
        await app.settle()
        assert [(r.id, r.status) for r in report.ended] == [(1, RequestStatus.APPLIED)]
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", DAN]
        assert bulk_assigns(app) == 2  # the two requests; nothing for the end
        # What was done in RingCentral directly was seen as such (the revert below is not).
        assert AuditAction.EXTERNAL_CHANGE in await resource_events(app)
        [told] = app.thread(post)
        said = texts(told)
        assert "ended" in said and "Nothing was left to revert." in said
        assert "➕ Dan Miller (ext. 1004) — added again since, by request #2" in said
        assert "— no longer a handler" in said
        assert "➖ Ava Chen (ext. 1001) — a handler again already" in said
        assert said in [texts(m) for m in app.dms(app.carla)]
        assert await events(app, 1) == [
            AuditAction.REQUESTED,
            AuditAction.APPROVED,
            AuditAction.APPLYING,
            AuditAction.APPLIED,
            AuditAction.REVERT_SKIPPED,
        ]
        async with app.container.database.reader() as repo:
            [skipped] = (await repo.history(request_id=1, limit=1)).events
        assert [(s["id"], s["why"]) for s in skipped.details["skipped"]] == [  # type: ignore[index, union-attr]
            (DAN, "added again since, by request #2"),
            (elena, "no longer a handler"),
            ("6001", "a handler again already"),
        ]
        app.assert_everything_accepted()


async def test_notices_are_sent_once_each_with_two_instances_and_a_restart(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovingClock()
    end = (clock.now + timedelta(days=2, hours=12)).replace(second=0, microsecond=0)
    async with temporary_app(tmp_path, clock, database_url=database_choice.url) as app:
        post = await ask(app, app.carla, local_pick(end))
        await approve(app, post)
        other = await build_container(app.container.settings, clock=clock)
        try:

            async def both_rounds() -> None:
                await asyncio.gather(app.container.temporary.run_due(), other.temporary.run_due())
                await app.settle()

            def told() -> list[str]:
                return [texts(m) for m in app.thread(post)]

            clock.set(end - timedelta(hours=30))
            await both_rounds()
            assert told() == []

            clock.set(end - timedelta(hours=23))
            await both_rounds()
            await both_rounds()
            [day] = told()
            assert "ends" in day and "(in about 23 hours)" in day and "➕ Dan Miller" in day
            notice = app.dms(app.carla)[-1]
            assert "(in about 23 hours)" in texts(notice)
            assert ids.EXTEND_TEMPORARY in str(notice["blocks"])

            await app.restart()
            await both_rounds()
            assert len(told()) == 1

            clock.set(end - timedelta(minutes=50))
            await both_rounds()
            await both_rounds()
            assert len(told()) == 2 and "(in 50 minutes)" in told()[-1]

            clock.set(end + timedelta(minutes=1))
            await both_rounds()
            await both_rounds()
            assert len(told()) == 3 and "The bot reverted it" in told()[-1]
            assert bulk_assigns(app) == 2
            assert sum("The bot reverted it" in texts(m) for m in app.dms(app.carla)) == 1
            async with app.container.database.reader() as repo:
                assert await repo.notices_sent(request_id=1) == [
                    (NoticeKind.DAY_BEFORE, end),
                    (NoticeKind.HOUR_BEFORE, end),
                ]
        finally:
            await other.aclose()


def buttons(message: dict[str, Any]) -> set[str]:
    return {
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def test_extend_within_the_rule_then_end_now(tmp_path: Path) -> None:
    clock = MovingClock()
    async with temporary_app(tmp_path, clock) as app:
        post = await ask(app, app.carla, {ids.DURATION_BLOCK: "1d"})
        applied = await approve(app, post)
        assert buttons(applied) == {ids.EXTEND_TEMPORARY, ids.END_TEMPORARY}
        async with app.container.database.reader() as repo:
            change = await repo.get_request(request_id=1)
        assert change is not None and change.applied_at is not None and change.ends_at is not None
        started, first_end = change.applied_at, change.ends_at

        await app.click(app.nina, ids.EXTEND_TEMPORARY, message=applied)
        assert (
            "Only the person who asked for change #1 or an approver can extend or end it."
            in texts(app.last_ephemeral(app.nina, "C0APPROVALS"))
        )

        copy = app.dms(app.carla)[0]
        await app.click(app.carla, ids.EXTEND_TEMPORARY, message=copy)
        modal = app.top_modal(app.carla)
        assert modal["callback_id"] == ids.EXTEND_MODAL
        offered = [o["value"] for o in find_block(modal, ids.DURATION_BLOCK)["element"]["options"]]
        assert offered == ["1h", "4h", "1d"]  # 2 days are left of the rule's 3
        too_late = local_pick(started + timedelta(days=3, hours=1))
        outcome = await app.submit(app.carla, modal, too_late)
        assert outcome.action == "errors"
        assert outcome.errors[ids.END_DATE_BLOCK].startswith(
            "The longest temporary change here is 3 days, counted from when it took effect"
        )
        choices = find_block(modal, ids.DURATION_BLOCK)["element"]["options"]
        outcome = await app.submit(app.carla, modal, {ids.DURATION_BLOCK: option(choices, "1d")})
        assert outcome.action == "update"
        new_end = first_end + timedelta(days=1)
        assert "now ends" in texts(app.top_modal(app.carla))
        extended = app.thread(post)[-1]
        assert "<@U0CARLA> extended the temporary change #1" in texts(extended)
        assert dates(texts(extended)) == [int(new_end.timestamp()), int(first_end.timestamp())]
        assert dates(texts(current(app, post)))[-1] == int(new_end.timestamp())
        assert (await events(app, 1))[-1] is AuditAction.EXTENDED

        clock.advance(timedelta(hours=2))
        await app.click(app.alex, ids.END_TEMPORARY, message=current(app, post))
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
        ended = texts(app.thread(post)[-1])
        assert "ended early by <@U0ALEX>" in ended and "The bot reverted it (change #2)" in ended
        assert (await events(app, 1))[-1] is AuditAction.ENDED_EARLY
        assert await events(app, 2) == [AuditAction.REVERTING, AuditAction.REVERTED]
        assert buttons(current(app, post)) == set()

        await app.click(app.carla, ids.END_TEMPORARY, message=copy)  # a stale copy
        assert "Change #1 has ended already." in texts(
            app.last_ephemeral(app.carla, copy["channel"])
        )
        clock.advance(timedelta(days=2))
        assert (await app.container.temporary.run_due()).ended == ()
        assert bulk_assigns(app) == 2
        app.assert_everything_accepted()


async def test_the_longest_temporary_change_and_ends_past_are_refused(tmp_path: Path) -> None:
    clock = MovingClock()
    async with temporary_app(tmp_path, clock) as app:
        modal = await open_request_modal(app, app.carla)
        lengths = find_block(modal, ids.DURATION_BLOCK)["element"]["options"]
        assert [o["value"] for o in lengths] == ["1h", "4h", "8h", "1d", "2d", "3d"]
        assert "The longest temporary change here is 3 days." in texts(modal)
        offered = await app.suggest(
            app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
        )
        base = {ids.ADD_BLOCK: [option(offered, DAN)], ids.REASON_BLOCK: "Cover"}

        async def refused(end: dict[str, Any]) -> dict[str, str]:
            outcome = await app.submit(app.carla, modal, {**base, **end})
            assert outcome.action == "errors", outcome
            return outcome.errors

        latest = clock.now + timedelta(days=3)
        assert (await refused(local_pick(clock.now + timedelta(days=4))))[ids.END_DATE_BLOCK] == (
            "The longest temporary change here is 3 days, counted from now: pick "
            f"{latest.astimezone(LA):%a} {latest.astimezone(LA).day} "
            f"{latest.astimezone(LA):%b %Y %H:%M %Z} or earlier."
        )
        forged = {"text": {"type": "plain_text", "text": "1 week"}, "value": "1w"}
        assert (await refused({ids.DURATION_BLOCK: forged}))[ids.DURATION_BLOCK] == (
            "The longest temporary change here is 3 days; pick a shorter length."
        )
        past = await refused(local_pick(clock.now - timedelta(hours=1)))
        assert past[ids.END_DATE_BLOCK].endswith("has passed; pick a later end.")
        both = await refused(
            {**local_pick(clock.now + timedelta(hours=5)), ids.DURATION_BLOCK: lengths[0]}
        )
        assert ids.DURATION_BLOCK in both
        assert app.approval_posts() == []

        post = await ask(app, app.carla, local_pick(clock.now + timedelta(hours=2)))
        clock.advance(timedelta(hours=3))
        await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
        await app.submit(app.alex, app.top_modal(app.alex), {})
        assert "Request #1 asked for a change until" in texts(app.top_modal(app.alex))
        assert "which has passed. Reject it" in texts(app.top_modal(app.alex))
        assert app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]
        assert "Waiting for an approver" in texts(current(app, post))
        app.assert_everything_accepted()


async def test_the_background_job_reverts_a_change_once_its_end_comes(tmp_path: Path) -> None:
    clock = MovingClock()
    settings = {"temporary_interval_seconds": 0.05, "lease_seconds": 1.0}
    async with temporary_app(tmp_path, clock, **settings) as app:
        post = await ask(app, app.carla, {ids.DURATION_BLOCK: "4h"})
        await approve(app, post)
        app.container.start_background()
        await wait_until(lambda: app.container.coordinator.leading, what="the background lease")

        clock.advance(timedelta(hours=3, minutes=59, seconds=30))
        await wait_until(lambda: len(app.thread(post)) == 1, what="the hour's notice")
        assert "(in under a minute)" in texts(app.thread(post)[0])
        assert DAN in app.sandbox.sms_recipients(SUPPORT)

        clock.advance(timedelta(minutes=1))
        await wait_until(lambda: len(app.thread(post)) == 2, what="the revert")
        assert "The bot reverted it (change #2)" in texts(app.thread(post)[1])
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]


async def test_end_now_while_ringcentral_cannot_be_read_reverts_at_the_next_round(
    tmp_path: Path,
) -> None:
    clock = MovingClock()
    async with temporary_app(tmp_path, clock) as app:
        post = await ask(app, app.carla, {ids.DURATION_BLOCK: "1d"})
        await approve(app, post)
        app.sandbox.inject_fault(
            Fault(rf"/extension/{SUPPORT}/sms-recipients$", method="GET", status=503, times=50)
        )
        copy = app.dms(app.carla)[0]
        await app.click(app.carla, ids.END_TEMPORARY, message=copy)
        assert "Change #1 ends now, but RingCentral cannot be read at the moment" in texts(
            app.last_ephemeral(app.carla, copy["channel"])
        )
        assert DAN in app.sandbox.sms_recipients(SUPPORT)
        assert (await events(app, 1))[-1] is AuditAction.ENDED_EARLY

        app.sandbox.clear_faults()
        clock.advance(timedelta(minutes=1))
        report = await app.container.temporary.run_due()
        await app.settle()
        assert [r.status for r in report.ended] == [RequestStatus.APPLIED]
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
        assert "ended early by <@U0CARLA>" in texts(app.thread(post)[-1])
        assert "The bot reverted it (change #2)" in texts(app.thread(post)[-1])


TWO_APPROVALS = """\
default:
  approvers: [U0ALEX, "@telephony-admins"]
  channel: C0APPROVALS
  approvals_required: 2
  max_temporary: 3d
"""


async def test_a_temporary_change_needing_two_approvals_runs_from_the_second_and_is_reverted(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovingClock()
    async with temporary_app(
        tmp_path, clock, database_url=database_choice.url, policy_text=TWO_APPROVALS
    ) as app:
        post = await ask(app, app.carla, {ids.DURATION_BLOCK: "8h"})
        await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
        await app.submit(app.alex, app.top_modal(app.alex), {})
        async with app.container.database.reader() as repo:
            first = await repo.get_request(request_id=1)
        assert first is not None and first.status is RequestStatus.PENDING
        assert first.ends_at is None and bulk_assigns(app) == 0
        assert DAN not in app.sandbox.sms_recipients(SUPPORT)
        # A day passes before the second approval: the 8 hours count from when it is applied.
        clock.advance(timedelta(days=1))
        await app.click(app.sam, ids.REVIEW_REQUEST, message=current(app, post))
        review = texts(app.top_modal(app.sam))
        assert "*1 of 2 approvals* so far" in review
        assert ":stopwatch: *Temporary:* for 8 hours once applied" in review
        await app.submit(app.sam, app.top_modal(app.sam), {})
        await app.settle()
        async with app.container.database.reader() as repo:
            applied = await repo.get_request(request_id=1)
        assert applied is not None and applied.status is RequestStatus.APPLIED
        assert [a.approver_id for a in applied.approvals] == [app.alex.id, app.sam.id]
        assert applied.applied_at is not None
        assert applied.ends_at == applied.applied_at + timedelta(hours=8)
        assert bulk_assigns(app) == 1 and DAN in app.sandbox.sms_recipients(SUPPORT)
        assert "when the bot reverts it" in texts(current(app, post))
        await app.command(app.nina, "support")
        card = texts(app.last_ephemeral(app.nina))
        assert "*Approval:* " in card and "2 approvals needed" in card
        assert "*Temporary changes running here*\n• #1 ➕ Dan Miller (ext. 1004) — until" in card
        assert dates(card)[-1] == int(applied.ends_at.timestamp())

        clock.advance(timedelta(hours=7, minutes=59))
        assert (await app.container.temporary.run_due()).ended == ()
        clock.advance(timedelta(minutes=2))
        report = await app.container.temporary.run_due()
        await app.settle()
        assert [r.status for r in report.ended] == [RequestStatus.APPLIED]
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
        assert bulk_assigns(app) == 2
        # The revert is the bot's own change: reading the handlers again (the card, the drift
        # check) finds nothing made outside the bot.
        await app.command(app.nina, "support")
        assert "Dan Miller" not in texts(app.last_ephemeral(app.nina))
        clock.advance(timedelta(hours=1))
        assert app.container.drift is not None
        drift = await app.container.drift.check_once()
        assert SUPPORT in drift.read
        await app.settle()
        assert AuditAction.EXTERNAL_CHANGE not in await resource_events(app)
        assert (await resource_events(app))[-2:] == [AuditAction.REVERTING, AuditAction.REVERTED]
        app.assert_everything_accepted()


async def test_home_lists_a_running_temporary_change_with_extend_and_end_now(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    clock = MovingClock()
    async with temporary_app(tmp_path, clock, database_url=database_choice.url) as app:
        post = await ask(app, app.carla, {ids.DURATION_BLOCK: "1d"})
        await approve(app, post)
        home = await open_home(app, app.carla)
        shown = texts(home)
        assert "*Your temporary changes still running (1)*" in shown
        assert "*#1 Support* · undone on <!date^" in shown and "➕ Dan Miller (ext. 1004)" in shown
        assert {ids.EXTEND_TEMPORARY, ids.END_TEMPORARY} <= buttons(home)
        assert "None of your temporary changes is running." in texts(await open_home(app, app.alex))

        await app.click(app.carla, ids.EXTEND_TEMPORARY, view=home, value="1")
        assert app.top_modal(app.carla)["callback_id"] == ids.EXTEND_MODAL
        app.slack.close_view(app.carla.id)

        await app.click(app.carla, ids.END_TEMPORARY, view=home, value="1")
        await app.settle()
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002"]
        assert "The bot reverted it (change #2)" in texts(app.thread(post)[-1])
        await wait_until(
            lambda: "None of your temporary changes is running." in texts(home_of(app, app.carla)),
            what="Carla's Home published again",
        )
        shown = texts(home_of(app, app.carla))
        assert "*Support* · <!date^" in shown
        assert "The bot reverted request #2\n➖ Dan Miller (ext. 1004)" in shown
        app.assert_everything_accepted()
