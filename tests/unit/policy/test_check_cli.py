"""`sms-handlers policy check FILE`: a summary and exit 0, or one line per problem and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[3]


def test_a_valid_file_is_summarised_rule_by_rule(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["policy", "check", "policy.example.yml"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "policy.example.yml is valid: the default, 2 rules (tried in order, the first that "
        "matches applies) and 2 risky entries.",
        "default (line 12): approvers @telephony-admins, U0ALEX; approvals needed 1 distinct "
        "approver; self-approval not allowed; approval channel C0APPROVALS; request expires "
        "after 3d; reminders every 1d; escalation after 2d; escalate to @it-managers; "
        "temporary changes up to 14d",
        "1. support queues (line 28), for type call_queue, name Support | Support *: approvers "
        "@support-leads; approval channel C0SUPPORT; request expires after 1d; reminders every "
        "4h; escalation after 12h",
        "2. Boston (line 38), for site Boston*: approvers @boston-office, U0SAM; temporary "
        "changes up to 7d",
        "risky main_site (line 47), a change to the main site: approvers @telephony-admins; "
        "approvals needed 2 distinct approvers",
        "risky remove_all (line 50), a change that removes every handler: approvals needed 2 "
        "distinct approvers; self-approval not allowed",
    ]


def test_an_invalid_file_gets_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(
        "default:\n"
        "  approvers: [U0ALEX]\n"
        "  channel: '#sms-approvals'\n"
        "  approvals_required: 2\n"
        "rules:\n"
        "  - name: support\n"
        "    match: {nmae: Support}\n"
        "    request_ttl: 2 days\n",
        encoding="utf-8",
    )
    assert main(["policy", "check", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        f"{path}:3:12: channel must be the channel's id (C…, shown in the channel's details "
        "in Slack), not its name #sms-approvals",
        f"{path}:7:13: unknown key 'nmae' in the match of rule 'support'; did you mean 'name'?",
        f"{path}:8:18: request_ttl: '2 days' is not a duration like 30m, 4h, 2d, 1w or 1d12h, "
        "or never",
    ]


def test_the_rules_are_checked_once_the_file_reads_well(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(
        "default:\n  approvers: [U0ALEX]\n  channel: C0APPROVALS\n  approvals_required: 2\n",
        encoding="utf-8",
    )
    assert main(["policy", "check", str(path)]) == 1
    assert capsys.readouterr().out == (
        f"{path}:4:3: 2 approvals are required but only 1 approver is listed and no user "
        "group is named\n"
    )


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(tmp_path / "nope.yml")]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'nope.yml'}: no such file\n"
