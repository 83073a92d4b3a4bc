"""The demo console drives a Bolt app over signed HTTP and shows what each user sees."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator

import pytest

from sandbox.tests.slack.tiny_app import APPROVALS, SECRET, TOKEN, build_app, serve
from sms_handlers_sandbox.console import DemoUser, run_console, seed_demo_workspace
from sms_handlers_sandbox.slack import SlackStandIn

USERS = [
    DemoUser(slack_id="U1", name="Riley", email="riley@example.com", role="team lead"),
    DemoUser(slack_id="U2", name="Alex", email="alex@example.com", role="telephony admin"),
]

REQUEST_AND_APPROVE = """
# Riley asks for a change
/sms-handlers support
press 1
press 1
pick 2 ann
choose 1 2
check 3
submit
fill 4 Anna covers evenings
submit
as alex
channel
press 1
as riley
quit
"""


@pytest.fixture
async def app_url(standin: SlackStandIn) -> AsyncIterator[str]:
    async with serve(build_app(standin)) as url:
        yield url


async def replay(standin: SlackStandIn, app_url: str, script: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_console(
        app_url=app_url,
        signing_secret=SECRET,
        slack=standin,
        users=USERS,
        input_lines=script.splitlines(),
        out=out,
        approval_channel=APPROVALS,
        settle_seconds=2.0,
        first_call_seconds=0.3,
    )
    return code, out.getvalue()


async def typed(
    standin: SlackStandIn, app_url: str, monkeypatch: pytest.MonkeyPatch, stdin: str
) -> tuple[int, str]:
    """Run the console on piped stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    code = await run_console(
        app_url=app_url, signing_secret=SECRET, slack=standin, users=USERS, out=out
    )
    return code, out.getvalue()


async def test_request_and_approval_replay(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, REQUEST_AND_APPROVE)
    assert code == 0, output
    # the ephemeral card, mrkdwn made readable, its button numbered
    assert "── #general — only visible to you" in output
    assert "*Handlers* for <support>: @Riley" in output
    assert "[1] Request change" in output
    # the modal, then updated in place by "Add me"
    assert "┌─ Request change" in output
    assert "│ @Riley will be added." in output
    # external search through block_suggestion, choices shown in the field
    assert "  (1) Anna Lee\n  (2) Annette Ruiz" in output
    assert "▾ Anna Lee, Annette Ruiz (several)" in output
    # the first submit has no reason: the app's field error is shown next to the field
    assert "│   ⚠ Say why (5 characters or more)" in output
    # the second submit posts the request and DMs the requester
    request = (
        "Request by @Riley: add Anna Lee, Annette Ruiz (remove everyone) — Anna covers evenings"
    )
    assert request in output
    assert "── DM from the app\n  Your request was sent." in output
    # Alex approves from the approval channel; Riley sees the edited message
    assert "You are now Alex (telephony admin)." in output
    assert "── #sms-approvals (edited)\n  Approved by @Alex" in output
    assert [m["text"] for m in standin.messages(APPROVALS)] == ["Approved by <@U2>"]
    assert all(call.ok for call in standin.calls), [c for c in standin.calls if not c.ok]
    assert standin.modal_stack("U1") == []


async def test_closing_a_modal_tells_the_app(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, "/sms-handlers support\npress 1\nclose\n")
    assert code == 0, output
    assert "(the modal closed)" in output
    dm = standin.im_channel("U1")
    assert dm is not None
    assert [m["text"] for m in standin.messages(dm)] == ["You cancelled."]


async def test_command_acknowledgement_text_is_shown(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, "/sms-handlers help\n")
    assert code == 0
    assert (
        "> /sms-handlers help\n── #general — only visible to you\n  Usage: /sms-handlers QUERY"
        in output
    )


async def test_mistakes_get_a_clear_message_and_a_failing_exit_code(
    standin: SlackStandIn, app_url: str
) -> None:
    script = "press 4\nbogus\nsubmit\nas nobody\nfill x y\nchoose 1\n"
    code, output = await replay(standin, app_url, script)
    assert code == 1
    assert "! there is no [4] on screen; `modal`, `channel` or `dm` shows them" in output
    assert "! unknown command 'bogus'; type `help`" in output
    assert "! no modal is open" in output
    assert "! no demo user called 'nobody'; try one of: Riley, Alex" in output
    assert "! 'x' is not a number; use the [N] shown" in output
    assert "! `pick N` a menu first, then choose from its list" in output
    assert standin.calls == []


async def test_search_needs_the_minimum_query_length(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, "/sms-handlers support\npress 1\npick 2\n")
    assert code == 1
    assert "! type at least 1 character: pick 2 TEXT" in output


async def test_a_wrong_signing_secret_shows_the_apps_refusal(
    standin: SlackStandIn, app_url: str
) -> None:
    out = io.StringIO()
    code = await run_console(
        app_url=app_url,
        signing_secret="wrong-secret",
        slack=standin,
        users=USERS,
        input_lines=["/sms-handlers support"],
        out=out,
    )
    assert code == 1
    assert "! the app answered HTTP 401" in out.getvalue()


async def test_interactive_input_comes_from_stdin(
    standin: SlackStandIn, app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = await typed(standin, app_url, monkeypatch, "users\nhelp\nquit\n")
    assert code == 0
    assert "riley> users\n → Riley (team lead)  <riley@example.com>  U1" in output
    assert "press N               press button N" in output


async def test_home_tab(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, "home\n")
    assert code == 0, output
    assert "┌─ Home ─" in output
    assert "│ Welcome home" in output


async def test_demo_workspace_users_and_channels(app_url: str) -> None:
    async with SlackStandIn(bot_token=TOKEN) as slack:
        workspace = seed_demo_workspace(slack)
        out = io.StringIO()
        code = await run_console(
            app_url=app_url,
            signing_secret=SECRET,
            slack=slack,
            users=workspace.users,
            input_lines=["users", "as noah", "channel"],
            out=out,
            command_channel=workspace.command_channel,
            approval_channel=workspace.approval_channel,
        )
    assert code == 0
    output = out.getvalue()
    assert output.startswith("You are Elena Petrova (team lead) in #general.")
    assert "You are now Noah Fischer (telephony admin)." in output
    assert "(#sms-approvals has no messages)" in output
    assert slack.user("U0DEMO0002").email == "noah.fischer@acme.example"
    assert workspace.approvers == "@telephony-admins"


async def test_typed_mentions_reach_the_app_escaped(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, "/sms-handlers who @alex\n")
    assert code == 0, output
    assert "*Handlers* for <who @alex>: @Riley" in output
    [call] = standin.calls_to("response_url")
    assert "for &lt;who <@U2|alex>&gt;" in call.args["blocks"][1]["text"]["text"]


async def test_a_slow_answer_is_waited_for(standin: SlackStandIn, app_url: str) -> None:
    code, output = await replay(standin, app_url, "/sms-handlers slow\n")
    assert code == 0, output
    assert (
        "(waiting for the app…)\n── #general — only visible to you\n  Found it after a while"
        in (output)
    )


async def test_wait_shows_what_the_app_did_later(standin: SlackStandIn, app_url: str) -> None:
    out = io.StringIO()
    code = await run_console(
        app_url=app_url,
        signing_secret=SECRET,
        slack=standin,
        users=USERS,
        input_lines=["/sms-handlers slow", "wait 3", "wait 0.2"],
        out=out,
        settle_seconds=0.2,
        first_call_seconds=0.1,
    )
    output = out.getvalue()
    assert code == 0, output
    assert "> wait 3\n── #general — only visible to you\n  Found it after a while" in output
    assert output.endswith("> wait 0.2\n(nothing new)\n")


async def test_a_menu_in_a_message_sends_the_choice(standin: SlackStandIn, app_url: str) -> None:
    script = "/sms-handlers support\npick 2\nchoose 2\n"
    code, output = await replay(standin, app_url, script)
    assert code == 0, output
    assert "[1] Request change   [2] ▾ (Page size)   — pick 2" in output
    assert "  (1) 10 a page\n  (2) 20 a page" in output
    assert "── #general — only visible to you (edited)\n  Showing 20 a page" in output
    [message] = standin.messages("C0GENERAL")
    assert message["text"] == "Showing 20 a page"


async def test_an_unchanged_open_modal_is_recalled_in_one_line_under_new_messages(
    standin: SlackStandIn, app_url: str
) -> None:
    script = "/sms-handlers support\npress 1\n/sms-handlers help\nmodal\n"
    code, output = await replay(standin, app_url, script)
    assert code == 0, output
    after_help = output.split("> /sms-handlers help\n", 1)[1]
    assert "  Usage: /sms-handlers QUERY" in after_help
    assert "(“Request change” is still open: `modal` shows it, `close` closes it)" in after_help
    assert after_help.count("┌─ Request change") == 1  # only where `modal` asked for it


async def test_stdin_ending_ends_the_prompt_line(
    standin: SlackStandIn, app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = await typed(standin, app_url, monkeypatch, "users\n")
    assert code == 0
    assert output.endswith("U2\nriley> \n")
