"""Reading what a person entered in a modal (`view.state.values`).

Slack fills the state from the modal's inputs, but a payload can hold anything: every reader
takes only what has the shape Slack gives it (text for a text input, options with text values
for a select) and reads anything else as nothing entered, which the service then refuses with its
own message (say why, choose someone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _value(view: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    block = values.get(block_id) if isinstance(values, Mapping) else None
    found = block.get(action_id) if isinstance(block, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def input_text(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """A plain_text_input's value (None when empty or not text)."""
    text = _value(view, block_id, action_id).get("value")
    return text if isinstance(text, str) and text else None


def selected_values(view: Mapping[str, Any], block_id: str, action_id: str) -> tuple[str, ...]:
    """The option values chosen in a multi-select or checkboxes element."""
    options = _value(view, block_id, action_id).get("selected_options")
    if not isinstance(options, list):
        return ()
    values = (o.get("value") for o in options if isinstance(o, Mapping))
    return tuple(v for v in values if isinstance(v, str))


def selected_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """The option value chosen in a single select (None when nothing is chosen)."""
    option = _value(view, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return value if isinstance(value, str) and value else None


def selected_date(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """A datepicker's date as Slack sends it (YYYY-MM-DD; checked by the service)."""
    value = _value(view, block_id, action_id).get("selected_date")
    return value if isinstance(value, str) and value else None


def selected_time(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """A timepicker's time as Slack sends it (HH:mm; checked by the service)."""
    value = _value(view, block_id, action_id).get("selected_time")
    return value if isinstance(value, str) and value else None
