"""Temporary changes in Slack: their end on requests, cards and reviews, the Extend and End now
buttons, the notices before the end, what the revert did, and the Extend modal.

Times are `<!date^…>` so each reader sees their own time zone; the fallbacks (and the plain
notification text) are in the requester's time zone, as they picked the end in it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConfirmObject,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.domain import SYSTEM_ACTOR, ChangeRequest, NoticeKind, RequestStatus, RevertSkip
from bot.inputs import request_id as read_request_id
from bot.policy.durations import format_duration
from bot.services.end_times import (
    EXTENSION_CHOICES,
    duration_choices,
    duration_label,
    extension_choices,
    is_time_zone,
    local_text,
    zone_label,
    zone_of,
)
from bot.services.temporary import ExtendForm
from bot.views import ids
from bot.views.common import (
    SECTION_TEXT_LIMIT,
    Message,
    actions,
    button,
    change_lines,
    context,
    json_object,
    modal_title,
    section,
)
from bot.views.mrkdwn import escape, lines_within, person, slack_date, slack_user, truncate

METADATA_MAX_LENGTH = 300


def end_date(moment: datetime, request: ChangeRequest) -> str:
    """A moment of this change, shown in each reader's time zone (fallback: the requester's)."""
    return slack_date(moment, zone_of(request.time_zone))


def asked_line(request: ChangeRequest) -> str | None:
    """What a temporary request asked, before it runs: until when, or for how long."""
    if request.temporary_until is not None:
        return f":stopwatch: *Temporary:* until {end_date(request.temporary_until, request)}"
    if request.temporary_for is not None:
        return f":stopwatch: *Temporary:* for {duration_label(request.temporary_for)} once applied"
    return None


def temporary_line(request: ChangeRequest) -> str | None:
    """Where a temporary change stands (None for a permanent one)."""
    if request.status is not RequestStatus.APPLIED or request.ends_at is None:
        return asked_line(request)
    if request.ended_at is not None:
        return f":stopwatch: *Temporary:* ended {end_date(request.ended_at, request)}."
    return (
        f":stopwatch: *Temporary:* until {end_date(request.ends_at, request)}, when the bot "
        "reverts it."
    )


def temporary_buttons(request: ChangeRequest) -> ActionsBlock:
    """Extend and End now, for a running temporary change."""
    return temporary_actions(request.id)


def temporary_actions(request_id: int) -> ActionsBlock:
    """Extend and End now, for the running temporary change with this id (also on Home)."""
    value = str(request_id)
    return actions(
        button("Extend", action_id=ids.EXTEND_TEMPORARY, value=value),
        button(
            "End now",
            action_id=ids.END_TEMPORARY,
            value=value,
            style="danger",
            confirm=ConfirmObject(
                title=PlainTextObject(text="End this change now?"),
                text=PlainTextObject(text="The bot reverts it at once."),
                confirm=PlainTextObject(text="End now"),
                deny=PlainTextObject(text="Keep it"),
            ),
        ),
    )


def running_lines(changes: Sequence[ChangeRequest]) -> list[str]:
    """One line per temporary change still running: what it changed and until when."""
    lines = []
    for change in changes:
        what = ", ".join(change_lines(change.add, change.remove))
        until = end_date(change.ends_at, change) if change.ends_at else "?"
        lines.append(f"• #{change.id} {what} — until {until}")
    return lines


def running_section(changes: Sequence[ChangeRequest]) -> Block:
    """The temporary changes still running on a resource (for the card and the review)."""
    text = "*Temporary changes running here*\n" + lines_within(
        running_lines(changes), SECTION_TEXT_LIMIT - 40
    )
    return section(text)


# -- notices ------------------------------------------------------------------------------------


def _what(request: ChangeRequest) -> str:
    return lines_within(change_lines(request.add, request.remove), 1200)


def _title(request: ChangeRequest) -> str:
    return f"temporary change #{request.id} on *{escape(request.resource_name)}*"


def notice_messages(
    request: ChangeRequest, kind: NoticeKind, *, left: str
) -> tuple[Message, Message]:
    """What the approval thread and the requester are told: the change ends soon (with Extend
    and End now for the requester), or it ended with nothing left to revert."""
    if kind is NoticeKind.ENDED:
        return _ended_messages(request)
    assert request.ends_at is not None
    when = end_date(request.ends_at, request)
    local = local_text(request.ends_at, request.time_zone)
    text = f":hourglass: The {_title(request)} ends {when} (in {left}); then the bot reverts:\n"
    thread = Message(
        text=f"Temporary change #{request.id} ends in {left} ({local}).",
        blocks=[section(text + _what(request))],
    )
    dm = Message(
        text=f"Your temporary change #{request.id} on {request.resource_name} ends in {left} "
        f"({local}).",
        blocks=[
            section(
                f":hourglass: Your {_title(request)} ends {when} (in {left}):\n{_what(request)}"
            ),
            context("Extend it, or end it now, with the buttons below."),
            temporary_buttons(request),
        ],
    )
    return thread, dm


def _skipped_lines(skips: Sequence[RevertSkip]) -> list[str]:
    return [
        f"{'➕' if s.was_added else '➖'} {person(s.person.name, s.person.extension_number)} — "
        f"{escape(s.why)}"
        for s in skips
    ]


def _left_alone(skips: Sequence[RevertSkip]) -> str:
    if not skips:
        return ""
    return "\n*Left as they are*\n" + lines_within(_skipped_lines(skips), 1200)


def _ended_messages(request: ChangeRequest) -> tuple[Message, Message]:
    when = end_date(request.ended_at or request.ends_at or request.updated_at, request)
    text = (
        f":stop_button: The {_title(request)} ended {when}. Nothing was left to revert."
        + _left_alone(request.end_skipped)
    )
    fallback = f"Temporary change #{request.id} ended; nothing was left to revert."
    return Message(text=fallback, blocks=[section(text)]), Message(
        text=fallback, blocks=[section(text)]
    )


def extended_messages(
    request: ChangeRequest, *, by_id: str, previous_end: datetime
) -> tuple[Message, Message]:
    """The thread and the requester are told the end moved (and by whom)."""
    assert request.ends_at is not None
    text = (
        f":stopwatch: {slack_user(by_id)} extended the {_title(request)}: it now ends "
        f"{end_date(request.ends_at, request)} (was {end_date(previous_end, request)})."
    )
    fallback = (
        f"Temporary change #{request.id} now ends {local_text(request.ends_at, request.time_zone)}."
    )
    return Message(text=fallback, blocks=[section(text)]), Message(
        text=fallback, blocks=[section(text)]
    )


def revert_messages(original: ChangeRequest, revert: ChangeRequest) -> tuple[Message, Message]:
    """What reverting a temporary change did, for its thread (a failure with Retry) and its
    requester."""
    ended_by = ""
    if revert.decided_by_id and revert.decided_by_id != SYSTEM_ACTOR:
        ended_by = f", ended early by {slack_user(revert.decided_by_id)}"
    head = f"The {_title(original)} ended {end_date(revert.created_at, original)}{ended_by}"
    skipped = _left_alone(original.end_skipped)
    if revert.status is RequestStatus.APPLIED:
        text = (
            f":stop_button: {head}. The bot reverted it (change #{revert.id}):\n"
            + lines_within(change_lines(revert.add, revert.remove), 1200)
            + skipped
        )
        fallback = f"Temporary change #{original.id} ended and was reverted."
        return Message(text=fallback, blocks=[section(text)]), Message(
            text=fallback, blocks=[section(text)]
        )
    error = escape(truncate(revert.error_message or "unknown error", 500))
    text = (
        f":x: {head}, but reverting it failed (change #{revert.id}): {error}\n"
        + lines_within(change_lines(revert.add, revert.remove), 1200)
        + skipped
    )
    fallback = f"Reverting temporary change #{original.id} failed."
    thread = Message(
        text=fallback,
        blocks=[
            section(text),
            actions(
                button("Retry", action_id=ids.RETRY_REQUEST, value=str(revert.id), style="primary")
            ),
        ],
    )
    dm = Message(
        text=fallback,
        blocks=[section(text), context("The approvers were told in the request's thread.")],
    )
    return thread, dm


# -- the request modal's inputs --------------------------------------------------------------


def end_inputs(*, time_zone: str | None, longest: timedelta | None) -> list[Block]:
    """A date and a time (in the person's Slack time zone), or a length: the end of a temporary
    change, all optional (nothing picked: a permanent change)."""
    zone = zone_label(time_zone)
    most = f" The longest temporary change here is {duration_label(longest)}." if longest else ""
    blocks: list[Block] = [
        context(
            f":stopwatch: *Temporary?* Pick when the change ends, or for how long; leave them "
            f"empty for a permanent change. The bot reverts it then.{most}"
        ),
        InputBlock(
            block_id=ids.END_DATE_BLOCK,
            label=PlainTextObject(text="Until (date)"),
            optional=True,
            element=DatePickerElement(
                action_id=ids.END_DATE_ACTION,
                placeholder=PlainTextObject(text="End date"),
            ),
        ),
        InputBlock(
            block_id=ids.END_TIME_BLOCK,
            label=PlainTextObject(text="Until (time)"),
            hint=PlainTextObject(text=f"In your Slack time zone, {zone}."),
            optional=True,
            element=TimePickerElement(
                action_id=ids.END_TIME_ACTION,
                placeholder=PlainTextObject(text="End time"),
                timezone=time_zone if time_zone and is_time_zone(time_zone) else None,
            ),
        ),
    ]
    choices = duration_choices(longest)
    if choices:
        blocks.append(
            InputBlock(
                block_id=ids.DURATION_BLOCK,
                label=PlainTextObject(text="Or for"),
                hint=PlainTextObject(text="Counted from when the change is applied."),
                optional=True,
                element=StaticSelectElement(
                    action_id=ids.DURATION_ACTION,
                    placeholder=PlainTextObject(text="A length of time"),
                    options=[_length_option(d) for d in choices],
                ),
            )
        )
    return blocks


def _length_option(length: timedelta) -> Option:
    return Option(value=format_duration(length), text=PlainTextObject(text=duration_label(length)))


# -- the Extend modal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtendMetadata:
    """What the Extend modal carries to its submission: the change, the end the person saw
    (so an extension made meanwhile is not overwritten), and the time zone they pick in."""

    request_id: int
    seen_end: datetime
    time_zone: str | None

    def to_json(self) -> str:
        return json.dumps(
            {"r": self.request_id, "e": self.seen_end.isoformat(), "tz": self.time_zone},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: object) -> ExtendMetadata:
        """What `to_json` wrote; ValueError (saying what is wrong) for anything else."""
        data = json_object(raw, what="the Extend form's metadata", max_length=METADATA_MAX_LENGTH)
        found = read_request_id(data.get("r"))
        if found is None:
            raise ValueError(f"the Extend form's request id {data.get('r')!r:.40} is malformed")
        seen, zone = data.get("e"), data.get("tz")
        try:
            seen_end = datetime.fromisoformat(seen) if isinstance(seen, str) else None
        except ValueError:
            seen_end = None
        if seen_end is None or seen_end.tzinfo is None:
            raise ValueError(f"the Extend form's end {seen!r:.40} is not a moment")
        if not (zone is None or is_time_zone(zone)):
            raise ValueError(f"the Extend form's time zone {zone!r:.40} is unknown")
        return cls(request_id=found, seen_end=seen_end, time_zone=zone)


def extend_modal(form: ExtendForm) -> View:
    """A new end for a running temporary change, or a length to extend it by."""
    request = form.request
    assert request.ends_at is not None
    zone = zone_label(form.time_zone)
    lines = [
        f"*{escape(request.resource_name)}* · temporary change #{request.id}",
        _what(request),
        f"Ends {end_date(request.ends_at, request)}.",
    ]
    if form.latest is not None:
        lines.append(
            f"The rule allows extending it up to {slack_date(form.latest, zone_of(form.time_zone))}"
            " (its longest temporary change, counted from when it took effect). For longer, "
            "send a new request."
        )
    blocks: list[Block] = [
        section("\n".join(lines)),
        InputBlock(
            block_id=ids.END_DATE_BLOCK,
            label=PlainTextObject(text="New end (date)"),
            optional=True,
            element=DatePickerElement(
                action_id=ids.END_DATE_ACTION, placeholder=PlainTextObject(text="End date")
            ),
        ),
        InputBlock(
            block_id=ids.END_TIME_BLOCK,
            label=PlainTextObject(text="New end (time)"),
            hint=PlainTextObject(text=f"In your Slack time zone, {zone}."),
            optional=True,
            element=TimePickerElement(
                action_id=ids.END_TIME_ACTION,
                placeholder=PlainTextObject(text="End time"),
                timezone=form.time_zone
                if form.time_zone and is_time_zone(form.time_zone)
                else None,
            ),
        ),
    ]
    choices = (
        EXTENSION_CHOICES
        if form.latest is None
        else extension_choices(form.latest - request.ends_at)
    )
    if choices:
        blocks.append(
            InputBlock(
                block_id=ids.DURATION_BLOCK,
                label=PlainTextObject(text="Or extend by"),
                optional=True,
                element=StaticSelectElement(
                    action_id=ids.DURATION_ACTION,
                    placeholder=PlainTextObject(text="A length of time"),
                    options=[_length_option(d) for d in choices],
                ),
            )
        )
    metadata = ExtendMetadata(
        request_id=request.id, seen_end=request.ends_at, time_zone=form.time_zone
    )
    return View(
        type="modal",
        callback_id=ids.EXTEND_MODAL,
        title=modal_title(f"Extend change #{request.id}"),
        submit=PlainTextObject(text="Extend"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata.to_json(),
        blocks=blocks,
    )
