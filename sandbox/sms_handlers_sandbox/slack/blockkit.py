"""Block Kit checks the Slack stand-in applies to every message and view it receives.

Each problem is reported the way Slack words it: `<what is wrong> [json-pointer:/path]`.
slack_sdk.models covers part of Block Kit's limits; the walk below covers the rest (counts,
option sizes, unique ids, plain_text-only places, input blocks needing a submit button).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MODAL_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3000
ID_MAX = 255

KNOWN_BLOCKS = {
    "section",
    "divider",
    "header",
    "context",
    "actions",
    "input",
    "image",
    "rich_text",
    "markdown",
}
SELECTS_WITH_OPTIONS = {"static_select", "multi_static_select"}
EXTERNAL_SELECTS = {"external_select", "multi_external_select"}
OTHER_SELECTS = {
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
CHOICE_ELEMENTS = {"checkboxes", "radio_buttons"}
INPUT_ELEMENTS = (
    SELECTS_WITH_OPTIONS
    | EXTERNAL_SELECTS
    | OTHER_SELECTS
    | CHOICE_ELEMENTS
    | {"plain_text_input", "datepicker", "timepicker", "datetimepicker", "email_text_input"}
    | {"number_input", "url_text_input", "rich_text_input", "file_input"}
)
ACTION_ELEMENTS = (INPUT_ELEMENTS - {"file_input", "rich_text_input"}) | {"button", "overflow"}
# Pickers' initial values, as Block Kit's reference describes them.
_INITIAL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # YYYY-MM-DD
_INITIAL_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")  # HH:mm, 24-hour
DATE_TIME_MAX = 9_999_999_999  # initial_date_time: a UNIX timestamp of (at most) 10 digits


class _Walk:
    """Collects problems while walking one message's blocks or one view."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def problem(self, message: str, pointer: str) -> None:
        self.problems.append(f"{message} [json-pointer:{self.prefix}{pointer}]")

    def max_length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.problem(f"must be less than {limit + 1} characters", pointer)

    def text(
        self, obj: Any, pointer: str, *, limit: int, plain_only: bool = False, required: bool = True
    ) -> None:
        if obj is None:
            if required:
                self.problem("must provide an object", pointer)
            return
        if not isinstance(obj, dict):
            self.problem("must provide an object", pointer)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.problem(f"must be one of {', '.join(allowed)}", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.problem("must be a non-empty string", f"{pointer}/text")
            return
        self.max_length(text, limit, f"{pointer}/text")

    def identifier(self, value: Any, pointer: str) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not value:
            self.problem("must be a non-empty string", pointer)
        else:
            self.max_length(value, ID_MAX, pointer)

    def blocks(self, blocks: Any, pointer: str, *, limit: int) -> None:
        if not isinstance(blocks, list):
            self.problem("must provide an array", pointer)
            return
        if len(blocks) > limit:
            self.problem(f"no more than {limit} items allowed", pointer)
        for index, block in enumerate(blocks):
            self.block(block, f"{pointer}/{index}")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.problem("must provide an object", pointer)
            return
        kind = block.get("type")
        if kind not in KNOWN_BLOCKS:
            self.problem(f"unsupported block type {kind!r}", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        self.identifier(block_id, f"{pointer}/block_id")
        if isinstance(block_id, str):
            if block_id in self.block_ids:
                self.problem(f"duplicate block_id {block_id!r}", f"{pointer}/block_id")
            self.block_ids.add(block_id)
        getattr(self, f"_block_{kind}", lambda _b, _p: None)(block, pointer)
        self.sdk_block(block, pointer)

    def sdk_block(self, block: dict[str, Any], pointer: str) -> None:
        try:
            parsed = Block.parse(block)
            if parsed is not None:
                parsed.to_dict()
        except SlackObjectFormationError as error:
            self.problem(str(error), pointer)
        except (TypeError, AttributeError, KeyError, ValueError):
            self.problem("failed to match all allowed schemas", pointer)

    def _block_section(self, block: dict[str, Any], pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.problem("must provide text or fields", pointer)
        if "text" in block:
            self.text(block["text"], f"{pointer}/text", limit=3000)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.problem("must provide a non-empty array", f"{pointer}/fields")
            else:
                if len(fields) > 10:
                    self.problem("no more than 10 items allowed", f"{pointer}/fields")
                for index, field in enumerate(fields):
                    self.text(field, f"{pointer}/fields/{index}", limit=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory", action_ids=set())

    def _block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)

    def _block_context(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.problem("must provide a non-empty array", f"{pointer}/elements")
            return
        if len(elements) > 10:
            self.problem("no more than 10 items allowed", f"{pointer}/elements")
        for index, element in enumerate(elements):
            item = f"{pointer}/elements/{index}"
            if isinstance(element, dict) and element.get("type") == "image":
                continue
            self.text(element, item, limit=3000)

    def _block_actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.problem("must provide a non-empty array", f"{pointer}/elements")
            return
        if len(elements) > 25:
            self.problem("no more than 25 items allowed", f"{pointer}/elements")
        action_ids: set[str] = set()
        for index, element in enumerate(elements):
            self.element(element, f"{pointer}/elements/{index}", action_ids=action_ids)

    def _block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", limit=2000, plain_only=True)
        if "hint" in block:
            self.text(block["hint"], f"{pointer}/hint", limit=2000, plain_only=True)
        element = block.get("element")
        if isinstance(element, dict) and element.get("type") not in INPUT_ELEMENTS:
            self.problem("unsupported input element type", f"{pointer}/element/type")
            return
        self.element(element, f"{pointer}/element", action_ids=set())

    def element(self, element: Any, pointer: str, *, action_ids: set[str]) -> None:
        if not isinstance(element, dict):
            self.problem("must provide an object", pointer)
            return
        kind = element.get("type")
        if kind == "image":
            return
        if kind not in ACTION_ELEMENTS and kind not in INPUT_ELEMENTS:
            self.problem(f"unsupported element type {kind!r}", f"{pointer}/type")
            return
        action_id = element.get("action_id")
        self.identifier(action_id, f"{pointer}/action_id")
        if isinstance(action_id, str):
            if action_id in action_ids:
                self.problem(f"duplicate action_id {action_id!r}", f"{pointer}/action_id")
            action_ids.add(action_id)
        if "placeholder" in element:
            self.text(element["placeholder"], f"{pointer}/placeholder", limit=150, plain_only=True)
        if kind == "button":
            self.text(element.get("text"), f"{pointer}/text", limit=75, plain_only=True)
            self.max_length(element.get("value"), 2000, f"{pointer}/value")
            self.max_length(element.get("url"), 3000, f"{pointer}/url")
            if element.get("style") not in (None, "primary", "danger"):
                self.problem("must be one of primary, danger", f"{pointer}/style")
        elif kind in SELECTS_WITH_OPTIONS:
            self.option_list(element, pointer, limit=100, required=True)
        elif kind in CHOICE_ELEMENTS:
            self.option_list(element, pointer, limit=10, required=True, mrkdwn=True)
        elif kind == "overflow":
            self.option_list(element, pointer, limit=5, required=True)
        elif kind in EXTERNAL_SELECTS:
            self.option_list(element, pointer, limit=100, required=False)
        elif kind == "datepicker":
            self.picker_date(element.get("initial_date"), f"{pointer}/initial_date")
        elif kind == "timepicker":
            self.picker_time(element, pointer)
        elif kind == "datetimepicker":
            value = element.get("initial_date_time")
            if value is not None and (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 0 <= value <= DATE_TIME_MAX
            ):
                self.problem(
                    "must be a UNIX timestamp in seconds (10 digits)",
                    f"{pointer}/initial_date_time",
                )
        elif kind == "plain_text_input":
            self.max_length(element.get("initial_value"), 3000, f"{pointer}/initial_value")
            for key in ("min_length", "max_length"):
                value = element.get(key)
                if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
                    self.problem("must be an integer between 0 and 3000", f"{pointer}/{key}")

    def picker_date(self, value: Any, pointer: str) -> None:
        if value is None:
            return
        valid = isinstance(value, str) and _INITIAL_DATE.fullmatch(value) is not None
        if valid:
            try:
                date.fromisoformat(value)
            except ValueError:
                valid = False
        if not valid:
            self.problem("must be a date in the format YYYY-MM-DD", pointer)

    def picker_date_time(self, value: Any, pointer: str) -> None:
        if value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= DATE_TIME_MAX:
            self.problem("must be a UNIX timestamp in seconds (10 digits)", pointer)

    def picker_time(self, element: dict[str, Any], pointer: str) -> None:
        value = element.get("initial_time")
        if value is not None and (
            not isinstance(value, str) or _INITIAL_TIME.fullmatch(value) is None
        ):
            self.problem("must be a time in the format HH:mm", f"{pointer}/initial_time")
        zone = element.get("timezone")
        if zone is not None and not is_time_zone(zone):
            self.problem("must be a time zone in the IANA format", f"{pointer}/timezone")

    def option_list(
        self,
        element: dict[str, Any],
        pointer: str,
        *,
        limit: int,
        required: bool,
        mrkdwn: bool = False,
    ) -> None:
        options = element.get("options")
        groups = element.get("option_groups")
        if options is not None and groups is not None:
            self.problem("must provide options or option_groups, not both", pointer)
        if required and options is None and groups is None:
            self.problem("must provide options or option_groups", f"{pointer}/options")
        values: list[Any] = []
        if options is not None:
            values += self.options(options, f"{pointer}/options", limit=limit, mrkdwn=mrkdwn)
        if isinstance(groups, list):
            if len(groups) > 100:
                self.problem("no more than 100 items allowed", f"{pointer}/option_groups")
            for index, group in enumerate(groups):
                item = f"{pointer}/option_groups/{index}"
                if not isinstance(group, dict):
                    self.problem("must provide an object", item)
                    continue
                self.text(group.get("label"), f"{item}/label", limit=75, plain_only=True)
                values += self.options(group.get("options"), f"{item}/options", limit=100)
        initial = element.get("initial_options") or []
        if element.get("initial_option") is not None:
            initial = [element["initial_option"]]
        for index, option in enumerate(initial if isinstance(initial, list) else []):
            self.option(option, f"{pointer}/initial_options/{index}", mrkdwn=mrkdwn)
            value = option.get("value") if isinstance(option, dict) else None
            if (options is not None or groups is not None) and value not in values:
                self.problem(
                    "initial option must be one of the options",
                    f"{pointer}/initial_options/{index}",
                )

    def options(self, options: Any, pointer: str, *, limit: int, mrkdwn: bool = False) -> list[Any]:
        if not isinstance(options, list) or not options:
            self.problem("must provide a non-empty array", pointer)
            return []
        if len(options) > limit:
            self.problem(f"no more than {limit} items allowed", pointer)
        for index, option in enumerate(options):
            self.option(option, f"{pointer}/{index}", mrkdwn=mrkdwn)
        return [option.get("value") for option in options if isinstance(option, dict)]

    def option(self, option: Any, pointer: str, *, mrkdwn: bool = False) -> None:
        if not isinstance(option, dict):
            self.problem("must provide an object", pointer)
            return
        self.text(option.get("text"), f"{pointer}/text", limit=75, plain_only=not mrkdwn)
        value = option.get("value")
        if not isinstance(value, str) or not value:
            self.problem("must be a non-empty string", f"{pointer}/value")
        else:
            self.max_length(value, 150, f"{pointer}/value")
        if "description" in option:
            self.text(option["description"], f"{pointer}/description", limit=75)


def is_time_zone(name: Any) -> bool:
    """Whether `name` is an IANA time zone name (`America/Chicago`), as a timepicker's
    `timezone` must be."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith("/"):
        return False
    if ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def message_problems(blocks: Any) -> list[str]:
    """Every Block Kit problem of a message's `blocks`, Slack-style with json pointers."""
    walk = _Walk("")
    walk.blocks(blocks, "/blocks", limit=MESSAGE_MAX_BLOCKS)
    return walk.problems


def view_problems(view: Any) -> list[str]:
    """Every Block Kit problem of a modal or Home view, Slack-style with json pointers."""
    walk = _Walk("/view")
    if not isinstance(view, dict):
        walk.problem("must provide an object", "")
        return walk.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        walk.problem("must be one of modal, home", "/type")
        return walk.problems
    if kind == "modal":
        walk.text(view.get("title"), "/title", limit=MODAL_TEXT_MAX, plain_only=True)
        for key in ("submit", "close"):
            walk.text(
                view.get(key), f"/{key}", limit=MODAL_TEXT_MAX, plain_only=True, required=False
            )
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(block, dict) and block.get("type") == "input" for block in blocks
        )
        if has_input and view.get("submit") is None:
            walk.problem("a modal with input blocks must have a submit button", "/submit")
    elif view.get("submit") is not None or view.get("close") is not None:
        walk.problem("home views cannot have submit or close", "")
    walk.max_length(view.get("private_metadata"), PRIVATE_METADATA_MAX, "/private_metadata")
    walk.identifier(view.get("callback_id"), "/callback_id")
    walk.identifier(view.get("external_id"), "/external_id")
    walk.blocks(view.get("blocks"), "/blocks", limit=VIEW_MAX_BLOCKS)
    if not walk.problems:
        try:
            View(**view).to_dict()
        except SlackObjectFormationError as error:
            walk.problem(str(error), "")
        except (TypeError, AttributeError, KeyError, ValueError):
            walk.problem("failed to match all allowed schemas", "")
    return walk.problems
