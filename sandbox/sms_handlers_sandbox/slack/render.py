"""Block Kit rendered as terminal text, every interactive element numbered, for the demo console."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

RULE = "─" * 48
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
SELECTS = {
    "static_select",
    "external_select",
    "multi_static_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "channels_select",
    "overflow",
    "radio_buttons",
}
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_QUOTED_LINE = re.compile(r"^> ?", re.MULTILINE)  # a typed > is &gt;, so this is a quote
QUOTE_BAR = "▎ "
EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "heavy_multiplication_x": "✖️",
    "warning": "⚠️",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "alarm_clock": "⏰",
    "stopwatch": "⏱️",
    "stop_button": "⏹️",
    "gear": "⚙️",
    "heavy_plus_sign": "➕",
    "heavy_minus_sign": "➖",
    "information_source": "ℹ️",
    "arrows_counterclockwise": "🔄",
    "lock": "🔒",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "telephone_receiver": "📞",
    "speech_balloon": "💬",
    "mag": "🔍",
    "memo": "📝",
    "page_facing_up": "📄",
    "wastebasket": "🗑️",
    "leftwards_arrow_with_hook": "↩️",
    "red_circle": "🔴",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "ballot_box_with_check": "☑️",
    "bell": "🔔",
    "white_small_square": "▫️",
    "grey_question": "❔",
    "rotating_light": "🚨",
}


@dataclass(frozen=True)
class MessageSource:
    """An element inside a message."""

    channel_id: str
    ts: str
    is_ephemeral: bool


@dataclass(frozen=True)
class ViewSource:
    """An element inside a view (modal or Home)."""

    view_id: str


@dataclass(frozen=True)
class Target:
    """A numbered interactive element the person can press, fill, pick or check."""

    number: int
    element: JsonDict
    block_id: str
    source: MessageSource | ViewSource
    in_input_block: bool


@dataclass
class Numbering:
    """Numbers handed out during one rendering."""

    targets: dict[int, Target] = field(default_factory=dict)

    def add(
        self,
        element: JsonDict,
        block_id: str,
        source: MessageSource | ViewSource,
        *,
        in_input_block: bool = False,
    ) -> int:
        """Number the element; the number."""
        number = len(self.targets) + 1
        self.targets[number] = Target(number, element, block_id, source, in_input_block)
        return number


class Renderer:
    """Turns messages and views into lines of text."""

    def __init__(
        self,
        user_name: Callable[[str], str],
        channel_name: Callable[[str], str] = lambda channel_id: channel_id,
    ) -> None:
        self._user_name = user_name
        self._channel_name = channel_name

    def mrkdwn(self, text: str) -> str:
        """mrkdwn made readable: mentions, links and quotes shown, &amp; &lt; &gt; unescaped."""

        def link(match: re.Match[str]) -> str:
            target, label = match.group(1), match.group(2)
            if target.startswith("@"):
                return "@" + (label or self._user_name(target[1:]))
            if target.startswith("#"):
                return "#" + (label or self._channel_name(target[1:]))
            if target.startswith("!subteam^"):
                return label or "@" + target.split("^", 1)[1]
            if target.startswith("!date^"):
                return label or target.split("^")[1]
            if target.startswith("!"):
                return "@" + (label or target[1:].split("^", 1)[0])
            return f"{label} ({target})" if label and label != target else target

        readable = emoji(_QUOTED_LINE.sub(QUOTE_BAR, _LINK.sub(link, text)))
        return readable.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def text(self, obj: Any) -> str:
        """A text object's readable text ('' for none)."""
        if not isinstance(obj, dict):
            return ""
        raw = str(obj.get("text", ""))
        return self.mrkdwn(raw) if obj.get("type") == "mrkdwn" else emoji(raw)

    def message(
        self, message: JsonDict, *, source: MessageSource, numbering: Numbering
    ) -> list[str]:
        """A message: its blocks (or its text when it has none)."""
        blocks = message.get("blocks")
        if blocks:
            lines = self.blocks(blocks, source=source, numbering=numbering, state={}, errors={})
        else:
            lines = self.mrkdwn(str(message.get("text", ""))).splitlines()
        for attachment in message.get("attachments") or []:
            inner = attachment.get("blocks")
            if inner:
                shown = self.blocks(inner, source=source, numbering=numbering, state={}, errors={})
            else:
                shown = self.mrkdwn(str(attachment.get("text", ""))).splitlines()
            lines += ["┃ " + line for line in shown]
        for file in message.get("files") or []:
            lines.append(f"📎 {file.get('name')} ({file.get('size', 0):,} bytes)")
        return lines

    def view(
        self, view: JsonDict, *, numbering: Numbering, errors: dict[str, str] | None = None
    ) -> list[str]:
        """A modal: a frame with its title, blocks, field values and errors, and its buttons."""
        title = self.text(view.get("title")) or ("Home" if view.get("type") == "home" else "")
        lines = [f"┌─ {title} " + "─" * max(3, 44 - len(title))]
        body = self.blocks(
            view.get("blocks", []),
            source=ViewSource(view["id"]),
            numbering=numbering,
            state=view.get("state", {}).get("values", {}),
            errors=errors or {},
        )
        lines += ["│ " + line if line else "│" for line in body]
        footer = [
            f"<{self.text(view[key])}: type {key}>" for key in ("close", "submit") if view.get(key)
        ]
        lines.append("└─ " + "  ".join(footer) if footer else "└" + "─" * 47)
        return lines

    def blocks(
        self,
        blocks: list[JsonDict],
        *,
        source: MessageSource | ViewSource,
        numbering: Numbering,
        state: JsonDict,
        errors: dict[str, str],
    ) -> list[str]:
        """The lines of a list of blocks."""
        lines: list[str] = []
        for block in blocks:
            kind = block.get("type")
            block_id = str(block.get("block_id", ""))
            if kind == "header":
                lines.append(f"## {self.text(block.get('text'))}")
            elif kind == "divider":
                lines.append(RULE)
            elif kind == "section":
                if "text" in block:
                    lines += self.text(block["text"]).splitlines() or [""]
                for item in block.get("fields", []):
                    lines += ["  " + part for part in self.text(item).splitlines()]
                accessory = block.get("accessory")
                if isinstance(accessory, dict):
                    lines += self.element(accessory, block_id, source, numbering, state)
            elif kind == "context":
                parts = [
                    self.text(e) if e.get("type") != "image" else f"[{e.get('alt_text', 'image')}]"
                    for e in block.get("elements", [])
                ]
                lines.append("  · " + "  ·  ".join(parts))
            elif kind == "actions":
                rendered = [
                    self.element(element, block_id, source, numbering, state)
                    for element in block.get("elements", [])
                ]
                if all(len(part) == 1 for part in rendered):
                    lines.append("   ".join(part[0] for part in rendered))
                else:
                    lines += [line for part in rendered for line in part]
            elif kind == "input":
                lines += self.input(block, source, numbering, state, errors.get(block_id))
            elif kind == "image":
                lines.append(f"[image: {block.get('alt_text', '')}]")
            elif kind in ("rich_text", "markdown"):
                lines += _rich_text(block).splitlines()
        return lines

    def input(
        self,
        block: JsonDict,
        source: MessageSource | ViewSource,
        numbering: Numbering,
        state: JsonDict,
        error: str | None,
    ) -> list[str]:
        """An input block: label, the numbered element with its current value, hint, error."""
        label = self.text(block.get("label"))
        optional = " (optional)" if block.get("optional") else ""
        lines = [f"{label}{optional}"]
        element = block.get("element", {})
        block_id = str(block.get("block_id", ""))
        lines += [
            "  " + line
            for line in self.element(element, block_id, source, numbering, state, in_input=True)
        ]
        if "hint" in block:
            lines.append(f"  ({self.text(block['hint'])})")
        if error:
            lines.append(f"  ⚠ {error}")
        return lines

    def element(
        self,
        element: JsonDict,
        block_id: str,
        source: MessageSource | ViewSource,
        numbering: Numbering,
        state: JsonDict,
        *,
        in_input: bool = False,
    ) -> list[str]:
        """One interactive element, numbered, with what it currently holds."""
        kind = element.get("type")
        if kind == "image":
            return [f"[image: {element.get('alt_text', '')}]"]
        number = numbering.add(element, block_id, source, in_input_block=in_input)
        current = state.get(block_id, {}).get(element.get("action_id"), {})
        if kind == "button":
            style = {"primary": " (primary)", "danger": " (danger)"}.get(
                element.get("style", ""), ""
            )
            return [f"[{number}] {self.text(element.get('text'))}{style}"]
        if kind in TEXT_INPUTS:
            value = current.get("value", element.get("initial_value"))
            shown = f'"{value}"' if value else "(empty)"
            return [f"[{number}] ✎ {shown}   — fill {number} TEXT"]
        if kind == "checkboxes":
            chosen = _values(current.get("selected_options", element.get("initial_options", [])))
            lines = [f"[{number}] checkboxes — check {number} [OPTION]"]
            for index, option in enumerate(element.get("options", []), start=1):
                mark = "☑" if option.get("value") in chosen else "☐"
                lines.append(f"    {mark} {index}. {self.text(option.get('text'))}")
            return lines
        if kind in SELECTS:
            return [self.select(number, element, current)]
        if kind == "datepicker":
            value = current.get("selected_date", element.get("initial_date"))
            return [f"[{number}] 📅 {value or '(no date)'}   — fill {number} YYYY-MM-DD"]
        if kind == "timepicker":
            value = current.get("selected_time", element.get("initial_time"))
            zone = f" ({element['timezone']})" if element.get("timezone") else ""
            return [f"[{number}] 🕑 {value or '(no time)'}{zone}   — fill {number} HH:MM"]
        return [f"[{number}] ({kind})"]

    def select(self, number: int, element: JsonDict, current: JsonDict) -> str:
        """A select menu: placeholder or what is selected, and how to pick."""
        kind = str(element.get("type"))
        selected = current.get("selected_options")
        if selected is None and current.get("selected_option"):
            selected = [current["selected_option"]]
        if selected is None:
            initial = element.get("initial_options") or (
                [element["initial_option"]] if element.get("initial_option") else []
            )
            selected = initial
        users = current.get("selected_users") or (
            [current["selected_user"]] if current.get("selected_user") else []
        )
        chosen = [self.text(o.get("text")) for o in selected] + [self._user_name(u) for u in users]
        placeholder = self.text(element.get("placeholder")) or "choose"
        shown = ", ".join(chosen) if chosen else f"({placeholder})"
        how = f"pick {number} QUERY" if "external" in kind else f"pick {number}"
        many = " (several)" if kind.startswith("multi_") else ""
        return f"[{number}] ▾ {shown}{many}   — {how}"


def emoji(text: str) -> str:
    """Common :emoji_codes: as the characters Slack shows; others stay as typed."""
    return _EMOJI_CODE.sub(lambda match: EMOJI.get(match.group(1), match.group(0)), text)


def _values(options: list[JsonDict]) -> set[Any]:
    return {option.get("value") for option in options}


def _rich_text(block: JsonDict) -> str:
    if block.get("type") == "markdown":
        return str(block.get("text", ""))
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                out.append(str(node.get("text", "")))
            elif node.get("type") == "link":
                out.append(str(node.get("text") or node.get("url", "")))
            elif node.get("type") == "user":
                out.append(f"@{node.get('user_id', '')}")
            for child in node.get("elements", []):
                walk(child)

    walk(block)
    return "".join(out)
