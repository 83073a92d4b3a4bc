"""The requests Slack sends to the app, built and signed like Slack does.

Field names and nesting follow the captures in tests/fixtures/slack/payloads (Slack's SDK
fixtures and docs examples): slash commands are form fields; interactivity and options loads are
one form field `payload` holding compact JSON; Events API callbacks are a JSON body. Every request
is signed with the app's signing secret (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`).
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

JsonDict = dict[str, Any]
Kind = Literal["form", "interactive", "event"]

TEAM_ID = "T0001"
TEAM_DOMAIN = "standin"
API_APP_ID = "A0001"
VERIFICATION_TOKEN = "verification_token"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

VALUE_FIELDS = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
LIST_FIELDS = {
    "selected_options",
    "selected_users",
    "selected_conversations",
    "selected_channels",
}


@dataclass(frozen=True)
class SlackUser:
    """The person acting in Slack, as interactive payloads name them."""

    id: str
    name: str
    team_id: str = TEAM_ID

    def to_payload(self) -> JsonDict:
        """The `user` object of block_actions / view_submission / block_suggestion."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": self.team_id}


def _team(team_id: str, team_domain: str) -> JsonDict:
    return {"id": team_id, "domain": team_domain}


def _action_ts() -> str:
    return f"{time.time():.6f}"


def slash_command(
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    trigger_id: str,
    response_url: str,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    """The form fields of a slash command, in the order Slack sends them."""
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def element_action(element: Mapping[str, Any], *, block_id: str, selected: Any = None) -> JsonDict:
    """The `actions[0]` entry for a click on (or a choice in) an interactive element."""
    kind = element["type"]
    entry: JsonDict = {"action_id": element["action_id"], "block_id": block_id}
    if kind == "button":
        entry["text"] = copy.deepcopy(element["text"])
        for key in ("value", "style"):
            if key in element:
                entry[key] = element[key]
    else:
        field = VALUE_FIELDS.get(kind)
        if field is None:
            raise ValueError(f"no action payload for element type {kind!r}")
        entry[field] = copy.deepcopy(selected if selected is not None else _empty(field))
        if "placeholder" in element:
            entry["placeholder"] = copy.deepcopy(element["placeholder"])
    entry["type"] = kind
    entry["action_ts"] = _action_ts()
    return entry


def block_actions(
    *,
    user: SlackUser,
    action: JsonDict,
    trigger_id: str,
    view: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    channel_id: str = "",
    channel_name: str = "",
    message_ts: str = "",
    is_ephemeral: bool = False,
    response_url: str = "",
    state_values: Mapping[str, Any] | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> JsonDict:
    """A block_actions payload from a modal (pass `view`) or a message (pass the channel)."""
    payload: JsonDict = {
        "type": "block_actions",
        "user": user.to_payload(),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
    else:
        ts = message_ts or (str(message["ts"]) if message else "")
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
    payload.update(
        trigger_id=trigger_id,
        team=_team(user.team_id, team_domain),
        enterprise=None,
        is_enterprise_install=False,
    )
    if view is not None:
        payload["view"] = copy.deepcopy(dict(view))
    else:
        payload["channel"] = {"id": channel_id, "name": channel_name}
        if message is not None and not is_ephemeral:
            payload["message"] = as_delivered(message)
        payload["state"] = {"values": copy.deepcopy(dict(state_values or {}))}
        payload["response_url"] = response_url
    payload["actions"] = [action]
    return payload


def as_delivered(message: Mapping[str, Any]) -> JsonDict:
    """A stored message as Slack includes it in payloads (without stand-in bookkeeping)."""
    return {
        k: copy.deepcopy(v) for k, v in message.items() if k not in ("is_ephemeral", "visible_to")
    }


def state_value(element: Mapping[str, Any], answer: Any = None) -> JsonDict:
    """The state.values entry of one input element holding `answer` (None: nothing entered)."""
    kind = element["type"]
    field = VALUE_FIELDS.get(kind)
    if field is None:
        raise ValueError(f"no state value for element type {kind!r}")
    value: JsonDict = {
        "type": kind,
        field: copy.deepcopy(answer) if answer is not None else _empty(field),
    }
    if kind == "timepicker" and element.get("timezone"):
        value["timezone"] = element["timezone"]  # a time picker given a zone sends it back
    return value


def view_state(view: Mapping[str, Any], answers: Mapping[str, Any]) -> JsonDict:
    """state.values for a view: every input block's element, answered from `answers[block_id]`."""
    values: JsonDict = {}
    for block in view.get("blocks", []):
        block_id = block.get("block_id")
        if block.get("type") == "input":
            element = block["element"]
            values[block_id] = {element["action_id"]: state_value(element, answers.get(block_id))}
        elif block.get("type") == "actions" and block_id in answers:
            for element in block["elements"]:
                if element.get("type") in VALUE_FIELDS:
                    values.setdefault(block_id, {})[element["action_id"]] = state_value(
                        element, answers[block_id]
                    )
    return {"values": values}


def view_submission(
    *,
    user: SlackUser,
    view: Mapping[str, Any],
    trigger_id: str,
    answers: Mapping[str, Any] | None = None,
    response_urls: list[JsonDict] | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> JsonDict:
    """A view_submission of `view`: its state.values as they stand, or built from `answers`.

    `answers` maps an input's block_id to what the person entered (see view_state).
    """
    if answers is not None:
        view = {**view, "state": view_state(view, answers)}
    return {
        "type": "view_submission",
        "team": _team(user.team_id, team_domain),
        "user": user.to_payload(),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": copy.deepcopy(dict(view)),
        "response_urls": copy.deepcopy(response_urls or []),
    }


def view_closed(
    *,
    user: SlackUser,
    view: Mapping[str, Any],
    is_cleared: bool = False,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> JsonDict:
    """A view_closed (sent only for views opened with notify_on_close)."""
    return {
        "type": "view_closed",
        "team": _team(user.team_id, team_domain),
        "user": user.to_payload(),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "view": copy.deepcopy(dict(view)),
        "is_cleared": is_cleared,
    }


def block_suggestion(
    *,
    user: SlackUser,
    action_id: str,
    block_id: str,
    value: str,
    view: Mapping[str, Any] | None = None,
    channel_id: str = "",
    channel_name: str = "",
    message_ts: str = "",
    is_ephemeral: bool = False,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> JsonDict:
    """An options load for an external select: `value` is what the user typed so far."""
    if view is not None:
        container: JsonDict = {"type": "view", "view_id": view["id"]}
    else:
        container = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
    payload: JsonDict = {
        "type": "block_suggestion",
        "user": user.to_payload(),
        "container": container,
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": _team(user.team_id, team_domain),
    }
    if view is not None:
        payload["view"] = copy.deepcopy(dict(view))
    else:
        payload["channel"] = {"id": channel_id, "name": channel_name}
    return payload


def app_home_opened_event(
    *,
    user_id: str,
    channel_id: str,
    bot_user_id: str,
    tab: str = "home",
    view: Mapping[str, Any] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_id: str | None = None,
) -> JsonDict:
    """The Events API envelope of an app_home_opened event."""
    now = time.time()
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id,
        "tab": tab,
        "event_ts": f"{now:.6f}",
    }
    if view is not None:
        event["view"] = copy.deepcopy(dict(view))
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def encode(payload: Mapping[str, Any], kind: Kind) -> tuple[bytes, str]:
    """The raw body and Content-Type Slack uses for this kind of request."""
    if kind == "form":
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    if kind == "interactive":
        compact = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return urlencode({"payload": compact}).encode(), "application/x-www-form-urlencoded"
    return json.dumps(payload).encode(), "application/json"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature headers for `body`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None  # only None without a timestamp
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


async def send(
    session: aiohttp.ClientSession,
    url: str,
    payload: Mapping[str, Any],
    *,
    secret: str,
    kind: Kind,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    timestamp: int | None = None,
) -> tuple[int, dict[str, str], str]:
    """POST a signed request like Slack; the app's status, headers and body text."""
    body, content_type = encode(payload, kind)
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    headers.update(sign(body, secret, timestamp))
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    async with session.post(url, data=body, headers=headers) as response:
        return response.status, dict(response.headers), await response.text()


def _empty(field: str) -> Any:
    return [] if field in LIST_FIELDS else None
