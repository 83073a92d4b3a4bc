"""Every validation error of the request modal, shown on its field (response_action errors)."""

from __future__ import annotations

from typing import Any

from bot.views import ids
from sms_handlers_sandbox.ringcentral import ThreadMessaging
from tests.e2e.test_request_flow import SUPPORT, find_block, open_request_modal, option
from tests.support.app_harness import Harness, texts


async def submit_errors(
    app: Harness, answers: dict[str, Any], modal: dict[str, Any] | None = None
) -> dict[str, str]:
    view = modal or await open_request_modal(app, app.carla)
    outcome = await app.submit(app.carla, view, {ids.REASON_BLOCK: "Because", **answers})
    assert outcome.action == "errors", outcome
    assert app.approval_posts() == []
    return outcome.errors


async def users(app: Harness, modal: dict[str, Any], typed: str) -> list[dict[str, Any]]:
    return await app.suggest(
        app.carla, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed=typed
    )


def removal(modal: dict[str, Any], *values: str) -> list[dict[str, Any]]:
    options = find_block(modal, ids.REMOVE_BLOCK)["element"]["options"]
    return [o for o in options if o["value"] in values]


async def test_nothing_to_change(app: Harness) -> None:
    errors = await submit_errors(app, {})
    assert errors == {ids.ADD_BLOCK: "Choose at least one person to add or to remove."}


async def test_blank_reason(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    errors = await submit_errors(
        app,
        {ids.REASON_BLOCK: "   ", ids.ADD_BLOCK: [option(await users(app, modal, "dan"), "6004")]},
        modal,
    )
    assert errors == {ids.REASON_BLOCK: "Say why the change is needed."}


async def test_adding_someone_already_a_handler(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    ava = option(await users(app, modal, "ava"), "6001")
    assert ava["text"]["text"] == "Ava Chen · ext. 1001 — already a handler here"
    carla = option(await users(app, modal, "carla"), "6003")
    assert "already" not in carla["text"]["text"]
    errors = await submit_errors(app, {ids.ADD_BLOCK: [ava]}, modal)
    assert errors == {ids.ADD_BLOCK: "Ava Chen already handles SMS for Support."}


async def test_removing_everyone_needs_the_confirmation(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    everyone = removal(modal, "6001", "6002")
    errors = await submit_errors(app, {ids.REMOVE_BLOCK: everyone}, modal)
    assert "removes every handler" in errors[ids.REMOVE_ALL_BLOCK]
    confirm = find_block(modal, ids.REMOVE_ALL_BLOCK)["element"]["options"]
    outcome = await app.submit(
        app.carla,
        modal,
        {
            ids.REASON_BLOCK: "Queue closes",
            ids.REMOVE_BLOCK: everyone,
            ids.REMOVE_ALL_BLOCK: confirm,
        },
    )
    assert outcome.action == "update"
    assert len(app.approval_posts()) == 1


async def test_disabled_user_is_shown_as_such_and_refused(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    isabel = option(await users(app, modal, "isabel"), "6009")
    assert isabel["text"]["text"] == "Isabel Rossi · ext. 1009 — disabled"
    errors = await submit_errors(app, {ids.ADD_BLOCK: [isabel]}, modal)
    assert "Cannot become an SMS handler: Isabel Rossi (disabled)." in errors[ids.ADD_BLOCK]


async def test_unassignable_and_unlicensed_users_are_shown_as_such_and_refused(
    app: Harness,
) -> None:
    app.sandbox.set_sms_recipients("4002", ["6007", "6008"])
    await app.command(app.carla, "sales")  # reading Sales' handlers reveals their flags
    modal = await open_request_modal(app, app.carla)
    grace = option(await users(app, modal, "grace"), "6007")
    hiro = option(await users(app, modal, "hiro"), "6008")
    assert grace["text"]["text"].endswith("— not assignable")
    assert hiro["text"]["text"].endswith("— no licence")
    errors = await submit_errors(app, {ids.ADD_BLOCK: [grace, hiro]}, modal)
    assert "Grace Kim (not assignable), Hiro Tanaka (no licence)" in errors[ids.ADD_BLOCK]


async def test_removing_someone_who_left_meanwhile(app: Harness) -> None:
    modal = await open_request_modal(app, app.carla)
    app.sandbox.set_sms_recipients(SUPPORT, ["6002"])  # Ava removed outside the bot
    errors = await submit_errors(app, {ids.REMOVE_BLOCK: removal(modal, "6001")}, modal)
    assert "No longer a handler" in errors[ids.REMOVE_BLOCK]


async def test_no_request_when_thread_messaging_is_off_for_queues(app: Harness) -> None:
    app.sandbox.options.thread_messaging = ThreadMessaging(call_queue_supported=False)
    modal = await open_request_modal(app, app.carla)
    assert "not available for call queues" in texts(modal)
    dan = option(await users(app, modal, "dan"), "6004")
    outcome = await app.submit(app.carla, modal, {ids.ADD_BLOCK: [dan], ids.REASON_BLOCK: "x"})
    assert outcome.action == "update"
    shown = texts(app.top_modal(app.carla))
    assert "SMS thread messaging is on, but not for call queues" in shown
    assert app.approval_posts() == []
