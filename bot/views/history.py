"""The History modal of a resource, and the message that comes with an export of the history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.models.blocks import Block, DividerBlock, PlainTextObject
from slack_sdk.models.views import View

from bot.domain import OPERATOR_ACTOR, SYSTEM_ACTOR, AuditAction, AuditEvent
from bot.inputs import is_ringcentral_id
from bot.services.end_times import duration_label
from bot.services.export import ExportFile, HistoryFilter
from bot.services.history import ResourceHistory
from bot.services.lookup import LookupResult, LookupStatus
from bot.views import ids
from bot.views.common import (
    Message,
    actions,
    button,
    change_lines,
    context,
    json_object,
    modal_title,
    section,
)
from bot.views.drift import MADE_OUTSIDE, readings_text
from bot.views.mrkdwn import escape, lines_within, person, slack_date, slack_user, truncate
from bot.views.resources import candidate_sections

_VERBS = {
    AuditAction.REQUESTED: "opened",
    AuditAction.APPROVED: "approved",
    AuditAction.REJECTED: "rejected",
    AuditAction.CANCELLED: "cancelled",
    AuditAction.EXPIRED: "expired",
    AuditAction.APPLYING: "started applying",
    AuditAction.APPLIED: "applied",
    AuditAction.APPLY_FAILED: "failed to apply",
    AuditAction.RETRIED: "retried",
    AuditAction.TAKEN_OVER: "took over, after a stop,",
    AuditAction.REAPPLYING: "sent again the missing part of",
    AuditAction.APPROVAL_RECORDED: "approved",
    AuditAction.REMINDED: "reminded the approvers of",
    AuditAction.ESCALATED: "escalated",
    AuditAction.EXTENDED: "extended",
    AuditAction.ENDED_EARLY: "ended early",
    AuditAction.REVERTING: "started reverting",
    AuditAction.REVERTED: "reverted",
    AuditAction.REVERT_SKIPPED: "left part unreverted of",
}


CURSOR_MAX_LENGTH = 200

HISTORY_USAGE = (
    "Usage: `/sms-handlers history QUERY`: the changes to one resource's SMS handlers, newest "
    "first. QUERY is a call queue, a site, an extension number or a phone number, e.g. "
    "`/sms-handlers history support`."
)


@dataclass(frozen=True)
class HistoryCursor:
    """Where a History page starts: the resource and the opaque keyset cursor (None: newest)."""

    resource_id: str
    before: str | None = None

    def to_value(self) -> str:
        return json.dumps({"r": self.resource_id, "b": self.before}, separators=(",", ":"))

    @classmethod
    def from_value(cls, raw: object) -> HistoryCursor:
        """What `to_value` wrote; ValueError (saying what is wrong) for anything else."""
        data = json_object(raw, what="the history cursor", max_length=CURSOR_MAX_LENGTH)
        resource_id, before = data.get("r"), data.get("b")
        if not is_ringcentral_id(resource_id):
            raise ValueError(f"the history cursor's resource id {resource_id!r:.40} is malformed")
        if not (before is None or isinstance(before, str)):  # opaque here; the service reads it
            raise ValueError(f"the history cursor's position {before!r:.40} is malformed")
        return cls(resource_id=resource_id, before=before)


def _actor(event: AuditEvent) -> str:
    if event.actor_id == SYSTEM_ACTOR:
        return "The bot"
    if event.actor_id == OPERATOR_ACTOR:
        return "An operator (" + escape(event.actor_name or "command line") + ")"
    return slack_user(event.actor_id)


def event_text(event: AuditEvent) -> str:
    """One history entry: when, who, what, outcome (escaped)."""
    if event.action is AuditAction.EXTERNAL_CHANGE:
        return _outside_change_text(event)
    verb = _VERBS.get(event.action, str(event.action))
    request = f" request #{event.request_id}" if event.request_id is not None else ""
    line = f"{slack_date(event.occurred_at)} · {_actor(event)} {verb}{request}"
    given, required = event.details.get("approvals"), event.details.get("approvals_required")
    if event.action is AuditAction.APPROVAL_RECORDED and isinstance(given, int):
        line += f" ({given} of {required} approvals)"
    changes = change_lines(event.added, event.removed)
    if changes:
        line += "\n" + lines_within(changes, 1200)
    reason = event.details.get("reason") or event.details.get("comment")
    if isinstance(reason, str) and reason:
        line += "\n_" + escape(truncate(reason, 300)).replace("_", " ") + "_"
    warning = event.details.get("warning")
    if isinstance(warning, str) and warning:
        line += "\n:warning: " + escape(truncate(warning, 300))
    line += _temporary_text(event)
    error = event.details.get("error_message")
    if isinstance(error, str) and error:
        # `applied` events written before warnings had their own field carry it as an error
        icon = ":warning:" if event.action is AuditAction.APPLIED else ":x:"
        line += f"\n{icon} " + escape(truncate(error, 300))
    return line


def _outside_change_text(event: AuditEvent) -> str:
    """A change the bot saw but did not make: marked as such, with the two readings."""
    line = f"{slack_date(event.occurred_at)} · :warning: *{MADE_OUTSIDE}* (in RingCentral)"
    changes = change_lines(event.added, event.removed)
    if changes:
        line += "\n" + lines_within(changes, 1200)
    between = readings_text(event)
    if between:
        line += f"\nSeen by the bot {between}."
    return line


def _moment(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return slack_date(moment) if moment.tzinfo is not None else None


def _temporary_text(event: AuditEvent) -> str:
    """What an event of a temporary change adds: its end, what it reverts, what was left."""
    details = event.details
    text = ""
    until = _moment(details.get("temporary_until"))
    if until is not None:
        text += f"\n:stopwatch: temporary, until {until}"
    seconds = details.get("temporary_seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
        text += f"\n:stopwatch: temporary, for {duration_label(timedelta(seconds=seconds))}"
    ends = _moment(details.get("ends_at"))
    if ends is not None and event.action is not AuditAction.REVERTING:
        text += f"\n:stopwatch: until {ends}"
    reverts = details.get("reverts_request")
    if isinstance(reverts, int) and not isinstance(reverts, bool):
        text += f"\n(the end of temporary change #{reverts})"
    skipped = details.get("skipped")
    if isinstance(skipped, list):
        lines = []
        for item in skipped:
            if isinstance(item, dict) and isinstance(item.get("why"), str):
                sign = "➕" if item.get("was_added") else "➖"
                who = person(str(item.get("name")), _text_or_none(item.get("extension_number")))
                lines.append(f"{sign} {who} — {escape(item['why'])}")
        if lines:
            text += "\n*Left as they are*\n" + lines_within(lines, 1000)
    return text


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def history_modal(history: ResourceHistory, *, is_first_page: bool) -> View:
    """A resource's changes, newest first, with Older / Newest buttons (keyset cursors)."""
    resource_id = history.resource.id
    events = history.page.events
    older = history.page.next_before_id
    blocks: list[Block] = [
        section(f"Changes to the SMS handlers of *{escape(history.resource.name)}*")
    ]
    if not events:
        blocks.append(context("No changes recorded yet."))
    for event in events:
        blocks.append(DividerBlock())
        blocks.append(section(event_text(event)))
    buttons = []
    if not is_first_page:
        cursor = HistoryCursor(resource_id=resource_id)
        buttons.append(button("Newest", action_id=ids.HISTORY_NEWEST, value=cursor.to_value()))
    if older is not None:
        cursor = HistoryCursor(resource_id=resource_id, before=str(older))
        buttons.append(button("Older", action_id=ids.HISTORY_OLDER, value=cursor.to_value()))
    if buttons:
        blocks.append(actions(*buttons))
    return View(
        type="modal",
        callback_id=ids.HISTORY_MODAL,
        title=modal_title("History"),
        close=PlainTextObject(text="Close"),
        private_metadata=resource_id,
        blocks=blocks,
    )


def history_choices_modal(result: LookupResult) -> View:
    """`history QUERY` that names several resources, or none: each candidate, or each closest
    name, with a History button; the lookup's note when it has neither."""
    resources = [c.resource for c in result.candidates]
    if result.status is LookupStatus.AMBIGUOUS:
        intro = f"Several resources match *{escape(result.query)}*. Whose history?"
    elif resources:
        intro = f"No resource matches *{escape(result.query)}*. Closest names:"
    else:
        intro = escape(result.note or f"No resource matches {result.query}.")
    return View(
        type="modal",
        callback_id=ids.HISTORY_MODAL,
        title=modal_title("History"),
        close=PlainTextObject(text="Close"),
        blocks=[
            section(intro),
            *candidate_sections(resources, label="History", action_id=ids.SHOW_HISTORY),
        ],
    )


def describe_selection(selection: HistoryFilter) -> str:
    """`for resources matching *Support*, by @carla, since …` (escaped), or `` for everything."""
    parts = []
    if selection.text:
        parts.append(f"for resources matching *{escape(selection.text)}*")
    if selection.actor_id:
        parts.append(f"by {slack_user(selection.actor_id)}")
    if selection.since:
        parts.append(f"since {slack_date(selection.since)}")
    return ", ".join(parts)


def export_comment(export: ExportFile) -> str:
    """The message the export file comes with: what it holds, and whether it is cut short."""
    which = describe_selection(export.selection)
    events = _events(export.count)
    text = (
        f"The history of SMS handler changes you asked for ({export.format.value.upper()}): "
        f"{events}{' ' + which if which else ''}, newest first."
    )
    if export.truncated:
        text += (
            f"\n:warning: Only the newest {export.count:,} matching events fit in a file "
            "sent from Slack: narrow it (a resource, `--since`, `--user`), or ask the app's "
            "administrators for `sms-handlers history --csv FILE`."
        )
    return text


def export_title(export: ExportFile) -> str:
    """The file's title in Slack."""
    return f"SMS handlers history ({_events(export.count)})"


def _events(count: int) -> str:
    return f"{count:,} event{'' if count == 1 else 's'}"


def export_sent_message(export: ExportFile) -> Message:
    """Where the export went, for the person who asked for it in a channel."""
    text = (
        f"Sent you *{escape(export.filename)}* ({_events(export.count)}) in your direct messages "
        "with the app."
    )
    return Message(text=f"Sent you {export.filename}", blocks=[section(f":page_facing_up: {text}")])
