"""`sms-handlers policy explain QUERY --sandbox`: the resource found as `handlers` finds it, the
rule that applies to it, and what risky changes alter."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "policy.example.yml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_queue_matched_by_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "policy", "explain", "queue-support", "--sandbox", "--policy", str(EXAMPLE)
    )

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == [
        "Support (call queue, ext. 104) on Acme Corp HQ",
        f"Policy: {EXAMPLE}",
        "Rule: support queues (line 28), for type call_queue, name Support | Support *",
    ]
    table = [line.split("  ") for line in lines[4:15]]
    rows = [[cell.strip() for cell in row if cell.strip()] for row in table]
    assert rows == [
        ["FIELD", "VALUE", "FROM"],
        ["-----------------", "-------------------", "-------"],
        ["approvers", "@support-leads", "line 32"],
        ["approvals needed", "1 distinct approver", "line 15"],
        ["self-approval", "not allowed", "line 16"],
        ["approval channel", "C0SUPPORT", "line 33"],
        ["request expires", "after 1d", "line 34"],
        ["reminders", "every 4h", "line 35"],
        ["escalation", "after 12h", "line 36"],
        ["escalate to", "@it-managers", "line 20"],
        ["temporary changes", "up to 14d", "line 21"],
    ]
    assert "For a change that removes every handler, risky remove_all (line 50) changes it:" in out
    assert "approvals needed  1 distinct approver → 2 distinct approvers  line 51" in out
    assert "self-approval     not allowed (unchanged)" in out
    assert "Every change here" not in out


def test_the_main_site_is_always_risky(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "explain", "main", "--sandbox", "--policy", str(EXAMPLE))

    assert code == 0
    assert "Rule: the default (line 12); no rule matches" in out
    assert (
        "Every change here is a change to the main site, so risky main_site (line 47) "
        "changes the rule:" in out
    )
    assert "approvers         @telephony-admins, U0ALEX → @telephony-admins  line 48" in out
    assert "approvals needed  1 distinct approver → 2 distinct approvers     line 49" in out
    assert "approvals needed  2 distinct approvers (unchanged)  line 51" in out


def test_a_site_rule_also_covers_the_site_itself(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMS_HANDLERS_POLICY", str(EXAMPLE))
    code, out, _ = run(capsys, "policy", "explain", "(617) 555-0121", "--sandbox")

    assert code == 0
    assert out.startswith("Boston Office (site, ext. 200)\n")
    assert "Rule: Boston (line 38), for site Boston*" in out
    assert "temporary changes  up to 7d" in out


def test_without_a_policy_file_the_environment_rule_applies(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMS_HANDLERS_APPROVERS", "U0ALEX,@telephony-admins")
    monkeypatch.setenv("SMS_HANDLERS_APPROVAL_CHANNEL", "C0APPROVALS")
    code, out, _ = run(capsys, "policy", "explain", "support", "--sandbox")

    assert code == 0
    assert "Policy: none (SMS_HANDLERS_POLICY is not set)" in out
    assert "Rule:" not in out
    assert "approvers          U0ALEX, @telephony-admins  SMS_HANDLERS_APPROVERS" in out
    assert "approval channel   C0APPROVALS                SMS_HANDLERS_APPROVAL_CHANNEL" in out
    assert "request expires    never                      built in" in out
    assert "follow the same rule: the policy has no risky: entries." in out
    assert "Note:" not in out


def test_an_invalid_policy_file_is_one_line_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "policy.yml"
    bad.write_text("default:\n  approvers: U0ALEX\n  channel: C0A\n  ttl: 1d\n", encoding="utf-8")
    code, out, err = run(capsys, "policy", "explain", "support", "--sandbox", "--policy", str(bad))

    assert (code, out) == (1, "")
    assert err == (
        f"sms-handlers: Invalid policy file {bad}:4:3: unknown key 'ttl' in default; "
        "expected approvers, approvals_required, allow_self_approval, channel, request_ttl, "
        "remind_every, escalate_after, escalate_to or max_temporary\n"
    )


def test_a_query_naming_several_resources_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "policy", "explain", "office", "--sandbox", "--policy", str(EXAMPLE)
    )

    assert (code, out) == (1, "")
    assert "Several resources match" in err
    assert "Boston Office (site, ext. 200)" in err and "Denver Office (site, ext. 300)" in err
