"""Temporary changes end to end, on SQLite and PostgreSQL, with a clock the tests move: the end
picked in the requester's Slack time zone, the notices before it (once each, also with two
instances), the revert at the end (through the durable apply, surviving a restart, never twice),
a revert left undone when the handlers changed meanwhile, Extend, End now, and the rule's
longest temporary change."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import AuditAction, RequestStatus
from bot.views import ids
from tests.e2e.conftest import DatabaseChoice
from tests.e2e.test_request_flow import find_block, open_request_modal, option
from tests.support.app_harness import Harness, MovingClock, Person, running_app, texts

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
    tmp_path: Path, clock: MovingClock, *, database_url: str | None = None, **settings: Any
) -> AsyncIterator[Harness]:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
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
