"""Signed requests, Slack's retries, the health endpoint and the slow-RingCentral trigger window."""

from __future__ import annotations

import time
from pathlib import Path

from bot.views import ids
from sms_handlers_sandbox.ringcentral import Fault, SandboxOptions
from sms_handlers_sandbox.slack_payloads import app_home_opened_event
from tests.e2e.test_request_flow import open_request_modal, option, send_request
from tests.support.app_harness import Harness, running_app, texts


async def test_bad_signature_is_refused_and_does_nothing(app: Harness) -> None:
    status, _ = await app.post(
        app.command_payload(app.nina, "support"), kind="form", secret="wrong"
    )
    assert status == 401
    await app.settle()
    assert app.ephemerals(app.nina) == []
    assert app.sandbox.requests == []


async def test_stale_timestamp_is_refused(app: Harness) -> None:
    old = int(time.time()) - 6 * 60
    status, _ = await app.post(app.command_payload(app.nina, "support"), kind="form", timestamp=old)
    assert status == 401
    await app.settle()
    assert app.ephemerals(app.nina) == []


async def test_slack_retries_are_ignored(app: Harness) -> None:
    event = app_home_opened_event(
        user_id=app.alex.id, channel_id="D0ALEX", bot_user_id=app.slack.bot.bot_user_id
    )
    status, _ = await app.post(event, kind="event", retry_num=1)
    assert status == 200
    status, _ = await app.post(app.command_payload(app.nina, "support"), kind="form", retry_num=2)
    assert status == 200
    await app.settle()
    assert app.slack.calls_to("views.publish") == []
    assert app.ephemerals(app.nina) == []
    status, _ = await app.post(event, kind="event")  # the first delivery is handled
    await app.settle()
    assert status == 200
    assert len(app.slack.calls_to("views.publish")) == 1


async def test_home_tab_lists_pending_requests_with_review_for_approvers(app: Harness) -> None:
    await send_request(app, app.carla, add=["6004"])
    for person in (app.alex, app.nina):
        event = app_home_opened_event(
            user_id=person.id, channel_id="D0HOME", bot_user_id=app.slack.bot.bot_user_id
        )
        assert (await app.post(event, kind="event"))[0] == 200
    await app.settle()
    alex_home, nina_home = app.slack.home_view(app.alex.id), app.slack.home_view(app.nina.id)
    assert alex_home is not None and nina_home is not None
    assert "Requests waiting for a decision (1)" in texts(alex_home)
    assert "#1 Support" in texts(alex_home)
    review = [b["accessory"] for b in alex_home["blocks"] if "accessory" in b]
    assert review[0]["action_id"] == ids.REVIEW_REQUEST
    assert not [b for b in nina_home["blocks"] if "accessory" in b]
    app.assert_everything_accepted()


async def test_healthz_reports_database_and_ringcentral(app: Harness) -> None:
    health_url = app.url.replace("/slack/events", "/healthz")
    async with app.http.get(health_url) as response:
        assert response.status == 200
        assert await response.json() == {
            "status": "ok",
            "database": {"ok": True},
            "ringcentral": {"ok": True},
        }


async def test_healthz_says_what_ringcentral_refused(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        app.sandbox.inject_fault(Fault(path_pattern=r"/sites$", status=403, times=10))
        async with app.http.get(app.url.replace("/slack/events", "/healthz")) as response:
            assert response.status == 503
            body = await response.json()
        assert body["database"] == {"ok": True}
        assert body["ringcentral"]["ok"] is False
        assert body["status"] == "unavailable"
        assert body["ringcentral"]["error"].startswith(
            "RingCentral denied permission (CMN-401) while listing sites: "
        )


async def test_modal_opens_in_the_trigger_window_while_ringcentral_is_slow(tmp_path: Path) -> None:
    options = SandboxOptions(rate_limits_enabled=False)
    async with running_app(tmp_path, sandbox_options=options) as app:
        await app.command(app.carla, "support")
        card = app.last_ephemeral(app.carla)
        # Every RingCentral answer now takes 2 s and nothing is cached: reading the inventory
        # and then the handlers before views.open would outlive the 3 s trigger.
        app.sandbox.options.latency_seconds = 2.0
        app.container.directory.invalidate()
        app.container.people.invalidate()
        await app.click(app.carla, ids.REQUEST_CHANGE, message=card)
        opened = app.slack.calls_to("views.open")
        assert len(opened) == 1 and opened[0].ok, opened
        assert opened[0].args["view"]["callback_id"] == ids.LOADING_MODAL
        modal = app.top_modal(app.carla)
        assert modal["callback_id"] == ids.REQUEST_MODAL
        assert "Ava Chen (ext. 1001)" in texts(modal)
        app.sandbox.options.latency_seconds = 0.0
        app.assert_everything_accepted()


async def test_an_expired_trigger_asks_to_click_again(app: Harness) -> None:
    await app.command(app.carla, "support")
    app.slack.trigger_ttl_seconds = 0.0  # Slack no longer accepts the click's trigger_id
    await app.click(app.carla, ids.REQUEST_CHANGE, message=app.last_ephemeral(app.carla))
    assert app.slack.calls_to("views.open")[-1].response["error"] == "expired_trigger_id"
    assert "Please click the button again." in texts(app.last_ephemeral(app.carla))


async def test_a_slow_submission_is_acknowledged_and_finished_in_the_background(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path) as app:
        modal = await open_request_modal(app, app.carla)
        offered = await app.suggest(
            app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed="dan"
        )
        app.sandbox.options.latency_seconds = 3.0  # checking the live handlers outlasts Slack's 3 s
        outcome = await app.submit(
            app.carla,
            modal,
            {ids.ADD_BLOCK: [option(offered, "6004")], ids.REASON_BLOCK: "Evening cover"},
            settle=False,
        )
        assert outcome.action == "update"
        assert "your request is still being checked" in texts(app.top_modal(app.carla))
        await app.settle()
        app.sandbox.options.latency_seconds = 0.0
        assert "*Your request #1* was sent to the approvers." in texts(app.dms(app.carla)[-1])
        assert len(app.approval_posts()) == 1
