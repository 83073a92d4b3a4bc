"""The Slack stand-in answers slack_sdk like Slack: shapes, errors, recorded calls."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sms_handlers_sandbox.slack import SlackStandIn
from tests.support.slack_fixtures import load

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Support* queue"}}


def modal(title: str = "Request change", **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "request",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Submit"},
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": "reason_input"},
            }
        ],
    }
    view.update(extra)
    return view


async def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


async def test_auth_test_answers_with_the_bot_identity(client: AsyncWebClient) -> None:
    response = await client.auth_test()
    assert set(load("response_auth_test")) <= set(response.data)
    assert response["user_id"] == "U0BOT0001"
    assert response["team_id"] == "T0001"


async def test_a_wrong_token_gets_invalid_auth(standin: SlackStandIn) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=standin.api_url)
    error = await api_error(wrong.chat_postMessage(channel="C1", text="hi"))
    assert error.response.data == load("error_invalid_auth")
    assert standin.messages("C1") == []


async def test_post_message_is_stored_and_shaped_like_slack(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    response = await client.chat_postMessage(channel="C1", text="fallback", blocks=[SECTION])
    assert {"ok", "channel", "ts", "message"} == set(response.data)
    real_message_keys = set(load("response_chat_update_real")["message"]) - {"edited"}
    assert real_message_keys <= set(response["message"])
    [stored] = standin.messages("C1")
    assert stored["ts"] == response["ts"]
    assert stored["blocks"][0]["text"]["text"] == "*Support* queue"
    assert stored["blocks"][0]["block_id"]  # Slack names blocks the app left unnamed


async def test_unknown_channel_gets_channel_not_found(client: AsyncWebClient) -> None:
    error = await api_error(client.chat_postMessage(channel="C404", text="hi"))
    assert error.response.data == load("error_channel_not_found")


async def test_channel_without_the_bot_gets_not_in_channel(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.add_channel(id="C2", name="elsewhere", is_member=False)
    error = await api_error(client.chat_postMessage(channel="C2", text="hi"))
    assert error.response["error"] == "not_in_channel"


async def test_ephemeral_messages_are_visible_to_their_user_only(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    response = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert set(response.data) == {"ok", "message_ts"}
    [stored] = standin.messages("C1")
    assert stored["is_ephemeral"] is True
    assert stored["visible_to"] == "U1"
    error = await api_error(client.chat_postEphemeral(channel="C1", user="U404", text="x"))
    assert error.response.data == load("error_user_not_found")


async def test_chat_update_replaces_the_message_in_place(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="pending", blocks=[SECTION])
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="approved by Alex")
    assert set(load("response_chat_update_real")) == set(updated.data)
    assert "edited" in updated["message"]
    [stored] = standin.messages("C1")
    assert stored["text"] == "approved by Alex"
    assert stored["blocks"] == posted["message"]["blocks"]  # blocks kept when not sent
    error = await api_error(client.chat_update(channel="C1", ts="1.000001", text="x"))
    assert error.response["error"] == "message_not_found"


async def test_message_over_fifty_blocks_gets_invalid_blocks(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    error = await api_error(client.chat_postMessage(channel="C1", text="x", blocks=[SECTION] * 51))
    body = error.response.data
    assert set(body) == set(load("error_invalid_blocks"))
    assert body["error"] == "invalid_blocks"
    assert body["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]
    assert body["response_metadata"]["messages"] == [f"[ERROR] {body['errors'][0]}"]
    assert standin.messages("C1") == []


async def test_section_text_over_3000_characters_gets_invalid_blocks(
    client: AsyncWebClient,
) -> None:
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    error = await api_error(client.chat_postMessage(channel="C1", text="x", blocks=[long_section]))
    assert (
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
        in error.response["errors"]
    )


async def test_views_open_returns_the_full_view(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    response = await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal())
    view = response["view"]
    assert set(load("response_views_open")["view"]) <= set(view)
    assert view["root_view_id"] == view["id"]
    assert standin.views()[view["id"]]["hash"] == view["hash"]
    assert [v["id"] for v in standin.modal_stack("U1")] == [view["id"]]


async def test_trigger_id_expires_after_its_ttl(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.trigger_ttl_seconds = 0.05
    trigger_id = standin.new_trigger_id("U1")
    await asyncio.sleep(0.1)  # at least this long: the trigger_id has expired, however slow
    error = await api_error(client.views_open(trigger_id=trigger_id, view=modal()))
    assert error.response.data == load("error_expired_trigger_id")
    assert standin.views() == {}


async def test_trigger_id_can_be_exchanged_once(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    trigger_id = standin.new_trigger_id("U1")
    await client.views_open(trigger_id=trigger_id, view=modal())
    error = await api_error(client.views_open(trigger_id=trigger_id, view=modal()))
    assert error.response["error"] == "exchanged_trigger_id"
    unknown = await api_error(client.views_open(trigger_id="1.2.3", view=modal()))
    assert unknown.response.data == load("error_views_open_invalid_arguments")


async def test_modal_title_over_24_characters_gets_invalid_arguments(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    error = await api_error(
        client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal("x" * 30))
    )
    body = error.response.data
    assert set(body) == set(load("error_invalid_arguments_view"))
    assert body["error"] == "invalid_arguments"
    assert (
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
        in body["response_metadata"]["messages"]
    )
    assert standin.views() == {}


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"submit": None}, "/view/submit"),
        ({"private_metadata": "x" * 3001}, "/view/private_metadata"),
        ({"close": {"type": "plain_text", "text": "c" * 25}}, "/view/close/text"),
        ({"blocks": [SECTION] * 101}, "/view/blocks"),
    ],
)
async def test_modal_limits_are_enforced(
    standin: SlackStandIn, client: AsyncWebClient, change: dict[str, Any], pointer: str
) -> None:
    view = modal()
    view.update(change)
    error = await api_error(client.views_open(trigger_id=standin.new_trigger_id("U1"), view=view))
    messages = error.response["response_metadata"]["messages"]
    assert any(f"[json-pointer:{pointer}]" in m for m in messages), messages


def select(options: int, *, text: str = "Option", value: str = "v") -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "pick",
        "elements": [
            {
                "type": "static_select",
                "action_id": "pick_one",
                "options": [
                    {"text": {"type": "plain_text", "text": text}, "value": f"{value}{i}"}
                    for i in range(options)
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([select(101)], "/blocks/0/elements/0/options"),
        ([select(1, text="t" * 76)], "/blocks/0/elements/0/options/0/text/text"),
        ([select(1, value="v" * 150)], "/blocks/0/elements/0/options/0/value"),
        ([SECTION | {"block_id": "same"}, SECTION | {"block_id": "same"}], "/blocks/1/block_id"),
        ([SECTION | {"fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/blocks/0/fields"),
        ([SECTION | {"block_id": "b" * 256}], "/blocks/0/block_id"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "go",
                            "text": {"type": "plain_text", "text": "Go"},
                            "value": "v" * 2001,
                        }
                    ],
                }
            ],
            "/blocks/0/elements/0/value",
        ),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*x*"}}], "/blocks/0/text/type"),
        ([{"type": "carousel_of_dreams"}], "/blocks/0/type"),
    ],
)
async def test_block_kit_limits_are_enforced_on_messages(
    client: AsyncWebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    error = await api_error(client.chat_postMessage(channel="C1", text="x", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert any(f"[json-pointer:{pointer}]" in e for e in error.response["errors"]), error.response[
        "errors"
    ]


async def test_views_update_honours_the_hash(standin: SlackStandIn, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal()))[
        "view"
    ]
    standin.set_view_state(
        opened["id"], "reason", "reason_input", {"type": "plain_text_input", "value": "typed"}
    )
    updated = await client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal("Loaded")
    )
    assert set(load("response_views_update")["view"]) <= set(updated["view"])
    assert updated["view"]["hash"] != opened["hash"]
    assert updated["view"]["title"]["text"] == "Loaded"
    assert updated["view"]["state"]["values"]["reason"]["reason_input"]["value"] == "typed"
    stale = await api_error(
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Again"))
    )
    assert stale.response["error"] == "hash_conflict"
    missing = await api_error(client.views_update(view_id="V404", view=modal()))
    assert missing.response.data == load("error_views_update_not_found")


async def test_views_update_by_external_id(standin: SlackStandIn, client: AsyncWebClient) -> None:
    await client.views_open(
        trigger_id=standin.new_trigger_id("U1"), view=modal(external_id="req-1")
    )
    updated = await client.views_update(external_id="req-1", view=modal("By external id"))
    assert updated["view"]["external_id"] == ""  # the new view dropped its external_id
    assert standin.modal_stack("U1")[0]["title"]["text"] == "By external id"


async def test_views_push_stacks_at_most_three_views(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    root = (await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal()))["view"]
    pushed = (await client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal("Two")))[
        "view"
    ]
    assert pushed["root_view_id"] == root["id"]
    assert pushed["previous_view_id"] == root["id"]
    await client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal("Three"))
    error = await api_error(
        client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal("Four"))
    )
    assert error.response["error"] == "push_limit_reached"
    assert [v["title"]["text"] for v in standin.modal_stack("U1")] == [
        "Request change",
        "Two",
        "Three",
    ]


async def test_views_publish_sets_the_home_tab(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    home = {"type": "home", "blocks": [SECTION]}
    response = await client.views_publish(user_id="U1", view=home)
    assert set(load("response_views_publish")["view"]) <= set(response["view"])
    assert standin.home_view("U1") == response["view"]
    again = await client.views_publish(user_id="U1", view=home, hash=response["view"]["hash"])
    assert again["view"]["id"] == response["view"]["id"]
    modal_as_home = await api_error(client.views_publish(user_id="U1", view=modal()))
    assert modal_as_home.response["error"] == "invalid_arguments"


async def test_users_info_and_lookup_by_email(client: AsyncWebClient) -> None:
    info = await client.users_info(user="U1")
    assert set(load("response_users_info")["user"]) <= set(info["user"])
    assert info["user"]["profile"]["email"] == "riley@example.com"
    found = await client.users_lookupByEmail(email="Alex@Example.com")
    assert found["user"]["id"] == "U2"
    missing = await api_error(client.users_lookupByEmail(email="nobody@example.com"))
    assert missing.response.data == load("error_users_not_found")
    unknown = await api_error(client.users_info(user="U404"))
    assert unknown.response.data == load("error_user_not_found")


async def test_usergroups(client: AsyncWebClient) -> None:
    groups = await client.usergroups_list(include_users=True)
    [group] = groups["usergroups"]
    assert (group["id"], group["handle"], group["users"]) == ("S1", "telephony-admins", ["U2"])
    members = await client.usergroups_users_list(usergroup="S1")
    assert set(members.data) == set(load("response_usergroups_users_list"))
    assert members["users"] == ["U2"]
    missing = await api_error(client.usergroups_users_list(usergroup="S404"))
    assert missing.response["error"] == "no_such_subteam"


async def test_conversations_open_gives_a_dm_the_app_can_post_to(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    opened = await client.conversations_open(users="U1")
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    assert standin.im_channel("U1") == dm
    again = await client.conversations_open(users=["U1"])
    assert again["channel"]["id"] == dm
    assert again["already_open"] is True
    await client.chat_postMessage(channel=dm, text="Your request was approved")
    assert [m["text"] for m in standin.messages(dm)] == ["Your request was approved"]
    unknown = await api_error(client.conversations_open(users="U404"))
    assert unknown.response["error"] == "user_not_found"


async def test_ratelimited_is_a_429_with_retry_after(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
    error = await api_error(client.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response.data == load("error_ratelimited")
    assert standin.messages("C1") == []


async def test_slack_sdk_rate_limit_retry_handler_retries(standin: SlackStandIn) -> None:
    retrying = AsyncWebClient(
        token="xoxb-test-token",
        base_url=standin.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    standin.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=0)
    await retrying.chat_postMessage(channel="C1", text="second try")
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in standin.messages("C1")] == ["second try"]


async def test_form_encoded_arguments_with_json_strings_are_accepted(
    standin: SlackStandIn,
) -> None:
    blocks = '[{"type":"section","text":{"type":"mrkdwn","text":"form"}}]'
    form = {"token": "xoxb-test-token", "channel": "C1", "text": "x", "blocks": blocks}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{standin.api_url}chat.postMessage", data=form) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert standin.messages("C1")[0]["blocks"][0]["text"]["text"] == "form"


async def test_every_call_is_recorded_in_order(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    await client.auth_test()
    await client.chat_postMessage(channel="C1", text="one", blocks=[SECTION])
    await api_error(client.chat_postMessage(channel="C404", text="two"))
    assert [c.method for c in standin.calls] == [
        "auth.test",
        "chat.postMessage",
        "chat.postMessage",
    ]
    first, second = standin.calls_to("chat.postMessage")
    assert first.ok and first.args["blocks"] == [SECTION]
    assert not second.ok and second.response["error"] == "channel_not_found"
    assert "token" not in first.args


async def test_rejected_payloads_lists_what_slack_refused(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    await client.chat_postMessage(channel="C1", text="fine", blocks=[SECTION])
    await api_error(client.chat_postMessage(channel="C404", text="not malformed"))
    await api_error(client.views_open(trigger_id="1.2.3", view=modal()))
    await api_error(client.chat_postMessage(channel="C1", text="x", blocks=[SECTION] * 51))
    await api_error(
        client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal("t" * 25))
    )
    assert [(c.method, c.response["error"]) for c in standin.rejected_payloads()] == [
        ("chat.postMessage", "invalid_blocks"),
        ("views.open", "invalid_arguments"),
    ]


async def test_response_url_posts_are_shown_and_recorded(standin: SlackStandIn) -> None:
    url = standin.response_url(channel_id="C1", user_id="U1")
    webhook = AsyncWebhookClient(url)
    response = await webhook.send(text="Looking up support…")
    assert response.status_code == 200
    [message] = standin.messages("C1")
    assert (message["text"], message["visible_to"]) == ("Looking up support…", "U1")
    await webhook.send(text="Found it", replace_original=True)  # no original: a new message
    await webhook.send_dict({"text": "For everyone", "response_type": "in_channel"})
    assert [m.get("is_ephemeral", False) for m in standin.messages("C1")] == [True, True, False]
    assert [c.args["text"] for c in standin.calls_to("response_url")] == [
        "Looking up support…",
        "Found it",
        "For everyone",
    ]


async def test_response_url_replaces_and_deletes_the_original(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="Request #1: pending")
    url = standin.response_url(channel_id="C1", user_id="U2", message_ts=posted["ts"])
    webhook = AsyncWebhookClient(url)
    await webhook.send(text="Request #1: approved", replace_original=True)
    assert [m["text"] for m in standin.messages("C1")] == ["Request #1: approved"]
    await webhook.send_dict({"delete_original": True})
    assert standin.messages("C1") == []


async def test_response_url_works_five_times(standin: SlackStandIn) -> None:
    webhook = AsyncWebhookClient(standin.response_url(channel_id="C1", user_id="U1"))
    for attempt in range(5):
        assert (await webhook.send(text=f"update {attempt}")).status_code == 200
    sixth = await webhook.send(text="one too many")
    assert sixth.status_code == 404
    assert "used_url" in sixth.body
    assert len(standin.messages("C1")) == 5


async def test_submission_acks_drive_the_modal_stack(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    view = (await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal()))["view"]
    outcome = standin.apply_submission_ack(
        view_id=view["id"], body={"response_action": "errors", "errors": {"reason": "Required"}}
    )
    assert (outcome.action, outcome.errors) == ("errors", {"reason": "Required"})
    too_long = standin.apply_submission_ack(
        view_id=view["id"], body={"response_action": "update", "view": modal("t" * 25)}
    )
    assert too_long.action == "invalid"
    assert standin.calls_to("response_action")[-1].response["error"] == "invalid_arguments"
    updated = standin.apply_submission_ack(
        view_id=view["id"], body={"response_action": "update", "view": modal("Sent")}
    )
    assert updated.action == "update"
    assert standin.modal_stack("U1")[0]["title"]["text"] == "Sent"
    closed = standin.apply_submission_ack(view_id=view["id"], body=None)
    assert closed.action == "close"
    assert standin.modal_stack("U1") == []


async def test_submission_errors_must_name_input_blocks(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    view = (await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal()))["view"]
    outcome = standin.apply_submission_ack(
        view_id=view["id"], body={"response_action": "errors", "errors": {"nope": "Bad"}}
    )
    assert outcome.action == "invalid"
    assert outcome.problems == [
        "'nope' is not the block_id of an input block of the view [json-pointer:/errors/nope]"
    ]
    assert standin.rejected_payloads() == standin.calls_to("response_action")
    assert len(standin.modal_stack("U1")) == 1


def test_typed_text_arrives_formatted_like_slack(standin: SlackStandIn) -> None:
    standin.add_user(id="U3", name="jo.ann", real_name="Jo Ann")
    typed = "who @alex @jo.ann @telephony-admins #sms-approvals @nobody a.b@acme.example R&D <x>"
    assert standin.typed_text(typed) == (
        "who <@U2|alex> <@U3|jo.ann> <!subteam^S1|@telephony-admins> <#C1|sms-approvals>"
        " @nobody <mailto:a.b@acme.example|a.b@acme.example> R&amp;D &lt;x&gt;"
    )
    assert standin.typed_text("see https://example.com/x?a=1 now") == (
        "see <https://example.com/x?a=1> now"
    )
    assert standin.typed_text("who @alex & co", should_escape=False) == "who @alex &amp; co"


def test_command_ack_is_shown_or_refused_like_slack(standin: SlackStandIn) -> None:
    shown = standin.deliver_command_ack(channel_id="C1", user_id="U1", body={"text": "Usage"})
    assert shown.ok and shown.method == "command_ack"
    assert standin.messages("C1")[0]["visible_to"] == "U1"
    refused = standin.deliver_command_ack(
        channel_id="C1", user_id="U1", body={"text": "x", "blocks": [SECTION] * 51}
    )
    assert refused.response["error"] == "invalid_blocks"
    assert len(standin.messages("C1")) == 1


async def test_submission_push_and_clear(standin: SlackStandIn, client: AsyncWebClient) -> None:
    root = (await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal()))["view"]
    pushed = standin.apply_submission_ack(
        view_id=root["id"], body={"response_action": "push", "view": modal("Confirm")}
    )
    assert pushed.action == "push"
    assert [v["title"]["text"] for v in standin.modal_stack("U1")] == ["Request change", "Confirm"]
    top = standin.modal_stack("U1")[-1]
    closed_top = standin.apply_submission_ack(view_id=top["id"], body=None)
    assert closed_top.action == "close"
    assert [v["id"] for v in standin.modal_stack("U1")] == [root["id"]]
    standin.apply_submission_ack(
        view_id=root["id"], body={"response_action": "push", "view": modal("Again")}
    )
    cleared = standin.apply_submission_ack(
        view_id=standin.modal_stack("U1")[-1]["id"], body={"response_action": "clear"}
    )
    assert cleared.action == "clear"
    assert standin.modal_stack("U1") == []
    assert standin.views() == {}


async def test_closing_a_view_honours_clear_on_close(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal())
    await client.views_push(
        trigger_id=standin.new_trigger_id("U1"), view=modal("Two", clear_on_close=True)
    )
    closed = standin.close_view("U1")
    assert closed is not None and closed["title"]["text"] == "Two"
    assert standin.modal_stack("U1") == []
    assert standin.close_view("U1") is None


async def test_a_held_method_answers_only_when_released(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.hold("chat.postMessage")
    held = asyncio.create_task(client.chat_postMessage(channel="C1", text="slow"))
    for _ in range(500):
        if standin.holding("chat.postMessage"):
            break
        await asyncio.sleep(0.01)

    assert standin.holding("chat.postMessage") == 1 and not held.done()
    assert standin.messages("C1") == []
    standin.release("chat.postMessage")
    await held
    await client.chat_postMessage(channel="C1", text="not held")  # the hold was for one call

    assert [m["text"] for m in standin.messages("C1")] == ["slow", "not held"]
    assert standin.holding("chat.postMessage") == 0
