"""Messages and views rendered for the demo console read like Slack shows them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bot.views
from sms_handlers_sandbox.slack.render import MessageSource, Numbering, Renderer, emoji

NAMES = {"U1": "Riley", "U2": "Alex"}
SOURCE = MessageSource("C1", "1.000001", False)


def renderer() -> Renderer:
    return Renderer(lambda user_id: NAMES.get(user_id, user_id))


def test_dates_channels_and_emoji_are_shown_as_slack_shows_them() -> None:
    shown = Renderer(lambda u: u, {"C9": "sms-approvals"}.__getitem__).mrkdwn(
        ":white_check_mark: sent to <#C9> on <!date^1764190980^{date_short}|Nov 26> at 21:03:45"
        " :unknown_code:"
    )
    assert shown == "✅ sent to #sms-approvals on Nov 26 at 21:03:45 :unknown_code:"


def emoji_codes_the_app_sends() -> set[str]:
    """Every :name: code in a string literal of bot/views (f-string parts included)."""
    codes: set[str] = set()
    for package_dir in bot.views.__path__:
        for module in Path(package_dir).rglob("*.py"):
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    codes.update(re.findall(r":([a-z][a-z0-9_+-]*):", node.value))
    return codes


def test_every_emoji_code_the_app_sends_is_shown_as_its_character() -> None:
    codes = emoji_codes_the_app_sends()
    assert {"heavy_multiplication_x", "white_check_mark", "warning"} <= codes
    raw = sorted(code for code in codes if emoji(f":{code}:") == f":{code}:")
    assert raw == [], f"add these to render.EMOJI: {raw}"


def test_cancelled_requests_show_the_cross_slack_shows() -> None:
    assert emoji(":heavy_multiplication_x: *Cancelled* by the requester.") == (
        "✖️ *Cancelled* by the requester."
    )


def test_mrkdwn_is_made_readable() -> None:
    text = (
        "*Bold* <@U1> asked <!subteam^S1|@telephony-admins> in <#C1|sms-approvals>: "
        "see <https://example.com/r/1|request 1> &amp; reply &lt;!channel&gt; <!here>"
    )
    assert renderer().mrkdwn(text) == (
        "*Bold* @Riley asked @telephony-admins in #sms-approvals: "
        "see request 1 (https://example.com/r/1) & reply <!channel> @here"
    )


def test_quoted_lines_show_a_bar_and_an_escaped_angle_bracket_stays() -> None:
    shown = renderer().mrkdwn("*Reason*\n>Anna covers evenings\n> and weekends\n&gt; not a quote")
    assert shown.splitlines() == [
        "*Reason*",
        "▎ Anna covers evenings",
        "▎ and weekends",
        "> not a quote",
    ]


def test_message_blocks_number_every_button() -> None:
    numbering = Numbering()
    message = {
        "ts": "1.000001",
        "text": "fallback",
        "blocks": [
            {"type": "header", "block_id": "h", "text": {"type": "plain_text", "text": "Support"}},
            {
                "type": "section",
                "block_id": "s",
                "text": {"type": "mrkdwn", "text": "Handlers: <@U2>"},
                "fields": [{"type": "mrkdwn", "text": "*Number*\n+1 650 555 0104"}],
                "accessory": {
                    "type": "button",
                    "action_id": "history",
                    "text": {"type": "plain_text", "text": "History"},
                },
            },
            {"type": "divider", "block_id": "d"},
            {
                "type": "actions",
                "block_id": "a",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                    {
                        "type": "button",
                        "action_id": "reject",
                        "style": "danger",
                        "text": {"type": "plain_text", "text": "Reject"},
                    },
                ],
            },
            {"type": "context", "block_id": "c", "elements": [{"type": "mrkdwn", "text": "#12"}]},
        ],
        "attachments": [{"text": "Applied &amp; verified"}],
    }
    lines = renderer().message(message, source=SOURCE, numbering=numbering)
    assert lines == [
        "## Support",
        "Handlers: @Alex",
        "  *Number*",
        "  +1 650 555 0104",
        "[1] History",
        "─" * 48,
        "[2] Approve (primary)   [3] Reject (danger)",
        "  · #12",
        "┃ Applied & verified",
    ]
    assert [t.element["action_id"] for t in numbering.targets.values()] == [
        "history",
        "approve",
        "reject",
    ]
    assert all(t.source == SOURCE and t.block_id for t in numbering.targets.values())


def test_modal_shows_values_errors_and_its_buttons() -> None:
    view = {
        "id": "V1",
        "type": "modal",
        "title": {"type": "plain_text", "text": "Review #12"},
        "submit": {"type": "plain_text", "text": "Approve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": "Comment"},
                "element": {"type": "plain_text_input", "action_id": "comment_input"},
                "hint": {"type": "plain_text", "text": "Shown to the requester"},
            },
            {
                "type": "input",
                "block_id": "remove",
                "label": {"type": "plain_text", "text": "Remove"},
                "element": {
                    "type": "multi_static_select",
                    "action_id": "remove_pick",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Ava Chen"}, "value": "6001"},
                        {"text": {"type": "plain_text", "text": "Ben Ortiz"}, "value": "6002"},
                    ],
                },
            },
        ],
        "state": {
            "values": {
                "comment": {"comment_input": {"type": "plain_text_input", "value": "ok"}},
                "remove": {
                    "remove_pick": {
                        "type": "multi_static_select",
                        "selected_options": [
                            {"text": {"type": "plain_text", "text": "Ben Ortiz"}, "value": "6002"}
                        ],
                    }
                },
            }
        },
    }
    lines = renderer().view(view, numbering=Numbering(), errors={"remove": "Keep one handler"})
    assert lines == [
        "┌─ Review #12 " + "─" * 34,
        "│ Comment (optional)",
        '│   [1] ✎ "ok"   — fill 1 TEXT',
        "│   (Shown to the requester)",
        "│ Remove",
        "│   [2] ▾ Ben Ortiz (several)   — pick 2",
        "│   ⚠ Keep one handler",
        "└─ <Cancel: type close>  <Approve: type submit>",
    ]
