"""The policy file's validator: every problem with its line and column, from a table."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from bot.policy.model import RiskKind, Where
from bot.policy.parse import PolicyFileError, parse_policy, read_policy_file

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = """\
default:
  approvers: [U0ALEX, U0SAM]
  channel: C0APPROVALS
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(dedent(text), source="policy.yml")
    return [str(problem) for problem in caught.value.problems]


CASES = {
    "empty file": ("", ["policy.yml:1:1: the file is empty; it needs a default: rule"]),
    "not a mapping": (
        "- default\n",
        ["policy.yml:1:1: the policy file must be a mapping (key: value lines), not a list"],
    ),
    "unknown top-level key": (
        DEFAULT + "rule:\n  - name: x\n",
        ["policy.yml:4:1: unknown key 'rule' in the policy file; did you mean 'rules'?"],
    ),
    "no default": (
        "rules: []\n",
        ["policy.yml:1:1: the policy file needs a default: rule (approvers and channel)"],
    ),
    "default without approvers and channel": (
        "default:\n  approvals_required: 1\n",
        ["policy.yml:2:3: default needs approvers", "policy.yml:2:3: default needs channel"],
    ),
    "misspelt field": (
        DEFAULT + "  aprovals_required: 2\n",
        [
            "policy.yml:4:3: unknown key 'aprovals_required' in default; "
            "did you mean 'approvals_required'?"
        ],
    ),
    "field twice": (
        DEFAULT + "  channel: C0OTHER\n",
        ["policy.yml:4:3: 'channel' is given twice in default"],
    ),
    "approvals as words": (
        DEFAULT + "  approvals_required: two\n",
        [
            "policy.yml:4:23: approvals_required must be a whole number, 1 or more, "
            "not the text 'two'"
        ],
    ),
    "no approvals": (
        DEFAULT + "  approvals_required: 0\n",
        ["policy.yml:4:23: approvals_required must be 1 or more, not 0"],
    ),
    "self-approval quoted": (
        DEFAULT + '  allow_self_approval: "yes"\n',
        ["policy.yml:4:24: allow_self_approval must be true or false, not the text 'yes'"],
    ),
    "duration without a unit": (
        DEFAULT + "  request_ttl: 4\n",
        [
            "policy.yml:4:16: request_ttl: '4' needs a unit (like 30m, 4h, 2d, 1w or 1d12h), "
            "or never"
        ],
    ),
    "duration in words": (
        DEFAULT + "  remind_every: every day\n",
        [
            "policy.yml:4:17: remind_every: 'every day' is not a duration like 30m, 4h, 2d, "
            "1w or 1d12h, or never"
        ],
    ),
    "never is not a longest temporary change": (
        DEFAULT + "  max_temporary: never\n",
        [
            "policy.yml:4:18: max_temporary: 'never' is not a duration like 30m, 4h, 2d, 1w "
            "or 1d12h, or unlimited"
        ],
    ),
    "empty duration": (
        DEFAULT + "  escalate_after:\n  escalate_to: U0BOSS\n",
        ["policy.yml:4:18: escalate_after must be a duration like 4h or 2d, or never, not nothing"],
    ),
    "channel by name": (
        "default:\n  approvers: U0ALEX\n  channel: '#sms-approvals'\n",
        [
            "policy.yml:3:12: channel must be the channel's id (C…, shown in the channel's "
            "details in Slack), not its name #sms-approvals"
        ],
    ),
    "channel not an id": (
        "default:\n  approvers: U0ALEX\n  channel: approvals\n",
        ["policy.yml:3:12: channel must be a Slack channel id like C012ABCDEF, not 'approvals'"],
    ),
    "approver entries": (
        """\
        default:
          approvers:
            - U0ALEX
            - alex@acme.example
            - "<@U0SAM>"
            - "@Telephony"
            - alex
            - U0ALEX
          channel: C0APPROVALS
        """,
        [
            "policy.yml:4:7: approvers: 'alex@acme.example' is an email address; give the "
            "person's Slack user id (U…)",
            "policy.yml:5:7: approvers: '<@U0SAM>' is a mention; give the bare user id (U0SAM)",
            "policy.yml:6:7: approvers: '@Telephony': user-group handles are lowercase",
            "policy.yml:7:7: approvers: 'alex' is neither a Slack user id (U012ABCDEF) nor a "
            "user-group handle (@admins)",
            "policy.yml:8:7: approvers: U0ALEX is listed twice",
        ],
    ),
    "nobody approves": (
        "default:\n  approvers: []\n  channel: C0APPROVALS\n",
        [
            "policy.yml:2:14: approvers names nobody; list Slack user ids (U…) or @user-groups",
        ],
    ),
    "approvers as a mapping": (
        "default:\n  approvers: {alex: U0ALEX}\n  channel: C0APPROVALS\n",
        [
            "policy.yml:2:14: approvers must be Slack user ids (U…) and @user-group handles "
            "(one, or a list), not a mapping"
        ],
    ),
    "an unquoted group handle": (
        "default:\n  approvers: @telephony-admins\n",
        [
            "policy.yml:2:14: not valid YAML: found character '@' that cannot start any token "
            '(put user-group handles in quotes: "@telephony-admins")'
        ],
    ),
    "broken YAML": (
        DEFAULT + "rules:\n  - name: x\n    match: name: y\n",
        ["policy.yml:6:16: not valid YAML: mapping values are not allowed here"],
    ),
    "rules not a list": (
        DEFAULT + "rules:\n  support: {}\n",
        ["policy.yml:5:3: rules must be a list (each rule starts with '- name:'), not a mapping"],
    ),
    "rule without name and match": (
        DEFAULT + "rules:\n  - approvers: U0NINA\n",
        [
            "policy.yml:5:5: a rule needs a name",
            "policy.yml:5:5: a rule needs match: (name, id, type or site); the default is for "
            "the rest",
        ],
    ),
    "empty match": (
        DEFAULT + "rules:\n  - name: all\n    match: {}\n",
        ["policy.yml:6:12: the match of rule 'all' is empty; give name, id, type or site"],
    ),
    "misspelt match key": (
        DEFAULT + "rules:\n  - name: q\n    match:\n      names: Support\n",
        [
            "policy.yml:7:7: unknown key 'names' in the match of rule 'q'; did you mean 'name'?",
        ],
    ),
    "bad globs": (
        DEFAULT
        + dedent(
            """\
        rules:
          - name: q
            match:
              name: ["Sup[port", "", "[z-a]*"]
              type: queue
              site: []
        """
        ),
        [
            "policy.yml:7:14: name pattern 'Sup[port': the '[' at character 4 is never "
            "closed with ']'",
            "policy.yml:7:26: name pattern '': is empty",
            "policy.yml:7:30: name pattern '[z-a]*': the range z-a is backwards (write a-z)",
            "policy.yml:8:13: type 'queue' fits no resource type; expected main_site, site or "
            "call_queue",
            "policy.yml:9:13: site lists no pattern",
        ],
    ),
    "rule names": (
        DEFAULT
        + dedent(
            """\
        rules:
          - name: default
            match: {id: "1"}
          - name: Support
            match: {id: "2"}
          - name: support
            match: {id: "3"}
        """
        ),
        [
            "policy.yml:5:11: 'default' cannot name a rule: the default and risky entries "
            "have their own sections",
            "policy.yml:9:11: another rule is already named 'support'",
        ],
    ),
    "unknown risky kind": (
        DEFAULT + "risky:\n  main:\n    approvals_required: 2\n",
        ["policy.yml:5:3: unknown key 'main' in risky; did you mean 'main_site'?"],
    ),
    "empty risky entry": (
        DEFAULT + "risky:\n  remove_all:\n",
        ["policy.yml:5:14: risky remove_all must be a mapping (key: value lines), not nothing"],
    ),
    "more approvals than approvers": (
        DEFAULT + "  approvals_required: 3\n",
        [
            "policy.yml:4:3: 3 approvals are required but only 2 approvers are listed and no "
            "user group is named"
        ],
    ),
    "a rule lists fewer approvers than the default requires": (
        DEFAULT
        + dedent(
            """\
          approvals_required: 2
        rules:
          - name: nights
            match: {name: "Night*"}
            approvers: U0NINA
        """
        ),
        [
            "policy.yml:8:5: 2 approvals are required (the default, line 4) but only 1 "
            "approver is listed and no user group is named"
        ],
    ),
    "a risky entry requires more than a rule lists": (
        DEFAULT
        + dedent(
            """\
        rules:
          - name: queues
            match: {type: call_queue}
            approvers: [U0NINA, U0CARLA]
          - name: boston
            match: {site: Boston*}
            approvers: U0BEN
        risky:
          main_site:
            approvals_required: 2
          remove_all:
            approvals_required: 3
        """
        ),
        [
            "policy.yml:13:5: 2 approvals are required but only 1 approver is listed "
            "(rule 'boston', line 10) and no user group is named",
            "policy.yml:15:5: 3 approvals are required but only 2 approvers are listed "
            "(the default, line 2) and no user group is named",
            "policy.yml:15:5: 3 approvals are required but only 2 approvers are listed "
            "(rule 'queues', line 7) and no user group is named",
            "policy.yml:15:5: 3 approvals are required but only 1 approver is listed "
            "(rule 'boston', line 10) and no user group is named",
        ],
    ),
    "escalation to nobody": (
        DEFAULT + "  escalate_after: 1d\n",
        ["policy.yml:4:3: escalate_after 1d needs escalate_to: who to escalate to"],
    ),
    "reminders after expiry": (
        DEFAULT
        + dedent(
            """\
          request_ttl: 1d
          remind_every: 4h
        rules:
          - name: slow
            match: {name: Billing}
            remind_every: 2d
        """
        ),
        [
            "policy.yml:9:5: remind_every 2d is not shorter than request_ttl 1d (the default, "
            "line 4): requests expire before a reminder"
        ],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_problem_is_named_with_its_line_and_column(case: str) -> None:
    text, expected = CASES[case]
    assert problems(text) == expected


def test_an_approver_group_makes_any_number_of_approvals_possible() -> None:
    policy = parse_policy(
        'default:\n  approvers: ["@admins"]\n  channel: C0A\n  approvals_required: 5\n',
        source="policy.yml",
    )
    assert policy.default.settings.approvals_required == 5


def test_risky_main_site_is_not_checked_against_rules_that_never_match_the_main_site() -> None:
    text = DEFAULT + dedent(
        """\
        rules:
          - name: queues
            match: {type: call_queue}
            approvers: U0NINA
        risky:
          main_site:
            approvals_required: 2
        """
    )
    policy = parse_policy(text, source="policy.yml")
    assert policy.risky[RiskKind.MAIN_SITE].settings.approvals_required == 2


def test_the_error_is_one_line_naming_the_first_problem_and_how_many_more() -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy("default:\n  approvers: alex\n  channel: approvals\n", source="p.yml")
    message = str(caught.value)
    assert message == (
        "Invalid policy file p.yml:2:14: approvers: 'alex' is neither a Slack user id "
        "(U012ABCDEF) nor a user-group handle (@admins) (and 1 more problem: "
        "sms-handlers policy check p.yml)"
    )


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as caught:
        read_policy_file(tmp_path / "nope.yml")
    assert str(caught.value) == f"Invalid policy file {tmp_path / 'nope.yml'}: no such file"


def test_the_example_file_is_valid_and_read_as_written() -> None:
    policy = read_policy_file(ROOT / "policy.example.yml")
    default = policy.default.settings
    assert default.approvers == ("@telephony-admins", "U0ALEX")
    assert default.channel == "C0APPROVALS"
    assert default.request_ttl == timedelta(days=3)
    assert default.max_temporary == timedelta(days=14)
    assert [rule.name for rule in policy.rules] == ["support queues", "Boston"]
    support = policy.rules[0]
    assert set(support.settings.origins) == {
        "approvers", "channel", "request_ttl", "remind_every", "escalate_after"
    }  # fmt: skip
    assert support.settings.origins["channel"] == Where(str(ROOT / "policy.example.yml"), 33, 5)
    assert sorted(policy.risky) == [RiskKind.MAIN_SITE, RiskKind.REMOVE_ALL]


def test_turning_a_default_off_in_a_rule() -> None:
    text = DEFAULT + "  request_ttl: 3d\nrules:\n  - name: q\n    match: {id: '1'}\n"
    text += "    request_ttl: never\n    max_temporary: unlimited\n"
    rule = parse_policy(text, source="policy.yml").rules[0]
    assert rule.settings.request_ttl is None and "request_ttl" in rule.settings.origins
    assert rule.settings.max_temporary is None and "max_temporary" in rule.settings.origins
