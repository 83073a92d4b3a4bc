"""Reading what a person entered in a modal (`view.state.values`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _value(view: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    found = (values.get(block_id) or {}).get(action_id)
    return found if isinstance(found, Mapping) else {}


def input_text(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """A plain_text_input's value (None when empty)."""
    text = _value(view, block_id, action_id).get("value")
    return str(text) if text else None


def selected_values(view: Mapping[str, Any], block_id: str, action_id: str) -> tuple[str, ...]:
    """The option values chosen in a multi-select or checkboxes element."""
    options = _value(view, block_id, action_id).get("selected_options") or []
    return tuple(str(option["value"]) for option in options if "value" in option)
