"""Fixtures: a started Slack stand-in with a small workspace, and a slack_sdk client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sms_handlers_sandbox.slack import SlackStandIn

TOKEN = "xoxb-test-token"


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=TOKEN)  # trigger_ids live 3 s, as in Slack
    stand_in.add_user(id="U1", name="riley", real_name="Riley Lead", email="riley@example.com")
    stand_in.add_user(id="U2", name="alex", real_name="Alex Admin", email="alex@example.com")
    stand_in.add_usergroup(id="S1", handle="telephony-admins", users=["U2"])
    stand_in.add_channel(id="C1", name="sms-approvals")
    async with stand_in:
        yield stand_in


@pytest.fixture
def client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=standin.api_url)
