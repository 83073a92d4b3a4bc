"""Every live read of a resource's handlers is remembered, so `who` can answer from it."""

from __future__ import annotations

from bot.views import ids
from tests.e2e.test_request_flow import send_request
from tests.support.app_harness import Harness, texts

SUPPORT = "4001"


async def snapshot_ids(app: Harness, resource_id: str) -> list[str] | None:
    async with app.container.database.reader() as repo:
        snapshot = await repo.latest_snapshot(resource_id=resource_id)
    return None if snapshot is None else sorted(r.id for r in snapshot.handlers)


async def test_card_review_and_apply_each_save_what_they_read(app: Harness) -> None:
    assert await snapshot_ids(app, SUPPORT) is None
    post = await send_request(app, app.carla, add=["6004"])  # the card and the form read them
    assert await snapshot_ids(app, SUPPORT) == ["6001", "6002"]

    app.sandbox.set_sms_recipients(SUPPORT, ["6002"])  # someone changes them in RingCentral
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    assert await snapshot_ids(app, SUPPORT) == ["6002"]

    await app.submit(app.alex, app.top_modal(app.alex), {})
    assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6002", "6004"]
    assert await snapshot_ids(app, SUPPORT) == ["6002", "6004"]


async def test_who_answers_from_what_was_read_and_says_since_when(app: Harness) -> None:
    await app.command(app.nina, "who dan.miller@acme.example")  # reads all 7 resources
    reads = len([r for r in app.sandbox.requests if r.path.endswith("/sms-recipients")])
    assert reads == 7
    await app.command(app.nina, "support")
    await app.click(app.nina, ids.REQUEST_CHANGE, message=app.last_ephemeral(app.nina))
    await app.command(app.nina, "who ben.ortiz@acme.example")
    answer = texts(app.last_ephemeral(app.nina))
    assert "*Ben Ortiz* handles SMS for\n" in answer and "• *Support* · Call queue" in answer
    assert "From the handler lists read from RingCentral since <!date^" in answer
    after = len([r for r in app.sandbox.requests if r.path.endswith("/sms-recipients")])
    assert after == reads + 2  # the card and the form; `who` read nothing again
