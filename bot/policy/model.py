"""The approval policy as records: rules matched by resource, what each rule sets, and the
decision for one change.

A policy has a default rule, rules tried in order (the first whose `match` fits the resource
wins) and risky entries (`main_site`, `remove_all`) that override the matched rule's fields for
risky changes. Each rule lists only the fields it sets (`RuleSettings.origins`); the others
come from the default, and the default's missing ones from the built-in defaults below.
Without a policy file the policy is only a default rule built from the environment
(`environment_policy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain import ApprovalTerms, Resource, ResourceType
from bot.policy.globs import Glob

MAIN_SITE_REF = "main-site"  # how bot.services.inventory names a call queue's main site


class RiskKind(StrEnum):
    """A risky change, with its own entry under `risky:`."""

    MAIN_SITE = "main_site"
    REMOVE_ALL = "remove_all"
    # An offboarding (one person removed from every resource they handle) is decided under
    # the default rule with this entry on top; the rules matched by resource do not apply to it.
    OFFBOARDING = "offboarding"

    @property
    def label(self) -> str:
        return {
            "main_site": "a change to the main site",
            "remove_all": "a change that removes every handler",
            "offboarding": "an offboarding (one person removed from every resource)",
        }[self.value]


# The order risky entries override the matched rule in, when a change is both.
RISK_ORDER = (RiskKind.MAIN_SITE, RiskKind.REMOVE_ALL, RiskKind.OFFBOARDING)

# Every field a rule may set, in the order they are shown.
RULE_FIELDS = (
    "approvers",
    "approvals_required",
    "allow_self_approval",
    "channel",
    "request_ttl",
    "remind_every",
    "escalate_after",
    "escalate_to",
    "max_temporary",
)


@dataclass(frozen=True)
class Where:
    """Where something was said: a place in the policy file, or an environment variable."""

    source: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.source
        return f"{self.source}:{self.line}:{self.column or 1}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file, where it is."""

    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class RuleSettings:
    """What a rule says. The values are the built-in defaults; a rule sets only the fields named
    in `origins` (with where each was set), and only those override another rule's."""

    approvers: tuple[str, ...] = ()  # Slack user ids and @user-group handles
    channel: str | None = None  # the approval channel's id
    approvals_required: int = 1  # distinct approvers needed (M of N)
    allow_self_approval: bool = False
    request_ttl: timedelta | None = None  # None: a pending request never expires
    remind_every: timedelta | None = None  # None: no reminders
    escalate_after: timedelta | None = None  # None: no escalation
    escalate_to: tuple[str, ...] = ()
    max_temporary: timedelta | None = None  # None: temporary changes of any length
    origins: Mapping[str, Where] = field(default_factory=dict)

    def overridden_by(self, other: RuleSettings) -> RuleSettings:
        """These settings with the fields `other` sets replaced by its values."""
        changes = {name: getattr(other, name) for name in other.origins}
        return replace(self, **changes, origins={**self.origins, **other.origins})


@dataclass(frozen=True)
class ResourceMatch:
    """Which resources a rule is for: every pattern list given must have a pattern that fits
    (an empty list fits everything)."""

    names: tuple[Glob, ...] = ()
    ids: tuple[Glob, ...] = ()
    types: tuple[Glob, ...] = ()
    sites: tuple[Glob, ...] = ()

    def matches(self, resource: Resource) -> bool:
        return (
            _fits(self.names, (resource.name,))
            and _fits(self.ids, (resource.id,))
            and _fits(self.types, (resource.type.value,))
            and _fits(self.sites, site_keys(resource))
        )

    def may_match(self, resource_type: ResourceType) -> bool:
        """Whether a resource of this type can match at all (judged on `type` alone)."""
        return _fits(self.types, (resource_type.value,))


def site_keys(resource: Resource) -> tuple[str, ...]:
    """What `site:` patterns are compared with: a queue's site (id and name), a site itself,
    the main site itself (also as `main-site`)."""
    if resource.type is ResourceType.CALL_QUEUE:
        return tuple(key for key in (resource.site_id, resource.site_name) if key)
    if resource.type is ResourceType.MAIN_SITE:
        return (resource.id, MAIN_SITE_REF, resource.name)
    return (resource.id, resource.name)


def _fits(patterns: tuple[Glob, ...], keys: tuple[str, ...]) -> bool:
    return not patterns or any(p.matches(key) for p in patterns for key in keys)


@dataclass(frozen=True)
class Rule:
    """A named rule: the default, one of `rules:`, or a risky entry."""

    name: str
    where: Where
    settings: RuleSettings
    match: ResourceMatch = field(default_factory=ResourceMatch)

    @property
    def label(self) -> str:
        if self.name == "default":
            return "the default"
        if self.name.startswith("risky."):
            return self.name
        return f"rule '{self.name}'"


@dataclass(frozen=True)
class Policy:
    """The default rule, the rules in the order they are tried, and the risky entries."""

    source: str  # the policy file, or "environment"
    default: Rule
    rules: tuple[Rule, ...] = ()
    risky: Mapping[RiskKind, Rule] = field(default_factory=dict)

    def offboarding(self) -> PolicyDecision:
        """The rule an offboarding is held to: the default, with `risky: offboarding` on top
        when the policy has it (an offboarding spans resources, so no rule matched by resource
        applies to it)."""
        settings = self.default.settings
        entry = self.risky.get(RiskKind.OFFBOARDING)
        if entry is None:
            return PolicyDecision.of(self.default, (), settings)
        return PolicyDecision.of(
            self.default, (RiskKind.OFFBOARDING,), settings.overridden_by(entry.settings)
        )

    @property
    def every_rule(self) -> tuple[Rule, ...]:
        return (self.default, *self.rules, *(self.risky[k] for k in RISK_ORDER if k in self.risky))


@dataclass(frozen=True)
class PolicyDecision:
    """The rule that applies to one change of one resource, with every field in effect.

    Who may decide (`approvers`, `allow_self_approval`, and `escalate_to` once a request was
    escalated) is read from it whenever someone acts; how many approvals a request needs, its
    channel and its deadlines are fixed on the request when it is made (`terms`).
    `max_temporary` is for temporary changes.
    """

    rule: str  # "default" or the rule's name
    where: Where  # where that rule is written
    risks: tuple[RiskKind, ...]  # the risky entries that overrode it, in order
    approvers: tuple[str, ...]
    channel: str | None
    approvals_required: int
    allow_self_approval: bool
    request_ttl: timedelta | None
    remind_every: timedelta | None
    escalate_after: timedelta | None
    escalate_to: tuple[str, ...]
    max_temporary: timedelta | None
    # Where each field was set; absent: a built-in default. Compared but not hashed (a dict):
    # a card showing the decision is hashable, so identical cards are built once.
    origins: Mapping[str, Where] = field(hash=False)

    @classmethod
    def of(cls, rule: Rule, risks: tuple[RiskKind, ...], settings: RuleSettings) -> PolicyDecision:
        values = {name: getattr(settings, name) for name in RULE_FIELDS}
        return cls(
            rule=rule.name, where=rule.where, risks=risks, origins=settings.origins, **values
        )

    @property
    def rule_label(self) -> str:
        """The rule's name with the risky entries that overrode it: `default`,
        `support queues, risky.remove_all`."""
        return ", ".join((self.rule, *(f"risky.{kind.value}" for kind in self.risks)))

    def terms(self, *, now: datetime) -> ApprovalTerms:
        """What a request made `now` under this decision is held to."""
        return ApprovalTerms(
            rule=self.rule_label,
            approvals_required=self.approvals_required,
            channel=self.channel,
            expires_at=None if self.request_ttl is None else now + self.request_ttl,
            remind_every=self.remind_every,
            escalate_at=None if self.escalate_after is None else now + self.escalate_after,
        )


ENVIRONMENT = "environment"


def environment_policy(
    *, approvers: tuple[str, ...], channel: str | None, allow_self_approval: bool
) -> Policy:
    """Today's policy without a file: one default rule from SMS_HANDLERS_APPROVERS,
    SMS_HANDLERS_APPROVAL_CHANNEL and SMS_HANDLERS_ALLOW_SELF_APPROVAL."""
    origins = {
        "approvers": Where("SMS_HANDLERS_APPROVERS"),
        "allow_self_approval": Where("SMS_HANDLERS_ALLOW_SELF_APPROVAL"),
    }
    if channel:
        origins["channel"] = Where("SMS_HANDLERS_APPROVAL_CHANNEL")
    settings = RuleSettings(
        approvers=approvers,
        channel=channel,
        allow_self_approval=allow_self_approval,
        origins=origins,
    )
    return Policy(source=ENVIRONMENT, default=Rule("default", Where(ENVIRONMENT), settings))
