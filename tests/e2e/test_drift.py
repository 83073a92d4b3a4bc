"""Changes made outside the bot (in RingCentral's admin portal): the drift check notices them
within one period and records each once as `external_change`, posts it to the drift channel,
and History and `sms-handlers history` show it as made outside the bot. Changes the bot makes
itself (applied, applied although the answer was lost, finished by recovery) never are.

The drift check runs directly, with the app's clock moved by one period instead of waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain import AuditAction, AuditEvent, readings_between
from bot.services.budget import CallBudget
from bot.services.drift import DriftWatch
from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault
from tests.db.test_cli import run_in_thread
from tests.e2e.conftest import DatabaseChoice
from tests.e2e.test_request_flow import find_block, open_request_modal, option
from tests.support.app_harness import Harness, running_app, texts
from tests.support.serve_process import open_review, send_request
from tests.support.waiting import wait_until

SUPPORT, SALES = "4001", "4002"
AVA, BEN, CARLA, DAN, ELENA = "6001", "6002", "6003", "6004", "6005"
DRIFT = "C0DRIFT"


class Clock:
    """The app's wall clock: real time, moved ahead by the test."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def advance(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)


@dataclass
class Drifting:
    app: Harness
    clock: Clock

    @property
    def drift(self) -> DriftWatch:
        assert self.app.container.drift is not None
        return self.app.container.drift

    async def next_period(self) -> None:
        """One drift period later, the drift check's round (and what it posts)."""
        self.clock.advance(self.drift.interval_seconds)
        await self.drift.check_once()
        await self.app.settle()

    async def outside_changes(self) -> list[AuditEvent]:
        async with self.app.container.database.reader() as repo:
            events = (await repo.history(limit=200)).events
        return [e for e in reversed(events) if e.action is AuditAction.EXTERNAL_CHANGE]

    async def read_at(self, resource_id: str) -> datetime:
        """When the resource's handlers were last read."""
        async with self.app.container.database.reader() as repo:
            snapshot = await repo.latest_snapshot(resource_id=resource_id)
        assert snapshot is not None
        return snapshot.taken_at

    async def snapshot_ids(self, resource_id: str) -> list[str]:
        async with self.app.container.database.reader() as repo:
            snapshot = await repo.latest_snapshot(resource_id=resource_id)
        assert snapshot is not None
        return sorted(ref.id for ref in snapshot.handlers)

    def drift_posts(self) -> list[dict[str, Any]]:
        return [{**m, "channel": DRIFT} for m in self.app.slack.messages(DRIFT)]


@pytest.fixture
async def drifting(tmp_path: Path, database_choice: DatabaseChoice) -> AsyncIterator[Drifting]:
    clock = Clock()
    async with running_app(
        tmp_path,
        clock=clock,
        scan_budget=CallBudget(calls=1000),  # every round reads all 7 resources at once
        database_url=database_choice.url,
        drift_channel=DRIFT,
    ) as app:
        app.slack.add_channel(id=DRIFT, name="sms-handler-changes")
        yield Drifting(app, clock)
        app.assert_everything_accepted()


def names(refs: tuple[Any, ...]) -> list[str]:
    return [ref.name for ref in refs]


async def test_a_change_in_ringcentral_is_recorded_once_posted_and_marked(
    drifting: Drifting, database_choice: DatabaseChoice, capsys: pytest.CaptureFixture[str]
) -> None:
    app = drifting.app
    first = await drifting.drift.check_once()  # the first readings: nothing to compare yet
    assert len(first.read) == 7
    first_reading = await drifting.read_at(SUPPORT)

    # In RingCentral's admin portal: Ava leaves Support, Carla joins it.
    app.sandbox.set_sms_recipients(SUPPORT, [BEN, CARLA])
    await drifting.next_period()

    [event] = await drifting.outside_changes()
    assert event.resource_id == SUPPORT and event.resource_name == "Support"
    assert names(event.added) == ["Carla Diaz"] and names(event.removed) == ["Ava Chen"]
    assert event.occurred_at == await drifting.read_at(SUPPORT)  # when it was seen
    assert readings_between(event) == (first_reading, event.occurred_at)
    assert event.occurred_at - first_reading >= timedelta(seconds=drifting.drift.interval_seconds)

    [post] = drifting.drift_posts()
    shown = texts(post)
    assert "*Changed outside the bot:* the SMS handlers of *Support* (call queue)" in shown
    assert "➕ Carla Diaz (ext. 1003)\n➖ Ava Chen (ext. 1001)" in shown
    assert f"between the readings of <!date^{int(first_reading.timestamp())}^" in shown
    assert "outside the bot" in post["text"]

    await drifting.next_period()  # read again: the same list, nothing new
    await drifting.next_period()
    assert len(await drifting.outside_changes()) == 1
    assert len(drifting.drift_posts()) == 1

    await app.click(app.nina, ids.SHOW_HISTORY, message=post)  # the post's History button
    history = texts(app.top_modal(app.nina))
    assert (
        ":warning: *Changed outside the bot* (in RingCentral)\n"
        "➕ Carla Diaz (ext. 1003)\n➖ Ava Chen (ext. 1001)\n"
        "Seen by the bot between the readings of"
    ) in history

    code, out, _ = await run_in_thread(["history", "Support"], capsys, database_choice.url)
    assert code == 0
    [line] = out.splitlines()
    assert "external_change  made outside the bot  Support [4001]" in line
    assert "+Carla Diaz (ext. 1003)  -Ava Chen (ext. 1001)" in line
    assert f"seen between the readings of {first_reading:%Y-%m-%d %H:%M:%S}Z and " in line


async def test_a_card_that_sees_the_change_first_records_it_and_the_scan_does_not_again(
    drifting: Drifting,
) -> None:
    app = drifting.app
    await drifting.drift.check_once()
    app.sandbox.set_sms_recipients(SALES, [BEN, DAN])  # Dan added in RingCentral

    drifting.clock.advance(60)  # a minute later someone opens the Sales card
    await app.command(app.nina, "sales")
    assert "Dan Miller" in texts(app.last_ephemeral(app.nina))
    [event] = await drifting.outside_changes()
    assert event.resource_id == SALES and names(event.added) == ["Dan Miller"]
    assert len(drifting.drift_posts()) == 1

    await drifting.next_period()
    assert len(await drifting.outside_changes()) == 1
    assert len(drifting.drift_posts()) == 1


async def test_a_change_the_bot_applies_is_not_reported(drifting: Drifting) -> None:
    app = drifting.app
    await drifting.drift.check_once()

    modal = await open_request_modal(app, app.carla)  # add Dan, remove Ava
    offered = await app.suggest(
        app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
    )
    remove = find_block(modal, ids.REMOVE_BLOCK)["element"]["options"]
    await app.submit(
        app.carla,
        modal,
        {
            ids.ADD_BLOCK: [option(offered, DAN)],
            ids.REMOVE_BLOCK: [option(remove, AVA)],
            ids.REASON_BLOCK: "Dan takes Ava's shifts",
        },
    )
    await app.click(app.alex, ids.REVIEW_REQUEST, message=app.approval_posts()[-1])
    await app.submit(app.alex, app.top_modal(app.alex), {})
    assert "*Applied.*" in texts(app.approval_posts()[-1])
    assert sorted(app.sandbox.sms_recipients(SUPPORT)) == [BEN, DAN]

    await drifting.next_period()
    await drifting.next_period()
    assert await drifting.outside_changes() == []
    assert drifting.drift_posts() == []


async def test_a_change_read_while_the_bot_applies_it_is_not_reported(drifting: Drifting) -> None:
    """The change has taken effect in RingCentral but its answer has not come back yet: a drift
    check reads it then, while the request is being applied."""
    app = drifting.app
    await drifting.drift.check_once()
    post = await send_request(app, query="104", add=ELENA, typed="elena")
    review = await open_review(app, post, 1)
    answer = asyncio.Event()
    app.sandbox.inject_fault(
        Fault(r"/bulk-assign$", method="POST", handled=True, status=None, release=answer)
    )
    await app.submit(app.alex, review, {}, settle=False)
    await wait_until(lambda: ELENA in app.sandbox.sms_recipients(SUPPORT), what="the change")

    drifting.clock.advance(drifting.drift.interval_seconds)
    report = await drifting.drift.check_once()
    assert SUPPORT in report.read and ELENA in await drifting.snapshot_ids(SUPPORT)
    answer.set()
    await app.settle()
    assert "*Applied.*" in texts(app.approval_posts()[-1])

    await drifting.next_period()
    assert await drifting.outside_changes() == []
    assert drifting.drift_posts() == []


async def test_a_change_left_to_recovery_is_not_reported(drifting: Drifting) -> None:
    """The change is made but cannot be read back: it is left to recovery, which finds it in
    effect; drift checks before and after see the bot's own change."""
    app = drifting.app
    await drifting.drift.check_once()
    post = await send_request(app, query="104", add=ELENA, typed="elena")
    review = await open_review(app, post, 1)
    app.sandbox.inject_fault(  # the read before the change works, the read-back does not
        Fault(r"/4001/sms-recipients$", method="GET", status=404, skip=1, times=1)
    )
    await app.submit(app.alex, review, {})
    assert ELENA in app.sandbox.sms_recipients(SUPPORT)
    async with app.container.database.reader() as repo:
        left = await repo.get_request(request_id=1)
    assert left is not None and left.status.value == "applying"

    await drifting.next_period()  # while it is still being applied
    report = await app.container.recovery.recover_once()
    assert [r.status.value for r in report.recovered] == ["applied"]
    await app.settle()
    await drifting.next_period()

    assert await drifting.outside_changes() == []
    assert drifting.drift_posts() == []


async def test_an_outside_change_beside_the_bots_own_is_reported_alone(
    drifting: Drifting,
) -> None:
    """While the bot adds Elena, an admin removes Ben in RingCentral: only Ben is reported."""
    app = drifting.app
    await drifting.drift.check_once()
    post = await send_request(app, query="104", add=ELENA, typed="elena")
    review = await open_review(app, post, 1)
    answer = asyncio.Event()
    app.sandbox.inject_fault(
        Fault(r"/bulk-assign$", method="POST", handled=True, status=None, release=answer)
    )
    await app.submit(app.alex, review, {}, settle=False)
    await wait_until(lambda: ELENA in app.sandbox.sms_recipients(SUPPORT), what="the change")
    app.sandbox.set_sms_recipients(SUPPORT, [AVA, ELENA])  # Ben removed by an admin
    answer.set()
    await app.settle()
    assert "*Applied.*" in texts(app.approval_posts()[-1])

    await drifting.next_period()
    [event] = await drifting.outside_changes()
    assert event.added == () and names(event.removed) == ["Ben Ortiz"]
    assert len(drifting.drift_posts()) == 1


async def test_the_drift_check_is_a_background_job_that_can_be_turned_off(
    tmp_path: Path,
) -> None:
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    async with running_app(tmp_path / "on") as app:
        jobs = {job.name: job for job in app.container.coordinator.jobs}
        assert set(jobs) == {"recovery", "drift", "offboarding"}
        assert jobs["drift"].every_seconds == 600 == jobs["drift"].first_after_seconds
    async with running_app(tmp_path / "off", drift_interval_seconds=0) as app:
        assert app.container.drift is None
        assert [job.name for job in app.container.coordinator.jobs] == ["recovery", "offboarding"]
