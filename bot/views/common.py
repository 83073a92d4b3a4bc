"""Small building blocks shared by the views: a message record and Block Kit shorthands."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.domain import ExtensionRef
from bot.views.mrkdwn import escape, person, truncate

SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
CONTEXT_TEXT_LIMIT = 3000
MODAL_TITLE_LIMIT = 24

ButtonStyle = Literal["primary", "danger"]


@dataclass(frozen=True)
class Message:
    """A message: plain fallback text (notifications, screen readers) and its blocks.

    `text` is plain and unescaped; send `fallback`, which Slack may read as mrkdwn.
    """

    text: str
    blocks: Sequence[Block]

    @property
    def fallback(self) -> str:
        """The fallback text escaped, so a name in it cannot ping or mention anyone."""
        return escape(self.text)

    def blocks_as_dicts(self) -> list[dict[str, Any]]:
        """The blocks as Slack wants them (validated by slack_sdk while converting, once per
        message: a message sent to many people is converted once)."""
        return list(self._block_dicts)

    @cached_property
    def _block_dicts(self) -> list[dict[str, Any]]:
        return [block.to_dict() for block in self.blocks]


def header(text: str) -> HeaderBlock:
    """A header block (plain text, cut to Slack's limit)."""
    return HeaderBlock(text=PlainTextObject(text=truncate(text, HEADER_LIMIT)))


def section(text: str, *, accessory: ButtonElement | None = None) -> SectionBlock:
    """A mrkdwn section; `text` must already be escaped."""
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)), accessory=accessory
    )


def context(text: str) -> ContextBlock:
    """A small grey mrkdwn line; `text` must already be escaped."""
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, CONTEXT_TEXT_LIMIT))])


def button(
    text: str,
    *,
    action_id: str,
    value: str,
    style: ButtonStyle | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    """A button with plain text cut to Slack's limit."""
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, BUTTON_TEXT_LIMIT)),
        action_id=action_id,
        value=value,
        style=style,
        confirm=confirm,
    )


def actions(*buttons: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    """A row of buttons."""
    return ActionsBlock(elements=list(buttons), block_id=block_id)


def modal_title(text: str) -> PlainTextObject:
    """A modal title cut to Slack's 24 characters."""
    return PlainTextObject(text=truncate(text, MODAL_TITLE_LIMIT))


def bullet_lines(items: Sequence[str], *, empty: str) -> list[str]:
    """Items as bullet lines, or one line saying there are none."""
    return [f"• {item}" for item in items] if items else [empty]


def change_lines(added: Sequence[ExtensionRef], removed: Sequence[ExtensionRef]) -> list[str]:
    """➕ / ➖ lines for extensions added and removed (escaped)."""
    lines = [f"➕ {person(r.name, r.extension_number)}" for r in added]
    lines += [f"➖ {person(r.name, r.extension_number)}" for r in removed]
    return lines


def warning_blocks(warnings: Sequence[str]) -> list[ContextBlock]:
    """One grey line per (unescaped) warning."""
    return [context(f":warning: {escape(warning)}") for warning in warnings]


def json_object(raw: object, *, what: str, max_length: int) -> dict[str, object]:
    """A JSON object Slack sent back (metadata, a button's value), of bounded size; ValueError,
    saying what is wrong, for anything else."""
    if not isinstance(raw, str) or len(raw) > max_length:
        raise ValueError(f"{what} is not text of at most {max_length} characters")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} is not a JSON object")
    return data
