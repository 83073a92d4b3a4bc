"""Slack payload fixtures from tests/fixtures/slack/payloads (from Slack's SDKs and docs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "payloads"


def load_with_metadata(name: str) -> dict[str, Any]:
    """The fixture file as stored, `_source` / `_notes` / `_headers` ... included."""
    path = PAYLOADS_DIR / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load(name: str) -> dict[str, Any]:
    """The fixture as Slack sends or answers it: metadata keys (leading `_`) stripped."""
    return {k: v for k, v in load_with_metadata(name).items() if not k.startswith("_")}


def key_tree(value: Any) -> Any:
    """The key structure of a JSON value: dicts become {key: subtree}, lists their first item's."""
    if isinstance(value, dict):
        return {key: key_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_tree(value[0])] if value else []
    return None
