"""`sms-handlers policy check FILE` and `sms-handlers policy explain QUERY`: the approval policy
file from a terminal. The policy modules are imported inside the handlers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.domain import Resource
    from bot.policy.model import Policy


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `policy check` and `policy explain`."""
    policy = subparsers.add_parser(
        "policy",
        help="check the approval policy file, or show which rule applies to a resource",
        description="The approval policy file (SMS_HANDLERS_POLICY): who approves which "
        "changes, in which channel, and for how long.",
    )
    actions = policy.add_subparsers(dest="policy_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a policy file",
        description="Validate a policy file: a summary of its rules and exit 0, or one line "
        "per problem (FILE:LINE:COLUMN: what is wrong) and exit 1.",
    )
    check.add_argument("file", type=Path, metavar="FILE", help="the policy file")
    check.set_defaults(handler=run_check)

    explain = actions.add_parser(
        "explain",
        help="show which rule applies to a resource and who may approve its changes",
        description="Find a resource as `sms-handlers handlers QUERY` does and show the rule of "
        "the policy that applies to it: approvers, approvals needed, channel, expiry, "
        "reminders, escalation, the longest temporary change, and what risky changes alter.",
    )
    explain.add_argument("query", nargs="+", metavar="QUERY", help="what to look up")
    explain.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="use this policy file instead of SMS_HANDLERS_POLICY",
    )
    explain.add_argument(
        "--sandbox",
        action="store_true",
        help="use the built-in demo RingCentral account (run in-process) instead of the settings",
    )
    explain.set_defaults(handler=run_explain)


def run_check(args: argparse.Namespace) -> int:
    """Print a summary of a valid file (exit 0) or every problem of an invalid one (exit 1)."""
    from bot.policy.parse import PolicyFileError, read_policy_file

    try:
        policy = read_policy_file(args.file)
    except PolicyFileError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    print("\n".join(summary_lines(policy)))
    return 0


def summary_lines(policy: Policy) -> list[str]:
    """The file's rules, one line each."""
    from bot.policy.describe import fields_text, match_text
    from bot.policy.model import RULE_FIELDS

    rules = len(policy.rules)
    lines = [
        f"{policy.source} is valid: the default, {rules} rule{'s' if rules != 1 else ''} "
        f"(tried in order, the first that matches applies) and {len(policy.risky)} risky "
        f"entr{'ies' if len(policy.risky) != 1 else 'y'}."
    ]
    default = policy.default
    lines.append(
        f"default (line {default.where.line}): {fields_text(default.settings, RULE_FIELDS)}"
    )
    for number, rule in enumerate(policy.rules, start=1):
        sets = fields_text(rule.settings, rule.settings.origins) or "nothing more"
        lines.append(
            f"{number}. {rule.name} (line {rule.where.line}), for {match_text(rule.match)}: {sets}"
        )
    for kind, entry in policy.risky.items():
        sets = fields_text(entry.settings, entry.settings.origins) or "nothing more"
        lines.append(f"risky {kind.value} (line {entry.where.line}), {kind.label}: {sets}")
    return lines


def run_explain(args: argparse.Namespace) -> Any:
    """The `policy explain` handler: a coroutine returning the exit code."""
    return _explain(query=" ".join(args.query), sandbox=bool(args.sandbox), path=args.policy)


async def _explain(*, query: str, sandbox: bool, path: Path | None) -> int:
    from bot.cli.rc_context import open_directory
    from bot.config import load_settings
    from bot.policy.load import load_policy
    from bot.policy.parse import read_policy_file
    from bot.services.lookup import LookupStatus

    settings = load_settings()
    policy = read_policy_file(path) if path is not None else load_policy(settings)
    async with open_directory(sandbox=sandbox, settings=settings) as directory:
        found = await directory.lookup(query=query)
    if found.status is not LookupStatus.FOUND or found.resource is None:
        message = found.note or f'Nothing matches "{query}".'
        print(f"sms-handlers: {message}", file=sys.stderr)
        return 1
    print("\n".join(explain_lines(policy, found.resource)))
    return 0


def explain_lines(policy: Policy, resource: Resource) -> list[str]:
    """Which rule applies to changes of `resource`, every field in effect, and what the risky
    entries change."""
    from bot.labels import resource_title
    from bot.policy.decide import decide_for_risks, matching_rule, risks_of
    from bot.policy.describe import change_rows, field_rows, match_text
    from bot.policy.model import ENVIRONMENT, RiskKind
    from bot.services.policy import fields_not_acted_on

    where = f" on {resource.site_name}" if resource.site_name else ""
    lines = [f"{resource_title(resource)}{where}"]
    if policy.source == ENVIRONMENT:
        lines.append(
            "Policy: none (SMS_HANDLERS_POLICY is not set), so one rule from "
            "SMS_HANDLERS_APPROVERS, SMS_HANDLERS_APPROVAL_CHANNEL and "
            "SMS_HANDLERS_ALLOW_SELF_APPROVAL applies to every change."
        )
    else:
        lines.append(f"Policy: {policy.source}")
        rule = matching_rule(policy, resource)
        if rule is policy.default:
            lines.append(f"Rule: the default (line {rule.where.line}); no rule matches")
        else:
            lines.append(
                f"Rule: {rule.name} (line {rule.where.line}), for {match_text(rule.match)}"
            )
    plain = decide_for_risks(policy, resource, ())
    usual = decide_for_risks(policy, resource, risks_of(resource, None))
    lines.append("")
    lines.append(_table(field_rows(usual)))
    risky = policy.risky
    main_site = risky.get(RiskKind.MAIN_SITE)
    if RiskKind.MAIN_SITE in usual.risks and main_site is not None:
        lines.append("")
        lines.append(
            f"Every change here is {RiskKind.MAIN_SITE.label}, so risky main_site "
            f"(line {main_site.where.line}) changes the rule:"
        )
        lines.append(_table(change_rows(plain, usual, main_site.settings.origins)))
    remove_all = risky.get(RiskKind.REMOVE_ALL)
    if remove_all is not None:
        emptied = decide_for_risks(policy, resource, (*usual.risks, RiskKind.REMOVE_ALL))
        lines.append("")
        lines.append(
            f"For {RiskKind.REMOVE_ALL.label}, risky remove_all (line {remove_all.where.line}) "
            "changes it:"
        )
        rows = change_rows(usual, emptied, remove_all.settings.origins)
        lines.append(_table(rows))
    if not risky:
        lines.append("")
        lines.append(
            "Risky changes (removing every handler, changes to the main site) follow the same "
            "rule: the policy has no risky: entries."
        )
    unused = fields_not_acted_on(policy)
    if unused:
        lines.append("")
        lines.append(
            f"Note: this version checks and shows {', '.join(unused)} but does not act on them yet."
        )
    return lines


def _table(rows: list[list[str]]) -> str:
    from bot.cli.table import render_table

    text = render_table(["FIELD", "VALUE", "FROM"], rows)
    return "\n".join(f"  {line}" for line in text.splitlines())
