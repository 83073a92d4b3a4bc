"""Which rule applies: first match wins, fields inherited from the default, risky entries on
top. Table-driven over the resources of a small account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from textwrap import dedent

import pytest

from bot.domain import ApprovalTerms, Resource, ResourceType
from bot.policy.decide import ProposedChange, decide, decide_for_risks, matching_rule
from bot.policy.describe import LABELS, field_rows
from bot.policy.model import RULE_FIELDS, RiskKind, Where, environment_policy
from bot.policy.parse import parse_policy

POLICY = parse_policy(
    dedent(
        """\
        default:
          approvers: [U0ALEX, "@telephony-admins"]
          channel: C0APPROVALS
          request_ttl: 3d
        rules:
          - name: support
            match:
              type: call_queue
              name: ["support", "support *"]
            approvers: ["@support-leads"]
            channel: C0SUPPORT
          - name: by id
            match: {id: "40[0-9]9"}
            approvers: "@ids"
          - name: boston
            match: {site: "boston*"}
            approvers: "@boston"
          - name: main
            match: {site: main-site}
            approvers: "@main"
          - name: queues
            match: {type: "call_*"}
            approvers: "@queues"
        risky:
          main_site:
            approvers: ["@admins"]
            approvals_required: 2
          remove_all:
            approvals_required: 3
            allow_self_approval: false
        """
    ),
    source="policy.yml",
)


def queue(id: str, name: str, site_id: str, site_name: str) -> Resource:
    return Resource(
        id=id, type=ResourceType.CALL_QUEUE, name=name, site_id=site_id, site_name=site_name
    )


MAIN = Resource(id="1000", type=ResourceType.MAIN_SITE, name="Acme Corp HQ")
BOSTON = Resource(id="2000", type=ResourceType.SITE, name="Boston Office")
DENVER = Resource(id="3000", type=ResourceType.SITE, name="Denver Office")


@pytest.mark.parametrize(
    ("resource", "rule"),
    [
        (queue("4001", "Support", "main-site", "Acme Corp HQ"), "support"),
        (queue("4004", "SUPPORT ESCALATIONS", "main-site", "Acme Corp HQ"), "support"),
        (queue("4005", "Supporters", "main-site", "Acme Corp HQ"), "main"),
        (queue("4009", "Night line", "3000", "Denver Office"), "by id"),
        (queue("4002", "Sales", "2000", "Boston Office"), "boston"),
        (BOSTON, "boston"),
        (queue("4003", "Billing", "3000", "Denver Office"), "queues"),
        (DENVER, "default"),
        (MAIN, "main"),
        (queue("4006", "Operator", "main-site", "Acme Corp HQ"), "main"),
    ],
    ids=lambda value: value.name if isinstance(value, Resource) else value,
)
def test_the_first_matching_rule_applies(resource: Resource, rule: str) -> None:
    assert matching_rule(POLICY, resource).name == rule
    assert decide(POLICY, resource, None).rule == rule


def test_a_rule_inherits_what_it_leaves_out_from_the_default() -> None:
    decision = decide(POLICY, queue("4001", "Support", "main-site", "Acme Corp HQ"), None)
    assert decision.approvers == ("@support-leads",)
    assert decision.channel == "C0SUPPORT"
    assert decision.request_ttl == timedelta(days=3)
    assert decision.approvals_required == 1 and decision.allow_self_approval is False
    assert decision.remind_every is None and decision.max_temporary is None
    assert decision.where == Where("policy.yml", 6, 5)
    assert decision.origins["approvers"] == Where("policy.yml", 10, 5)
    assert decision.origins["request_ttl"] == Where("policy.yml", 4, 3)
    assert "approvals_required" not in decision.origins  # built in


SUPPORT = queue("4001", "Support", "main-site", "Acme Corp HQ")
EMPTIED = ProposedChange(remove=("6001", "6002"), current=("6001", "6002"))
ADDED = ProposedChange(add=("6003",), current=("6001",))


@pytest.mark.parametrize(
    ("resource", "change", "risks", "approvers", "approvals"),
    [
        (SUPPORT, ADDED, (), ("@support-leads",), 1),
        (SUPPORT, EMPTIED, (RiskKind.REMOVE_ALL,), ("@support-leads",), 3),
        (MAIN, ADDED, (RiskKind.MAIN_SITE,), ("@admins",), 2),
        (MAIN, None, (RiskKind.MAIN_SITE,), ("@admins",), 2),
        (MAIN, EMPTIED, (RiskKind.MAIN_SITE, RiskKind.REMOVE_ALL), ("@admins",), 3),
        (DENVER, EMPTIED, (RiskKind.REMOVE_ALL,), ("U0ALEX", "@telephony-admins"), 3),
    ],
)
def test_risky_changes_override_the_matched_rule(
    resource: Resource,
    change: ProposedChange | None,
    risks: tuple[RiskKind, ...],
    approvers: tuple[str, ...],
    approvals: int,
) -> None:
    decision = decide(POLICY, resource, change)
    assert decision.risks == risks
    assert decision.approvers == approvers
    assert decision.approvals_required == approvals


def test_a_risk_without_an_entry_changes_nothing() -> None:
    policy = parse_policy("default:\n  approvers: U0A\n  channel: C0A\n", source="p.yml")
    decision = decide_for_risks(policy, MAIN, (RiskKind.MAIN_SITE, RiskKind.REMOVE_ALL))
    assert decision.risks == ()
    assert decision.rule == "default"


@pytest.mark.parametrize(
    ("change", "removes_every_handler"),
    [
        (ProposedChange(remove=("a", "b"), current=("a", "b")), True),
        (ProposedChange(remove=("a", "x"), current=("a",)), True),
        (ProposedChange(add=("c",), remove=("a", "b"), current=("a", "b")), False),
        (ProposedChange(remove=("a",), current=("a", "b")), False),
        (ProposedChange(add=("c",)), False),
        (ProposedChange(), False),
    ],
)
def test_removing_every_handler(change: ProposedChange, removes_every_handler: bool) -> None:
    assert change.removes_every_handler is removes_every_handler


def test_without_a_file_one_rule_from_the_environment_applies_to_everything() -> None:
    policy = environment_policy(
        approvers=("U0ALEX", "@telephony-admins"), channel="C0APPROVALS", allow_self_approval=True
    )
    decision = decide(policy, MAIN, EMPTIED)
    assert (decision.rule, decision.risks) == ("default", ())
    assert decision.approvers == ("U0ALEX", "@telephony-admins")
    assert decision.channel == "C0APPROVALS" and decision.allow_self_approval is True
    assert decision.origins["approvers"] == Where("SMS_HANDLERS_APPROVERS")


def test_every_field_has_a_label_and_reads_as_words() -> None:
    decision = decide(POLICY, MAIN, EMPTIED)
    assert set(LABELS) == set(RULE_FIELDS)
    assert [row[:2] for row in field_rows(decision)] == [
        ["approvers", "@admins"],
        ["approvals needed", "3 distinct approvers"],
        ["self-approval", "not allowed"],
        ["approval channel", "C0APPROVALS"],
        ["request expires", "after 3d"],
        ["reminders", "none"],
        ["escalation", "none"],
        ["escalate to", "nobody"],
        ["temporary changes", "no limit"],
    ]


def test_the_terms_a_new_request_is_held_to() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    support = queue("4001", "Support", "2000", "Boston Office")
    assert decide(POLICY, support, ProposedChange(add=("1",))).terms(now=now) == ApprovalTerms(
        rule="support",
        approvals_required=1,
        channel="C0SUPPORT",
        expires_at=now + timedelta(days=3),
    )
    emptied = decide(POLICY, MAIN, ProposedChange(remove=("1",), current=("1",)))
    terms = emptied.terms(now=now)
    assert terms.rule == "main, risky.main_site, risky.remove_all"
    assert (terms.approvals_required, terms.channel) == (3, "C0APPROVALS")
    assert (terms.remind_every, terms.escalate_at) == (None, None)


def test_an_offboarding_is_held_to_the_default_rule_with_risky_offboarding_on_top() -> None:
    plain = POLICY.offboarding()  # no `risky: offboarding`: the default rule as it is
    assert (plain.rule, plain.risks) == ("default", ())
    assert plain.approvers == ("U0ALEX", "@telephony-admins") and plain.approvals_required == 1
    strict = parse_policy(
        dedent(
            """\
            default:
              approvers: [U0ALEX]
              channel: C0APPROVALS
            rules:
              - name: queues
                match: {type: call_queue}
                approvers: ["@queues"]
            risky:
              offboarding:
                approvers: ["@hr", U0ALEX]
                approvals_required: 2
                channel: C0HR
            """
        ),
        source="policy.yml",
    )
    decision = strict.offboarding()
    assert decision.rule_label == "default, risky.offboarding"
    assert decision.approvers == ("@hr", "U0ALEX") and decision.approvals_required == 2
    assert decision.channel == "C0HR"
    # A rule matched by resource never applies to an offboarding, nor the entry to a change.
    queue = Resource(id="4001", type=ResourceType.CALL_QUEUE, name="Support")
    assert decide(strict, queue, ProposedChange(remove=("6001",))).risks == ()
