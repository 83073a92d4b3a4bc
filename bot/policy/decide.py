"""Which rule applies to a change of a resource: the first rule whose `match` fits, else the
default; then, for a risky change, the risky entries on top."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.domain import Resource, ResourceType
from bot.policy.model import RISK_ORDER, Policy, PolicyDecision, RiskKind, Rule


@dataclass(frozen=True)
class ProposedChange:
    """A change of a resource's handlers, by extension id."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    current: tuple[str, ...] = ()  # the handlers before the change

    @property
    def removes_every_handler(self) -> bool:
        """Whether the resource has handlers now and would have none after the change."""
        if not self.current:
            return False
        return not (set(self.current) - set(self.remove)) and not self.add


def matching_rule(policy: Policy, resource: Resource) -> Rule:
    """The first rule whose `match` fits the resource, else the default."""
    return next((rule for rule in policy.rules if rule.match.matches(resource)), policy.default)


def risks_of(resource: Resource, change: ProposedChange | None) -> tuple[RiskKind, ...]:
    """What makes this change risky (a change to the main site, or removing every handler)."""
    risks = []
    if resource.type is ResourceType.MAIN_SITE:
        risks.append(RiskKind.MAIN_SITE)
    if change is not None and change.removes_every_handler:
        risks.append(RiskKind.REMOVE_ALL)
    return tuple(risks)


def decide(policy: Policy, resource: Resource, change: ProposedChange | None) -> PolicyDecision:
    """The rule that applies to `change` of `resource`, with every field in effect (without a
    change: the rule for the resource, risky only when it is the main site)."""
    return decide_for_risks(policy, resource, risks_of(resource, change))


def decide_for_risks(
    policy: Policy, resource: Resource, risks: Collection[RiskKind]
) -> PolicyDecision:
    """The decision for a change of `resource` that has these risks."""
    rule = matching_rule(policy, resource)
    settings = policy.default.settings
    if rule is not policy.default:
        settings = settings.overridden_by(rule.settings)
    applied = tuple(kind for kind in RISK_ORDER if kind in risks and kind in policy.risky)
    for kind in applied:
        settings = settings.overridden_by(policy.risky[kind].settings)
    return PolicyDecision.of(rule, applied, settings)
