"""Changes made outside the bot: the message posted to SMS_HANDLERS_DRIFT_CHANNEL, and the
wording History shares with it."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.domain import AuditEvent, readings_between
from bot.views import ids
from bot.views.common import Message, actions, button, change_lines, context, section
from bot.views.mrkdwn import escape, lines_within, slack_date

MADE_OUTSIDE = "Changed outside the bot"
CHANGES_LIMIT = 2900


def readings_text(event: AuditEvent) -> str | None:
    """`between the readings of <date> and <date>`, or None when the event does not say."""
    readings = readings_between(event)
    if readings is None:
        return None
    previous, current = readings
    return f"between the readings of {slack_date(previous)} and {slack_date(current)}"


def outside_change_message(event: AuditEvent) -> Message:
    """One change made outside the bot: the resource, who was added and removed, when it was
    seen and between which two readings, and a History button."""
    name = event.resource_name or event.resource_id
    kind = f" ({event.resource_type.label.lower()})" if event.resource_type else ""
    blocks: list[Block] = [
        section(
            f":warning: *{MADE_OUTSIDE}:* the SMS handlers of *{escape(name)}*{escape(kind)} "
            "were changed in RingCentral, not through a request."
        ),
        section(lines_within(change_lines(event.added, event.removed), CHANGES_LIMIT)),
    ]
    seen = f"Seen {slack_date(event.occurred_at)}"
    between = readings_text(event)
    blocks.append(context(f"{seen}, {between}." if between else f"{seen}."))
    blocks.append(actions(button("History", action_id=ids.SHOW_HISTORY, value=event.resource_id)))
    return Message(text=f"The SMS handlers of {name} were changed outside the bot", blocks=blocks)
