"""`sms-handlers demo --script FILE`: the whole product in one process, replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

SCRIPT = """\
/sms-handlers support
press 1
pick 1 dan
choose 1
check 2
fill 5 Dan and I cover the evening shift
submit
as noah
channel
press 1
fill 1 Looks good
submit
as elena
dm
"""


def test_demo_script_runs_a_request_to_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "demo.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    assert main(["demo", "--script", str(script), "--database", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    assert "## Support (call queue, ext. 104)" in out
    assert "Add me: Elena Petrova (ext. 1005)" in out
    assert "*Your request #1* was sent to the approvers." in out
    assert "*Current handlers (live from RingCentral)*" in out
    assert "✅ *Applied.* Approved by @Noah Fischer" in out
    assert "Your request #1 to change the SMS handlers of *Support*:" in out
    assert "!" not in [line[:1] for line in out.splitlines()]  # no step failed
    assert (tmp_path / "demo.db").exists()


def test_demo_script_that_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--script", str(tmp_path / "missing.txt")]) == 1
    assert "cannot read --script" in capsys.readouterr().err


HOME_SCRIPT = """\
home
fill 1 support
as noah
/sms-handlers export support --json
home
"""


def test_demo_home_search_and_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "home.txt"
    script.write_text(HOME_SCRIPT, encoding="utf-8")
    assert main(["demo", "--script", str(script), "--database", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    assert "*Your open requests (0)*" in out and "[1] ✎ (empty)   — fill 1 TEXT" in out
    assert "┌─ SMS handlers " in out and "• Ava Chen (ext. 1001)" in out  # the card, in a modal
    assert "(JSON): 0 events for resources matching *support*, newest first." in out
    assert "📎 sms-handlers-history-" in out and ".json (3 bytes)" in out
    assert "[2] Export history (CSV)   [3] Export history (JSON)" in out  # Noah is an approver
    assert "!" not in [line[:1] for line in out.splitlines()]
