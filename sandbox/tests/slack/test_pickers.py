"""Date, time and datetime pickers in the stand-in: Block Kit's documented formats are checked,
their answers come back as Slack sends them, and the console renders and fills them."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.tests.slack.test_web_api import api_error, modal
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack.render import Numbering, Renderer
from sms_handlers_sandbox.slack_payloads import state_value, view_state


def picker_input(element: dict[str, Any], block_id: str = "end") -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": "Until"},
        "element": {"action_id": f"{block_id}_picker", **element},
    }


VALID = [
    {"type": "datepicker", "initial_date": "2026-03-10"},
    {"type": "timepicker", "initial_time": "18:00", "timezone": "America/Los_Angeles"},
    {"type": "timepicker", "initial_time": "00:05"},
    {"type": "datetimepicker", "initial_date_time": 1628633820},
]
INVALID = [
    ({"type": "datepicker", "initial_date": "2026-02-30"}, "/initial_date"),
    ({"type": "datepicker", "initial_date": "10/03/2026"}, "/initial_date"),
    ({"type": "timepicker", "initial_time": "6pm"}, "/initial_time"),
    ({"type": "timepicker", "initial_time": "24:00"}, "/initial_time"),
    ({"type": "timepicker", "timezone": "Pacific Standard Time"}, "/timezone"),
    ({"type": "timepicker", "timezone": "Mars/Olympus"}, "/timezone"),
    ({"type": "datetimepicker", "initial_date_time": "1628633820"}, "/initial_date_time"),
    ({"type": "datetimepicker", "initial_date_time": 16286338200}, "/initial_date_time"),
]


@pytest.mark.parametrize("element", VALID, ids=lambda e: e["type"])
async def test_pickers_in_their_documented_format_are_accepted(
    standin: SlackStandIn, client: AsyncWebClient, element: dict[str, Any]
) -> None:
    view = modal(blocks=[picker_input(element)])
    opened = await client.views_open(trigger_id=standin.new_trigger_id("U1"), view=view)
    assert opened["ok"]


@pytest.mark.parametrize(("element", "pointer"), INVALID)
async def test_pickers_in_another_format_are_refused_like_slack(
    standin: SlackStandIn, client: AsyncWebClient, element: dict[str, Any], pointer: str
) -> None:
    view = modal(blocks=[picker_input(element)])
    error = await api_error(client.views_open(trigger_id=standin.new_trigger_id("U1"), view=view))
    messages = error.response["response_metadata"]["messages"]
    assert any(f"[json-pointer:/view/blocks/0/element{pointer}]" in m for m in messages), messages


def test_picker_answers_come_back_as_slack_sends_them() -> None:
    zoned = {"type": "timepicker", "action_id": "t", "timezone": "America/Los_Angeles"}
    assert state_value(zoned, "18:00") == {
        "type": "timepicker",
        "selected_time": "18:00",
        "timezone": "America/Los_Angeles",
    }
    assert state_value({"type": "datepicker", "action_id": "d"}, "2026-03-10") == {
        "type": "datepicker",
        "selected_date": "2026-03-10",
    }
    assert state_value({"type": "datetimepicker", "action_id": "dt"}) == {
        "type": "datetimepicker",
        "selected_date_time": None,
    }
    view = {"blocks": [picker_input({"type": "datepicker"}, "day")]}
    assert view_state(view, {"day": "2026-03-10"}) == {
        "values": {"day": {"day_picker": {"type": "datepicker", "selected_date": "2026-03-10"}}}
    }


def test_the_console_shows_pickers_with_their_value_and_zone() -> None:
    view = {
        "type": "modal",
        "id": "V1",
        "title": {"type": "plain_text", "text": "Until"},
        "blocks": [
            picker_input({"type": "datepicker"}, "day"),
            picker_input({"type": "timepicker", "timezone": "Europe/Paris"}, "hour"),
        ],
        "state": {"values": {"hour": {"hour_picker": {"selected_time": "18:30"}}}},
    }
    text = "\n".join(Renderer(user_name=str).view(view, numbering=Numbering()))
    assert "[1] 📅 (no date)   — fill 1 YYYY-MM-DD" in text
    assert "[2] 🕑 18:30 (Europe/Paris)   — fill 2 HH:MM" in text
