"""Checks of the rules as they take effect: each rule on top of the default, with each risky
entry that can apply on top of that. A problem is reported where the last of the fields it
involves was set, and says where the others came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations
from typing import Any

from bot.domain import ResourceType
from bot.policy.durations import format_duration
from bot.policy.model import RISK_ORDER, Policy, Problem, RiskKind, Rule, RuleSettings

_BUILT_IN = RuleSettings()


def check_policy(policy: Policy) -> list[Problem]:
    """Every problem of the effective rules, once each, in file order."""
    problems: list[Problem] = []
    for base in (policy.default, *policy.rules):
        for risks in _risk_combinations(policy, base):
            layers = [policy.default]
            if base is not policy.default:
                layers.append(base)
            layers.extend(policy.risky[kind] for kind in risks)
            problems.extend(_Layers(tuple(layers)).problems())
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.where.line or 0, p.where.column or 0))


def _risk_combinations(policy: Policy, base: Rule) -> list[tuple[RiskKind, ...]]:
    kinds = [kind for kind in RISK_ORDER if kind in policy.risky]
    if base is not policy.default:  # an offboarding is held to the default rule only
        kinds = [kind for kind in kinds if kind is not RiskKind.OFFBOARDING]
    if base is not policy.default and not base.match.may_match(ResourceType.MAIN_SITE):
        kinds = [kind for kind in kinds if kind is not RiskKind.MAIN_SITE]
    return [combo for size in range(len(kinds) + 1) for combo in combinations(kinds, size)]


@dataclass(frozen=True)
class _Layers:
    """Rules stacked in the order they override each other."""

    layers: tuple[Rule, ...]

    def setter(self, field: str) -> Rule | None:
        """The last layer that sets `field` (None: the built-in default)."""
        return next((r for r in reversed(self.layers) if field in r.settings.origins), None)

    def value(self, field: str) -> Any:
        layer = self.setter(field)
        return getattr((layer.settings if layer else _BUILT_IN), field)

    def blame(self, *fields: str) -> tuple[Rule, str]:
        """The last layer setting any of `fields`, and the first of them it sets."""
        for layer in reversed(self.layers):
            for field in fields:
                if field in layer.settings.origins:
                    return layer, field
        return self.layers[0], fields[0]

    def note(self, field: str, blamed: Rule) -> str:
        """Where `field` came from, unless from the layer the problem is reported in."""
        layer = self.setter(field)
        if layer is blamed:
            return ""
        if layer is None:
            return " (built in)"
        return f" ({layer.label}, line {layer.settings.origins[field].line})"

    def report(self, fields: tuple[str, ...], message: Callable[[Rule], str]) -> Problem:
        """A problem about `fields`, placed where the last of them was set."""
        blamed, field = self.blame(*fields)
        where = blamed.settings.origins.get(field, blamed.where)
        return Problem(where, message(blamed))

    def problems(self) -> list[Problem]:
        checks = (self.too_few_approvers, self.escalation_to_nobody, self.after_expiry)
        return [problem for check in checks for problem in check()]

    def too_few_approvers(self) -> list[Problem]:
        approvers: tuple[str, ...] = self.value("approvers")
        required: int = self.value("approvals_required")
        named = [a for a in approvers if not a.startswith("@")]
        if required <= len(named) or len(named) < len(approvers):
            return []
        are = "approver is" if len(named) == 1 else "approvers are"
        return [
            self.report(
                ("approvals_required", "approvers"),
                lambda at: (
                    f"{required} approvals are required"
                    f"{self.note('approvals_required', at)} but only {len(named)} {are} listed"
                    f"{self.note('approvers', at)} and no user group is named"
                ),
            )
        ]

    def escalation_to_nobody(self) -> list[Problem]:
        after = self.value("escalate_after")
        if after is None or self.value("escalate_to"):
            return []
        return [
            self.report(
                ("escalate_after", "escalate_to"),
                lambda at: (
                    f"escalate_after {format_duration(after)}"
                    f"{self.note('escalate_after', at)} needs escalate_to: who to escalate to"
                ),
            )
        ]

    def after_expiry(self) -> list[Problem]:
        """Reminders or escalation due no sooner than the request expires."""
        ttl = self.value("request_ttl")
        found = []
        for field, what in (("remind_every", "a reminder"), ("escalate_after", "escalation")):
            interval = self.value(field)
            if ttl is not None and interval is not None and interval >= ttl:
                found.append(self.expires_first(field, what, interval=interval, ttl=ttl))
        return found

    def expires_first(
        self, field: str, what: str, *, interval: timedelta, ttl: timedelta
    ) -> Problem:
        return self.report(
            (field, "request_ttl"),
            lambda at: (
                f"{field} {format_duration(interval)}{self.note(field, at)} is not shorter "
                f"than request_ttl {format_duration(ttl)}{self.note('request_ttl', at)}: requests "
                f"expire before {what}"
            ),
        )
