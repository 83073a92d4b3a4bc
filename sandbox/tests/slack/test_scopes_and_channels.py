"""The stand-in's token scopes (x-oauth-scopes, missing_scope) and conversations.info."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.tests.slack.conftest import TOKEN
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack.scopes import MANIFEST_BOT_SCOPES
from tests.support.slack_fixtures import load, load_with_metadata


def scopes_header(headers: dict[str, str]) -> str:
    return {name.lower(): value for name, value in headers.items()}["x-oauth-scopes"]


async def test_answers_name_the_tokens_scopes_as_slack_does(client: AsyncWebClient) -> None:
    response = await client.auth_test()

    header = scopes_header(dict(response.headers))
    assert header.split(",") == list(MANIFEST_BOT_SCOPES)
    captured = scopes_header(load_with_metadata("error_ratelimited")["_headers"])
    assert " " not in header and " " not in captured  # comma-separated, no spaces


async def test_a_call_without_its_scope_is_refused_like_slack() -> None:
    async with SlackStandIn(bot_token=TOKEN, scopes=["commands", "users:read"]) as standin:
        standin.add_channel(id="C1", name="sms-approvals")
        client = AsyncWebClient(token=TOKEN, base_url=standin.api_url)
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C1", text="hi")
        assert scopes_header(dict((await client.auth_test()).headers)) == "commands,users:read"

    answer = caught.value.response.data
    assert set(answer) == set(load("error_missing_scope"))
    assert answer["needed"] == "chat:write"
    assert answer["provided"] == "commands,users:read"
    assert standin.messages("C1") == []


async def test_conversations_info_says_whether_the_bot_is_a_member(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.add_channel(id="C2", name="elsewhere", is_member=False)

    inside = (await client.conversations_info(channel="C1"))["channel"]
    outside = (await client.conversations_info(channel="C2"))["channel"]

    real = load("response_conversations_info")["channel"]
    assert set(inside) == set(real) - {"properties"}  # properties only when the channel has tabs
    assert (inside["id"], inside["name"], inside["is_member"]) == ("C1", "sms-approvals", True)
    assert (outside["is_member"], outside["is_private"]) == (False, False)


async def test_conversations_info_of_a_name_or_a_hidden_private_channel_is_not_found(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.add_channel(id="C3", name="secret", is_private=True, is_member=False)

    for channel in ("#sms-approvals", "sms-approvals", "C3"):
        with pytest.raises(SlackApiError) as caught:
            await client.conversations_info(channel=channel)
        assert caught.value.response.data == load("error_channel_not_found")


async def test_reading_a_private_channel_needs_groups_read() -> None:
    granted = [s for s in MANIFEST_BOT_SCOPES if s != "groups:read"]
    async with SlackStandIn(bot_token=TOKEN, scopes=granted) as standin:
        standin.add_channel(id="C1", name="public")
        standin.add_channel(id="C2", name="private", is_private=True)
        client = AsyncWebClient(token=TOKEN, base_url=standin.api_url)
        assert (await client.conversations_info(channel="C1"))["channel"]["is_member"] is True
        with pytest.raises(SlackApiError) as caught:
            await client.conversations_info(channel="C2")
    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == "groups:read"


async def test_emails_need_users_read_email() -> None:
    async with SlackStandIn(bot_token=TOKEN, scopes=["users:read"]) as standin:
        standin.add_user(id="U1", name="riley", real_name="Riley Lead", email="riley@example.com")
        client = AsyncWebClient(token=TOKEN, base_url=standin.api_url)
        profile = (await client.users_info(user="U1"))["user"]["profile"]
    assert profile["real_name"] == "Riley Lead"
    assert "email" not in profile
