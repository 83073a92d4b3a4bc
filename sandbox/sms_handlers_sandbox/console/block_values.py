"""What Block Kit elements offer and hold, read the way Slack reads them for the app."""

from __future__ import annotations

import json
from typing import Any

from sms_handlers_sandbox import slack_payloads as sp

JsonDict = dict[str, Any]


def menu_options(element: JsonDict) -> list[JsonDict]:
    """A static menu's options, groups flattened."""
    if "options" in element:
        return list(element["options"])
    return [o for group in element.get("option_groups", []) for o in group.get("options", [])]


def suggested_options(answer: JsonDict) -> list[JsonDict]:
    """The options the app answered a block_suggestion with, groups flattened."""
    if "option_groups" in answer:
        return [o for group in answer["option_groups"] for o in group.get("options", [])]
    options: list[JsonDict] = answer.get("options", [])
    return options


def submitted_answers(view: JsonDict) -> dict[str, Any]:
    """What each input holds: the entered state, else the element's initial value."""
    values = view.get("state", {}).get("values", {})
    answers: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        entry = values.get(block_id, {}).get(element.get("action_id"))
        field_name = sp.VALUE_FIELDS.get(element.get("type"), "value")
        if entry is not None:
            answers[block_id] = entry.get(field_name)
        else:
            initial = {
                "value": element.get("initial_value"),
                "selected_options": element.get("initial_options"),
                "selected_option": element.get("initial_option"),
                "selected_users": element.get("initial_users"),
                "selected_user": element.get("initial_user"),
                "selected_date": element.get("initial_date"),
                "selected_time": element.get("initial_time"),
                "selected_date_time": element.get("initial_date_time"),
            }
            answers[block_id] = initial.get(field_name)
    return answers


def json_or_text(body: str) -> JsonDict:
    """The app's HTTP answer as a JSON object (plain text becomes {"text": ...})."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"text": body}
    return parsed if isinstance(parsed, dict) else {"text": body}
