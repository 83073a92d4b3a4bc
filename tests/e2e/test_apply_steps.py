"""What people see of a change while it is applied: Review and Retry say it is being applied,
and the History modal shows every step of it."""

from __future__ import annotations

import asyncio

from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault
from tests.support.app_harness import APPROVALS, Harness, texts
from tests.support.serve_process import open_review, send_request
from tests.support.waiting import wait_until

SUPPORT, ELENA = "4001", "6005"


async def test_review_while_applying_says_it_is_being_applied_and_history_shows_it(
    app: Harness,
) -> None:
    post = await send_request(app, query="104", add=ELENA, typed="elena")
    review = await open_review(app, post, 1)
    answer = asyncio.Event()
    app.sandbox.inject_fault(
        Fault(r"/bulk-assign$", method="POST", handled=True, status=None, release=answer)
    )
    await app.submit(app.alex, review, {}, settle=False)
    await wait_until(lambda: ELENA in app.sandbox.sms_recipients(SUPPORT), what="the change")

    await app.click(app.sam, ids.REVIEW_REQUEST, message=post, settle=False)
    await wait_until(lambda: bool(app.ephemerals(app.sam, APPROVALS)), what="Sam's answer")
    refusal = texts(app.last_ephemeral(app.sam, APPROVALS))
    assert "Request #1 was already approved by Alex Approver and is being applied" in refusal
    answer.set()
    await app.settle()
    assert "*Applied.*" in texts(app.approval_posts()[-1])

    await app.command(app.nina, "support")
    await app.click(app.nina, ids.SHOW_HISTORY, message=app.last_ephemeral(app.nina))
    shown = texts(app.top_modal(app.nina))
    steps = ["opened request #1", "approved request #1", "started applying request #1"]
    steps.append("applied request #1")
    assert all(step in shown for step in steps), shown
    positions = [shown.index(step) for step in reversed(steps)]  # newest first
    assert positions == sorted(positions)
