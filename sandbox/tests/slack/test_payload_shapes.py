"""The request builders produce what Slack sends: same keys and nesting as the captures."""

from __future__ import annotations

from typing import Any

from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from sms_handlers_sandbox import slack_payloads as sp
from sms_handlers_sandbox.slack import SlackStandIn
from tests.support.slack_fixtures import key_tree, load, load_with_metadata

USER = sp.SlackUser(id="U1", name="riley")
BUTTON = {
    "type": "button",
    "action_id": "request_change",
    "text": {"type": "plain_text", "text": "Request change"},
    "value": "queue-support",
}
MODAL = {
    "type": "modal",
    "callback_id": "request",
    "title": {"type": "plain_text", "text": "Request change"},
    "submit": {"type": "plain_text", "text": "Submit"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Reason"},
            "element": {"type": "plain_text_input", "action_id": "reason_input"},
        },
        {"type": "actions", "block_id": "more", "elements": [BUTTON]},
    ],
}


async def opened_view(standin: SlackStandIn, client: AsyncWebClient) -> dict[str, Any]:
    response = await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=MODAL)
    view: dict[str, Any] = response["view"]
    return view


def test_slash_command_has_the_fields_slack_sends() -> None:
    built = sp.slash_command(
        command="/sms-handlers",
        text="support",
        user_id="U1",
        user_name="riley",
        channel_id="C1",
        channel_name="general",
        trigger_id="1.2.3",
        response_url="http://127.0.0.1/response/x",
    )
    enterprise_only = {"enterprise_id", "enterprise_name"}
    assert list(built) == [k for k in load("slash_command") if k not in enterprise_only]
    assert all(isinstance(value, str) for value in built.values())


def test_form_encoding_and_signature_match_slacks_worked_example() -> None:
    example = load_with_metadata("slash_command_signed_docs_example")
    body, content_type = sp.encode(load("slash_command_signed_docs_example"), "form")
    assert body == example["_raw_body"].encode()
    assert content_type == example["_headers"]["Content-Type"]
    headers = sp.sign(
        body, example["_signing_secret"], int(example["_headers"]["X-Slack-Request-Timestamp"])
    )
    assert headers == {
        "X-Slack-Request-Timestamp": example["_headers"]["X-Slack-Request-Timestamp"],
        "X-Slack-Signature": example["_headers"]["X-Slack-Signature"],
    }


def test_sign_uses_the_current_time_by_default() -> None:
    body = b"token=x&text=support"
    headers = sp.sign(body, "secret")
    verifier = SignatureVerifier("secret")
    assert verifier.is_valid(
        body=body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )


async def test_block_actions_from_a_message(standin: SlackStandIn, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(
        channel="C1",
        text="card",
        blocks=[{"type": "actions", "block_id": "card", "elements": [BUTTON]}],
    )
    built = sp.block_actions(
        user=USER,
        action=sp.element_action(BUTTON, block_id="card"),
        trigger_id=standin.new_trigger_id("U1"),
        message=standin.messages("C1")[0],
        channel_id="C1",
        channel_name="sms-approvals",
        response_url=standin.response_url(channel_id="C1", user_id="U1", message_ts=posted["ts"]),
    )
    fixture = load("block_actions_button_in_message")
    assert key_tree({k: v for k, v in built.items() if k != "message"}) == key_tree(
        {k: v for k, v in fixture.items() if k != "message"}
    )
    assert set(fixture["message"]) <= set(built["message"])
    assert built["container"]["message_ts"] == posted["ts"]
    assert built["actions"][0]["value"] == "queue-support"


def test_block_actions_from_an_ephemeral_message_carries_no_message() -> None:
    built = sp.block_actions(
        user=USER,
        action=sp.element_action(BUTTON, block_id="card"),
        trigger_id="1.2.3",
        message={"ts": "111.222", "text": "only you", "is_ephemeral": True, "visible_to": "U1"},
        channel_id="C1",
        channel_name="sms-approvals",
        is_ephemeral=True,
        response_url="http://127.0.0.1/response/x",
    )
    fixture = load("block_actions_button_in_ephemeral_message_enterprise")
    assert "message" not in built and "message" not in fixture
    assert key_tree(built["container"]) == key_tree(fixture["container"])
    assert built["container"]["is_ephemeral"] is True
    assert list(built["actions"][0]) == list(fixture["actions"][0])


async def test_block_actions_from_a_modal(standin: SlackStandIn, client: AsyncWebClient) -> None:
    view = await opened_view(standin, client)
    built = sp.block_actions(
        user=USER,
        action=sp.element_action(BUTTON, block_id="more"),
        trigger_id=standin.new_trigger_id("U1"),
        view=view,
    )
    fixture = load("block_actions_static_select_in_modal")
    assert set(built) == set(fixture)
    assert set(built["view"]) == set(fixture["view"])
    assert key_tree(built["container"]) == key_tree(fixture["container"])
    styled = sp.element_action(BUTTON | {"style": "primary"}, block_id="more")
    assert list(styled) == list(load("block_actions_button_in_home_tab")["actions"][0])


def test_select_actions_carry_the_selection() -> None:
    fixture = load("block_actions_static_select_in_modal")
    element = fixture["view"]["blocks"][0]["elements"][0]
    chosen = element["option_groups"][0]["options"][0]
    built = sp.element_action(element, block_id="block", selected=chosen)
    assert set(built) == set(fixture["actions"][0])
    assert built["selected_option"] == chosen


def test_view_state_matches_slacks_state_values_for_every_element_type() -> None:
    fixture = load("view_submission_with_state")
    view = fixture["view"]
    expected = view["state"]["values"]
    answers = {
        block_id: next(iter(entry.values())).get(
            next(k for k in next(iter(entry.values())) if k != "type")
        )
        for block_id, entry in expected.items()
    }
    assert sp.view_state(view, answers) == {"values": expected}


def test_unanswered_inputs_are_empty_like_slack() -> None:
    view = load("view_submission_with_state")["view"]
    values = sp.view_state(view, {})["values"]
    assert values["b2"]["a2"] == {"type": "plain_text_input", "value": None}
    assert values["mes_b"]["mes_a"] == {"type": "multi_external_select", "selected_options": []}
    assert values["b4-2"]["a4-2"] == {"type": "multi_users_select", "selected_users": []}


async def test_view_submission(standin: SlackStandIn, client: AsyncWebClient) -> None:
    view = await opened_view(standin, client)
    built = sp.view_submission(
        user=USER,
        view=view,
        trigger_id=standin.new_trigger_id("U1"),
        answers={"reason": "Anna joins the queue"},
    )
    fixture = load("view_submission_with_state")
    assert set(built) == set(fixture)
    assert set(built["view"]) == set(fixture["view"])
    assert key_tree(built["user"]) == key_tree(fixture["user"])
    value = built["view"]["state"]["values"]["reason"]["reason_input"]
    assert value == {"type": "plain_text_input", "value": "Anna joins the queue"}


async def test_view_closed(standin: SlackStandIn, client: AsyncWebClient) -> None:
    view = await opened_view(standin, client)
    built = sp.view_closed(user=USER, view=view)
    fixture = load("view_closed")
    assert key_tree({k: v for k, v in built.items() if k != "view"}) == key_tree(
        {k: v for k, v in fixture.items() if k != "view"}
    )
    assert set(built["view"]) == set(fixture["view"])


async def test_block_suggestion(standin: SlackStandIn, client: AsyncWebClient) -> None:
    view = await opened_view(standin, client)
    built = sp.block_suggestion(
        user=USER, action_id="add_users", block_id="add", value="ann", view=view
    )
    fixture = load("block_suggestion")
    assert list(built) == list(fixture)
    assert set(built["view"]) == set(fixture["view"])
    in_message = sp.block_suggestion(
        user=USER, action_id="a", block_id="b", value="x", channel_id="D1", channel_name="dm"
    )
    assert set(in_message) == set(load("block_suggestion_in_message"))


def test_app_home_opened_event() -> None:
    built = sp.app_home_opened_event(user_id="U1", channel_id="D1", bot_user_id="U0BOT0001")
    assert key_tree(built) | {"event_id": None} == key_tree(load("event_app_home_opened"))
    with_view = sp.app_home_opened_event(
        user_id="U1",
        channel_id="D1",
        bot_user_id="U0BOT0001",
        view=load("event_app_home_opened_with_view")["event"]["view"],
    )
    assert set(with_view["event"]) == set(load("event_app_home_opened_with_view")["event"])


def test_interactive_requests_are_one_payload_field_of_compact_json() -> None:
    body, content_type = sp.encode({"type": "block_actions", "text": "a b"}, "interactive")
    assert content_type == "application/x-www-form-urlencoded"
    assert body == b"payload=%7B%22type%22%3A%22block_actions%22%2C%22text%22%3A%22a+b%22%7D"
    event_body, event_type = sp.encode({"type": "event_callback"}, "event")
    assert (event_body, event_type) == (b'{"type": "event_callback"}', "application/json")
