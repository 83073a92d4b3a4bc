"""Requests built by slack_payloads reach a Bolt app signed and shaped as Bolt expects."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.tests.slack.tiny_app import SECRET, build_app, serve
from sms_handlers_sandbox import slack_payloads as sp
from sms_handlers_sandbox.slack import SlackStandIn

RILEY = sp.SlackUser(id="U1", name="riley")


@pytest.fixture
async def app_url(standin: SlackStandIn) -> AsyncIterator[str]:
    async with serve(build_app(standin)) as url:
        yield url


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def command(standin: SlackStandIn, text: str) -> dict[str, str]:
    return sp.slash_command(
        command="/sms-handlers",
        text=text,
        user_id="U1",
        user_name="riley",
        channel_id="C1",
        channel_name="sms-approvals",
        trigger_id=standin.new_trigger_id("U1"),
        response_url=standin.response_url(channel_id="C1", user_id="U1"),
    )


async def test_slash_command_is_verified_and_answered(
    standin: SlackStandIn, app_url: str, session: aiohttp.ClientSession
) -> None:
    status, _headers, body = await sp.send(
        session, app_url, command(standin, "help"), secret=SECRET, kind="form"
    )
    assert status == 200
    assert "Usage: /sms-handlers QUERY" in body


async def test_wrong_secret_and_stale_timestamp_get_401(
    standin: SlackStandIn, app_url: str, session: aiohttp.ClientSession
) -> None:
    wrong, _, _ = await sp.send(
        session, app_url, command(standin, "help"), secret="not-the-secret", kind="form"
    )
    stale, _, _ = await sp.send(
        session,
        app_url,
        command(standin, "help"),
        secret=SECRET,
        kind="form",
        timestamp=int(time.time()) - 600,
    )
    assert (wrong, stale) == (401, 401)


async def test_block_actions_from_a_message_reach_the_action_listener(
    standin: SlackStandIn, app_url: str, session: aiohttp.ClientSession
) -> None:
    await sp.send(session, app_url, command(standin, "support"), secret=SECRET, kind="form")
    await standin.wait_for_call("response_url")
    [card] = standin.messages("C1")
    button = card["blocks"][2]["elements"][0]
    payload = sp.block_actions(
        user=RILEY,
        action=sp.element_action(button, block_id=card["blocks"][2]["block_id"]),
        trigger_id=standin.new_trigger_id("U1"),
        message=card,
        channel_id="C1",
        channel_name="sms-approvals",
        is_ephemeral=True,
        response_url=standin.response_url(channel_id="C1", user_id="U1", message_ts=card["ts"]),
    )
    status, _, _ = await sp.send(session, app_url, payload, secret=SECRET, kind="interactive")
    assert status == 200
    opened = await standin.wait_for_call("views.open")
    assert opened.ok, opened.response
    assert standin.modal_stack("U1")[0]["title"]["text"] == "Request change"


async def test_events_are_json_and_carry_retry_headers(
    standin: SlackStandIn, app_url: str, session: aiohttp.ClientSession
) -> None:
    event = sp.app_home_opened_event(user_id="U1", channel_id="D1", bot_user_id="U0BOT0001")
    status, _, _ = await sp.send(session, app_url, event, secret=SECRET, kind="event")
    assert status == 200
    await standin.wait_for_call("views.publish")
    home = standin.home_view("U1")
    assert home is not None and home["blocks"][0]["text"]["text"] == "Welcome home"
    retried, _, _ = await sp.send(session, app_url, event, secret=SECRET, kind="event", retry_num=1)
    assert retried == 200
