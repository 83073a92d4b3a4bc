"""Faults while a change is applied by a bot that keeps running: RingCentral's answer lost after
it made the change, a slow Slack, a modal that cannot be updated, a SQLite database locked by
another writer right after the bulk-assign. Expectations come from the fault matrix
(fault_matrix.py); each case runs through the real app, the sandbox and the Slack stand-in.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.domain import RequestStatus
from sms_handlers_sandbox.ringcentral import Fault
from tests.e2e.conftest import DatabaseChoice
from tests.e2e.fault_matrix import CASES_BY_KEY
from tests.e2e.outcomes import assert_outcome, bulk_assigns
from tests.support.app_harness import Harness, running_app, texts
from tests.support.serve_process import open_review, send_request
from tests.support.sqlite_lock import SqliteWriteLock
from tests.support.waiting import wait_until

SUPPORT, ELENA = "4001", "6005"
BULK = f"/extension/{SUPPORT}/sms-recipients/bulk-assign$"


async def reviewed_request(app: Harness) -> dict[str, object]:
    """Request #1 (add Elena to Support), with Alex's review modal open on it."""
    post = await send_request(app, query="104", add=ELENA, typed="elena")
    return await open_review(app, post, 1)


async def check(app: Harness, key: str) -> None:
    await assert_outcome(
        app,
        app.container.database,
        request_id=1,
        resource_id=SUPPORT,
        added=ELENA,
        expected=CASES_BY_KEY[key].outcome,
    )


async def test_an_answer_lost_after_ringcentral_made_the_change_is_reported_applied(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    async with running_app(tmp_path, database_url=database_choice.url) as app:
        review = await reviewed_request(app)
        app.sandbox.inject_fault(Fault(BULK, method="POST", handled=True, drop=True))

        await app.submit(app.alex, review, {})

        await check(app, "answer_dropped")
        shown = texts(app.top_modal(app.alex)) + texts(app.approval_posts()[-1])
        assert "*Applied.*" in shown and "Part of the change" not in shown


async def test_ringcentral_is_changed_before_a_slow_chat_update(
    tmp_path: Path, database_choice: DatabaseChoice
) -> None:
    async with running_app(tmp_path, database_url=database_choice.url) as app:
        review = await reviewed_request(app)
        app.slack.hold("chat.update")  # Slack takes its time answering

        await app.submit(app.alex, review, {}, settle=False)
        await wait_until(lambda: app.slack.holding("chat.update") == 1, what="a chat.update")

        # While the first message update waits, the change is made and recorded already.
        assert ELENA in app.sandbox.sms_recipients(SUPPORT)
        assert len(bulk_assigns(app.sandbox, SUPPORT)) == 1
        request = await app.container.requests.get(request_id=1)
        assert request.status is RequestStatus.APPLIED
        assert app.slack.calls_to("chat.update") == []
        app.slack.release("chat.update")
        await app.settle()
        await check(app, "slow_chat_update")


async def test_a_modal_that_cannot_be_updated_never_says_nothing_was_changed(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path) as app:
        review = await reviewed_request(app)
        app.slack.fail_next("views.update", "internal_error")

        await app.submit(app.alex, review, {})

        modal = texts(app.top_modal(app.alex))
        assert "nothing was changed" not in modal and "Sorry" not in modal
        await check(app, "modal_update_fails")


@pytest.mark.parametrize("key", ["sqlite_locked_briefly", "sqlite_locked_long"])
async def test_a_sqlite_lock_after_the_bulk_assign_loses_no_outcome(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, key: str
) -> None:
    database = tmp_path / "locked.db"
    async with running_app(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{database}?timeout=0.2",  # busy timeout 0.2 s
        apply_lease_seconds=1.0,
        outcome_pause_seconds=0.1,
    ) as app:
        review = await reviewed_request(app)
        answer = asyncio.Event()
        app.sandbox.inject_fault(
            Fault(BULK, method="POST", handled=True, status=None, release=answer)
        )
        await app.submit(app.alex, review, {}, settle=False)
        await wait_until(
            lambda: ELENA in app.sandbox.sms_recipients(SUPPORT), what="the bulk-assign"
        )
        neighbour = SqliteWriteLock(database)
        await neighbour.acquire()
        answer.set()  # RingCentral answers while another writer holds the database
        gave_up = (
            "could not record the outcome of request #1 (attempt 1 of"
            if key == "sqlite_locked_briefly"
            else "could not record the outcome of request #1; leaving it to recovery"
        )
        await wait_until(lambda: gave_up in caplog.text, what=gave_up)
        await neighbour.release()

        async def applied() -> bool:
            await app.container.recovery.recover_once()  # what serve runs every minute
            request = await app.container.requests.get(request_id=1)
            return request.status is RequestStatus.APPLIED

        await wait_until(applied, what="the outcome recorded", poll_seconds=0.2)
        await app.settle()
        await check(app, key)
