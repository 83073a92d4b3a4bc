"""The policy in words: what each field means for people, where it was set, what a rule
matches. Plain text, unescaped (a Slack view escapes it before it goes into mrkdwn)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from bot.policy.durations import format_duration
from bot.policy.model import (
    ENVIRONMENT,
    RULE_FIELDS,
    PolicyDecision,
    ResourceMatch,
    RuleSettings,
    Where,
)

LABELS = {
    "approvers": "approvers",
    "approvals_required": "approvals needed",
    "allow_self_approval": "self-approval",
    "channel": "approval channel",
    "request_ttl": "request expires",
    "remind_every": "reminders",
    "escalate_after": "escalation",
    "escalate_to": "escalate to",
    "max_temporary": "temporary changes",
}


def entries_text(entries: Sequence[str]) -> str:
    """`@support-leads, U0SAM`, or `nobody`."""
    return ", ".join(entries) if entries else "nobody"


def value_text(name: str, value: object) -> str:
    """One field's value as people read it: `after 3d`, `not allowed`, `up to 14d`."""
    if isinstance(value, tuple):
        return entries_text(value)
    if isinstance(value, bool):
        return "allowed" if value else "not allowed"
    if isinstance(value, int):
        return f"{value} distinct approver{'s' if value != 1 else ''}"
    if name == "channel":
        return str(value) if value else "not set"
    assert value is None or isinstance(value, timedelta)
    templates = {
        "request_ttl": ("after {}", "never"),
        "remind_every": ("every {}", "none"),
        "escalate_after": ("after {}", "none"),
        "max_temporary": ("up to {}", "no limit"),
    }
    template, otherwise = templates[name]
    return template.format(format_duration(value)) if value is not None else otherwise


def origin_text(where: Where | None) -> str:
    """Where a value was set: `line 12`, `SMS_HANDLERS_APPROVERS`, or `built in`."""
    if where is None:
        return "built in"
    if where.line is None or where.source == ENVIRONMENT:
        return where.source
    return f"line {where.line}"


def fields_text(values: RuleSettings | PolicyDecision, names: Iterable[str]) -> str:
    """Some fields on one line: `approvers @a; approval channel C0X`."""
    return "; ".join(f"{LABELS[n]} {value_text(n, getattr(values, n))}" for n in names)


def field_rows(decision: PolicyDecision) -> list[list[str]]:
    """[label, value, where it was set] for every field of a decision."""
    return [
        [LABELS[n], value_text(n, getattr(decision, n)), origin_text(decision.origins.get(n))]
        for n in RULE_FIELDS
    ]


def change_rows(
    before: PolicyDecision, after: PolicyDecision, names: Iterable[str]
) -> list[list[str]]:
    """[label, `old → new` (or `value (unchanged)`), where it was set] for these fields."""
    rows = []
    for name in (n for n in RULE_FIELDS if n in set(names)):
        old, new = value_text(name, getattr(before, name)), value_text(name, getattr(after, name))
        shown = f"{new} (unchanged)" if old == new else f"{old} → {new}"
        rows.append([LABELS[name], shown, origin_text(after.origins.get(name))])
    return rows


def match_text(match: ResourceMatch) -> str:
    """`type call_queue, name Support | Support *`."""
    parts = [
        f"{key} {' | '.join(str(glob) for glob in globs)}"
        for key, globs in (
            ("type", match.types),
            ("name", match.names),
            ("id", match.ids),
            ("site", match.sites),
        )
        if globs
    ]
    return ", ".join(parts) if parts else "every resource"
