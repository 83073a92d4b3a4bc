"""Checks that rendered views stay within Slack's Block Kit limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.models.views import View

from bot.views.common import Message

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside a rendered view or block list."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def mrkdwn_texts(node: Any) -> list[str]:
    return [d["text"] for d in walk(node) if d.get("type") == "mrkdwn"]


def all_texts(node: Any) -> str:
    return "\n".join(d["text"] for d in walk(node) if d.get("type") in {"mrkdwn", "plain_text"})


def _check_blocks(blocks: list[dict[str, Any]]) -> None:
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), f"duplicate block ids {block_ids}"
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "actions":
            action_ids = [e["action_id"] for e in block["elements"]]
            assert len(action_ids) == len(set(action_ids))
            assert 1 <= len(action_ids) <= 25
        for element in walk(block):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
            if "options" in element and isinstance(element["options"], list):
                assert len(element["options"]) <= 100
                for option in element["options"]:
                    assert len(option["text"]["text"]) <= 75
                    assert len(option["value"]) <= 150


def render_message(message: Message) -> list[dict[str, Any]]:
    """The message's blocks as Slack gets them, checked against the limits."""
    blocks = message.blocks_as_dicts()
    assert 1 <= len(blocks) <= MESSAGE_BLOCKS
    assert message.text
    _check_blocks(blocks)
    return blocks


def render_view(view: View) -> dict[str, Any]:
    """The view as Slack gets it (slack_sdk validates lengths), checked against the limits."""
    data = view.to_dict()
    assert 1 <= len(data["blocks"]) <= MODAL_BLOCKS
    _check_blocks(data["blocks"])
    return data
