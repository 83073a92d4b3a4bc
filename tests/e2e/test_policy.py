"""The policy file through the real app: the rule matching a request's resource says who may
review and approve it; `serve` refuses an invalid file, naming its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.views import ids
from tests.support.app_harness import APPROVALS, Harness, Person, running_app, texts

SUPPORT, SALES = "4001", "4002"
POLICY = """\
default:
  approvers: [U0ALEX]
  channel: C0APPROVALS
rules:
  - name: Boston queues
    match:
      type: call_queue
      site: Boston*
    approvers: [U0NINA]
"""


async def send_request(app: Harness, person: Person, query: str, *, add: str) -> dict[str, Any]:
    """Ask to add one person (by first name) to the resource `query` finds; the approval post."""
    await app.command(person, query)
    await app.click(person, ids.REQUEST_CHANGE, message=app.last_ephemeral(person))
    modal = app.top_modal(person)
    offered = await app.suggest(
        person, modal, block_id=ids.ADD_BLOCK, action_id=ids.ADD_ACTION, typed=add
    )
    outcome = await app.submit(
        person, modal, {ids.ADD_BLOCK: offered[:1], ids.REASON_BLOCK: "Evening cover"}
    )
    assert outcome.action == "update", outcome
    return app.approval_posts()[-1]


async def test_the_approvers_of_the_matching_rule_decide_and_only_they(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    # No SMS_HANDLERS_APPROVAL_CHANNEL: the file's default names the channel.
    async with running_app(tmp_path, policy_file=policy, approval_channel=None) as app:
        sales = await send_request(app, app.carla, "sales", add="elena")
        assert "Requested by <@U0CARLA>" in texts(sales)

        await app.click(app.alex, ids.REVIEW_REQUEST, message=sales)
        refusal = texts(app.last_ephemeral(app.alex, APPROVALS))
        assert (
            "Only approvers can review SMS handler requests. The approvers for Sales are: "
            "1 named person (rule 'Boston queues' of the policy)." in refusal
        )
        assert app.slack.modal_stack(app.alex.id) == []

        await app.click(app.nina, ids.REVIEW_REQUEST, message=sales)
        review = app.top_modal(app.nina)
        assert review["callback_id"] == ids.REVIEW_MODAL
        await app.submit(app.nina, review, {})
        assert "*Applied.* Approved by <@U0NINA>" in texts(app.approval_posts()[-1])
        assert sorted(app.sandbox.sms_recipients(SALES)) == ["6002", "6005"]

        support = await send_request(app, app.carla, "support", add="dan")
        await app.click(app.nina, ids.REVIEW_REQUEST, message=support)
        assert (
            "The approvers for Support are: 1 named person (the default rule of the policy)."
            in (texts(app.last_ephemeral(app.nina, APPROVALS)))
        )
        await app.click(app.alex, ids.REVIEW_REQUEST, message=support)
        await app.submit(app.alex, app.top_modal(app.alex), {})
        assert "*Applied.* Approved by <@U0ALEX>" in texts(app.approval_posts()[-1])
        assert sorted(app.sandbox.sms_recipients(SUPPORT)) == ["6001", "6002", "6004"]
        app.assert_everything_accepted()


def test_serve_refuses_an_invalid_policy_file_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY.replace("    approvers: [U0NINA]", "    approver: [U0NINA]"))
    monkeypatch.setenv("SMS_HANDLERS_POLICY", str(policy))
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'never.db'}")

    assert main(["serve", "--http", "--host", "127.0.0.1", "--port", "0"]) == 1

    err = capsys.readouterr().err
    assert err == (
        f"sms-handlers: Invalid policy file {policy}:9:5: unknown key 'approver' in rule "
        "'Boston queues'; did you mean 'approvers'?\n"
    )
    assert not (tmp_path / "never.db").exists()
