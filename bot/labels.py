"""How the product names resources and people, the same in Slack and in the terminal.

Plain text, unescaped: Slack views escape it before it goes into mrkdwn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: `sms-handlers --help` need not load bot.domain
    from bot.domain import Resource


def extension_label(extension_number: str) -> str:
    """`ext. 104`."""
    return f"ext. {extension_number}"


def person_label(name: str, extension_number: str | None = None) -> str:
    """`Ava Chen (ext. 1001)`, or the name alone without an extension number."""
    if not extension_number:
        return name
    return f"{name} ({extension_label(extension_number)})"


def resource_title(resource: Resource) -> str:
    """`Support (call queue, ext. 104)`: a resource as people recognise it."""
    kind = resource.type.label.lower()
    if resource.extension_number:
        return f"{resource.name} ({kind}, {extension_label(resource.extension_number)})"
    return f"{resource.name} ({kind})"
