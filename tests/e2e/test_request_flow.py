"""A change request from the card to RingCentral: request, review, approve / reject / cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.views import ids
from bot.views.requests import GENERIC_APOLOGY
from sms_handlers_sandbox.ringcentral import Fault
from sms_handlers_sandbox.slack_payloads import view_state, view_submission
from tests.support.app_harness import APPROVALS, Harness, Person, running_app, texts

SUPPORT = "4001"


def option(options: list[dict[str, Any]], value: str) -> dict[str, Any]:
    return next(o for o in options if o["value"] == value)


async def open_request_modal(
    app: Harness, person: Person, query: str = "support"
) -> dict[str, Any]:
    await app.command(person, query)
    card = app.last_ephemeral(person)
    assert await app.click(person, ids.REQUEST_CHANGE, message=card) == 200
    modal = app.top_modal(person)
    assert modal["callback_id"] == ids.REQUEST_MODAL, texts(modal)
    return modal


async def send_request(
    app: Harness, person: Person, *, add: list[str], reason: str = "Evening cover", **extra: Any
) -> dict[str, Any]:
    """Fill and submit the request modal; the approval-channel post it produced."""
    modal = await open_request_modal(app, person)
    answers: dict[str, Any] = {ids.REASON_BLOCK: reason, **extra}
    if add:
        offered = await app.suggest(
            person, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="a"
        )
        answers[ids.ADD_BLOCK] = [option(offered, value) for value in add]
    outcome = await app.submit(person, modal, answers)
    assert outcome.action == "update", outcome
    return app.approval_posts()[-1]


async def test_request_review_approve_applied(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    body = texts(modal)
    assert "Ava Chen (ext. 1001)" in body and "Ben Ortiz (ext. 1002)" in body
    assert "Add me: Carla Diaz (ext. 1003)" in body
    offered = await app.suggest(
        app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
    )
    assert offered[0]["value"] == "6004"
    assert offered[0]["text"]["text"].startswith("Dan Miller · ext. 1004")
    add_me = modal["blocks"][[b.get("block_id") for b in modal["blocks"]].index(ids.ADD_ME_BLOCK)]
    outcome = await app.submit(
        app.carla,
        modal,
        {
            ids.ADD_BLOCK: [offered[0]],
            ids.ADD_ME_BLOCK: add_me["element"]["options"],
            ids.REMOVE_BLOCK: [
                o
                for o in find_block(modal, ids.REMOVE_BLOCK)["element"]["options"]
                if o["value"] == "6001"
            ],
            ids.REASON_BLOCK: "Dan and I cover evenings; Ava moved to Sales",
        },
    )
    assert outcome.action == "update", outcome
    assert "Request #1 for *Support* was sent to the approvers" in texts(app.top_modal(app.carla))

    post = app.approval_posts()[-1]
    assert "Requested by <@U0CARLA>" in texts(post)
    assert "➕ Dan Miller (ext. 1004)\n➕ Carla Diaz (ext. 1003)\n➖ Ava Chen (ext. 1001)" in texts(
        post
    )
    assert ">Dan and I cover evenings; Ava moved to Sales" in texts(post)
    confirmation = app.dms(app.carla)[-1]
    assert "*Your request #1* was sent to the approvers." in texts(confirmation)
    assert confirmation["blocks"][-1]["elements"][0]["action_id"] == ids.CANCEL_REQUEST

    assert await app.click(app.alex, ids.REVIEW_REQUEST, message=post) == 200
    review = app.top_modal(app.alex)
    assert review["callback_id"] == ids.REVIEW_MODAL
    assert (
        "*After approval*\n• Ben Ortiz (ext. 1002)\n• Dan Miller (ext. 1004)\n• Carla Diaz"
        in texts(review)
    )

    outcome = await app.submit(app.alex, review, {ids.COMMENT_BLOCK: "ok"})
    assert outcome.action == "update"
    assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6002", "6003", "6004"]
    assert "*Applied.* Approved by <@U0ALEX>" in texts(app.top_modal(app.alex))
    updated = app.approval_posts()[-1]
    assert updated["ts"] == post["ts"]
    assert "*Applied.* Approved by <@U0ALEX>" in texts(updated)
    assert "Comment: ok" in texts(updated)
    assert not [b for b in updated["blocks"] if b["type"] == "actions"]
    assert "Your request #1 to change the SMS handlers of *Support*" in texts(
        app.dms(app.carla)[-1]
    )
    assert not [b for b in app.dms(app.carla)[0]["blocks"] if b["type"] == "actions"]
    app.assert_everything_accepted()


def find_block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


async def test_reject_with_comment(app: Harness) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    await app.click(app.sam, ids.REVIEW_REQUEST, message=post)  # approver through @telephony-admins
    review = app.top_modal(app.sam)
    app.slack.set_view_state(
        review["id"],
        ids.COMMENT_BLOCK,
        ids.COMMENT_ACTION,
        {"type": "plain_text_input", "value": "Dan is on leave"},
    )
    await app.click(app.sam, ids.REJECT_REQUEST, view=app.top_modal(app.sam))
    assert "*Rejected* by <@U0SAM>" in texts(app.top_modal(app.sam))
    assert "*Rejected* by <@U0SAM>" in texts(app.approval_posts()[-1])
    assert "Comment: Dan is on leave" in texts(app.dms(app.carla)[-1])
    assert app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]
    app.assert_everything_accepted()


async def test_cancel_by_requester(app: Harness) -> None:
    await send_request(app, app.carla, add=["6004"])
    confirmation = app.dms(app.carla)[-1]
    await app.click(app.carla, ids.CANCEL_REQUEST, message=confirmation)
    assert "*Cancelled* by the requester" in texts(app.approval_posts()[-1])
    assert "*Cancelled*" in texts(app.dms(app.carla)[0])
    assert not [b for b in app.approval_posts()[-1]["blocks"] if b["type"] == "actions"]
    app.assert_everything_accepted()


async def test_failed_apply_then_retry(app: Harness) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    app.sandbox.inject_fault(Fault(path_pattern=r"/bulk-assign$", status=500, times=1))
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    await app.submit(app.alex, app.top_modal(app.alex), {})
    failed = app.approval_posts()[-1]
    assert "*Failed.* Approved by <@U0ALEX>" in texts(failed)
    assert "RingCentral answered:" in texts(failed) and "Nothing was changed." in texts(failed)
    assert "*Failed.*" in texts(app.dms(app.carla)[-1])
    assert app.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]

    await app.click(app.nina, ids.RETRY_REQUEST, message=failed)
    assert "Only approvers can review" in texts(app.last_ephemeral(app.nina, APPROVALS))
    await app.click(app.sam, ids.RETRY_REQUEST, message=failed)
    assert "*Applied.*" in texts(app.approval_posts()[-1])
    assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", "6004"]
    assert "*Applied.*" in texts(app.dms(app.carla)[-1])
    app.assert_everything_accepted()


async def test_reason_cannot_ping_the_channel(app: Harness) -> None:
    post = await send_request(
        app, app.carla, add=["6004"], reason="<!channel> <!here> <@U0ALEX> & <https://x.example|y>"
    )
    shown = texts(post)
    assert (
        "&lt;!channel&gt; &lt;!here&gt; &lt;@U0ALEX&gt; &amp; &lt;https://x.example|y&gt;" in shown
    )
    for raw in ("<!channel>", "<!here>", "<https://x.example|y>"):
        for message in (post, *app.dms(app.carla)):
            assert raw not in texts(message)
            assert raw not in message["text"]


async def test_non_approver_and_self_approval_are_refused(app: Harness) -> None:
    post = await send_request(app, app.sam, add=["6004"])
    await app.click(app.nina, ids.REVIEW_REQUEST, message=post)
    refusal = texts(app.last_ephemeral(app.nina, APPROVALS))
    assert "Only approvers can review SMS handler requests." in refusal
    await app.click(app.sam, ids.REVIEW_REQUEST, message=post)
    assert "another approver has to decide it" in texts(app.last_ephemeral(app.sam, APPROVALS))
    opened = app.slack.modal_stack(app.nina.id) + app.slack.modal_stack(app.sam.id)
    assert ids.REVIEW_MODAL not in [view["callback_id"] for view in opened]
    assert not app.slack.calls_to("views.open")[1:]  # only the request modal was ever opened
    assert "Waiting for an approver" in texts(app.approval_posts()[-1])
    app.assert_everything_accepted()


async def test_a_decided_request_says_by_whom(app: Harness) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    await app.submit(app.alex, app.top_modal(app.alex), {})
    await app.click(app.sam, ids.REVIEW_REQUEST, message=post)  # the stale copy of the post
    assert "Request #1 was already approved by Alex Approver" in texts(
        app.last_ephemeral(app.sam, APPROVALS)
    )


async def test_two_approvers_at_once_apply_once(app: Harness) -> None:
    post = await send_request(app, app.carla, add=["6004"])
    await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
    await app.click(app.sam, ids.REVIEW_REQUEST, message=post)
    alex_view, sam_view = app.top_modal(app.alex), app.top_modal(app.sam)
    await asyncio.gather(
        app.submit(app.alex, alex_view, {}, settle=False),
        app.submit(app.sam, sam_view, {}, settle=False),
    )
    await app.settle()
    outcomes = [texts(app.top_modal(app.alex)), texts(app.top_modal(app.sam))]
    assert sum("*Applied.*" in o for o in outcomes) == 1
    assert sum("was already approved by" in o for o in outcomes) == 1
    bulk = [r for r in app.sandbox.requests if r.path.endswith("/bulk-assign")]
    assert len(bulk) == 1
    assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", "6004"]
    app.assert_everything_accepted()


async def test_requester_is_told_when_the_approval_channel_refuses_the_post(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    offered = await app.suggest(
        app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
    )
    app.slack.fail_next("chat.postMessage", "channel_not_found")
    outcome = await app.submit(
        app.carla, modal, {ids.ADD_BLOCK: [option(offered, "6004")], ids.REASON_BLOCK: "Cover"}
    )
    assert outcome.action == "update"
    shown = texts(app.top_modal(app.carla))
    assert "Request #1 for *Support* was saved, but it could not be posted" in shown
    assert app.approval_posts() == []
    assert "*Your request #1*" in texts(app.dms(app.carla)[-1])  # the requester can still cancel


async def test_double_submission_creates_one_request(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    offered = await app.suggest(
        app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
    )
    filled = dict(modal)
    filled["state"] = view_state(
        modal, {ids.ADD_BLOCK: [option(offered, "6004")], ids.REASON_BLOCK: "x"}
    )
    payload = view_submission(user=app.carla.slack, view=filled, trigger_id="1.2.3")
    answers = await asyncio.gather(
        app.post(payload, kind="interactive"), app.post(payload, kind="interactive")
    )
    await app.settle()
    assert [status for status, _ in answers] == [200, 200]
    assert len(app.approval_posts()) == 1
    async with app.container.database.reader() as repo:
        assert len(await repo.pending_requests()) == 1


async def test_unexpected_failure_is_logged_and_apologised_for(
    app: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await send_request(app, app.carla, add=["6004"])
    post = app.approval_posts()[-1]

    async def broken(**_: Any) -> None:  # a bug: something nobody foresaw goes wrong
        raise RuntimeError("an internal detail that must not reach the user")

    monkeypatch.setattr(app.container.requests, "check_can_review", broken)
    payload = app.click_payload(app.nina, ids.REVIEW_REQUEST, message=post)
    status, _ = await app.post(payload, kind="interactive")
    await app.settle()
    assert status == 200
    shown = texts(app.last_ephemeral(app.nina, APPROVALS))
    assert shown == f":warning: {GENERIC_APOLOGY}"
    failure = next(r for r in caplog.records if r.levelname == "ERROR")
    assert "handling block_actions review_request from U0NINA failed" in failure.getMessage()
    assert failure.exc_info is not None


async def test_self_approval_when_allowed(tmp_path: Path) -> None:
    async with running_app(tmp_path, allow_self_approval=True) as app:
        post = await send_request(app, app.alex, add=["6004"])
        await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
        await app.submit(app.alex, app.top_modal(app.alex), {})
        assert "*Applied.* Approved by <@U0ALEX>" in texts(app.approval_posts()[-1])
