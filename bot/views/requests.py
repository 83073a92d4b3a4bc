"""Request messages: the approval-channel post, the requester's copy, the outcome DM, the
reminder in the post's thread and the escalation DM."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject, PlainTextObject
from slack_sdk.models.views import View

from bot.domain import ChangeRequest, RequestStatus
from bot.views import ids
from bot.views.approvals import approvers_text, terms_line, waiting_line
from bot.views.common import (
    SECTION_TEXT_LIMIT,
    Message,
    actions,
    button,
    change_lines,
    context,
    section,
)
from bot.views.modals import message_modal, refs_lines
from bot.views.mrkdwn import escape, lines_within, slack_date, slack_user, truncate
from bot.views.offboarding import parts_text, request_title, requester_text
from bot.views.temporary import end_date, temporary_buttons, temporary_line

REASON_SHOWN = 1500


def _quoted(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(truncate(text, REASON_SHOWN)).splitlines())


def _summary(request: ChangeRequest) -> str:
    if request.is_offboarding:
        person = request.remove[0] if request.remove else None
        number = (
            f" (ext. {escape(person.extension_number)})"
            if person and person.extension_number
            else ""
        )
        return (
            f"*Remove {escape(request.resource_name)}{number} from every resource they handle "
            f"SMS for* · {len(request.parts)} resources\n"
            f"Requested by {requester_text(request)} on {slack_date(request.created_at)}\n"
            "*Reason*\n" + _quoted(request.reason)
        )
    return (
        f"*{escape(request.resource_name)}* · {request.resource_type.label}\n"
        f"Requested by {slack_user(request.requester_id)} on {slack_date(request.created_at)}\n"
        + lines_within(change_lines(request.add, request.remove), 1000)
        + "\n*Reason*\n"
        + _quoted(request.reason)
    )


def _decider(request: ChangeRequest) -> str:
    if request.status is not RequestStatus.REJECTED and len(request.approvals) > 1:
        return approvers_text(request)
    if request.decided_by_id:
        return slack_user(request.decided_by_id)
    return escape(request.decided_by_name or "someone")


def status_line(request: ChangeRequest) -> str:
    """One mrkdwn line saying where the request stands and who decided (every approver, when
    several approvals were needed)."""
    when = f" on {slack_date(request.decided_at)}" if request.decided_at else ""
    status = request.status
    if status is RequestStatus.PENDING:
        return waiting_line(request)
    if status in {RequestStatus.APPROVED, RequestStatus.APPLYING} and request.is_offboarding:
        return (
            f":gear: Approved by {_decider(request)}{when}; applying in RingCentral, resource "
            "by resource…"
        )
    if status in {RequestStatus.APPROVED, RequestStatus.APPLYING}:
        return f":gear: Approved by {_decider(request)}{when}; applying in RingCentral…"
    if status is RequestStatus.APPLIED and request.is_offboarding:
        return (
            f":white_check_mark: *Applied* on every resource. Approved by "
            f"{_decider(request)}{when}."
        )
    if status is RequestStatus.FAILED and request.is_offboarding:
        failed = sum(1 for p in request.parts if p.status is RequestStatus.FAILED)
        return (
            f":x: *Failed on {failed} of {len(request.parts)} resources* (see below; the others "
            f"are applied). Approved by {_decider(request)}{when}. Retry applies only what failed."
        )
    if status is RequestStatus.APPLIED:
        applied = f":white_check_mark: *Applied.* Approved by {_decider(request)}{when}."
        if request.warning:
            applied += f"\n:warning: {escape(truncate(request.warning, 500))}"
        return applied
    if status is RequestStatus.FAILED:
        code = f" ({escape(request.error_code)})" if request.error_code else ""
        message = escape(truncate(request.error_message or "unknown error", 500))
        return (
            f":x: *Failed.* Approved by {_decider(request)}{when}, but RingCentral answered: "
            f"{message}{code}"
        )
    if status is RequestStatus.REJECTED:
        return f":no_entry: *Rejected* by {_decider(request)}{when}."
    if status is RequestStatus.CANCELLED:
        return ":heavy_multiplication_x: *Cancelled* by the requester."
    expired = ":alarm_clock: *Expired* without a decision"
    if request.approvals:
        expired += (
            f", with {len(request.approvals)} of {request.approvals_required} approvals "
            f"({approvers_text(request)})"
        )
    return expired + "."


def _comment_blocks(request: ChangeRequest) -> list[Block]:
    """The approvers' comments: the decider's, or each approver's when several approved."""
    commented = [a for a in request.approvals if a.comment]
    if len(request.approvals) > 1 and commented:
        lines = [
            f"{slack_user(a.approver_id)}: " + escape(truncate(a.comment or "", 400))
            for a in commented
        ]
        if request.status is RequestStatus.REJECTED and request.decision_comment:
            lines.append(f"{_decider(request)}: " + escape(truncate(request.decision_comment, 400)))
        return [context("Comments\n" + lines_within(lines, 2900))]
    if request.decision_comment:
        return [context("Comment: " + escape(truncate(request.decision_comment, 1000)))]
    return []


def _outcome_blocks(request: ChangeRequest) -> list[Block]:
    blocks: list[Block] = [section(status_line(request))]
    temporary = temporary_line(request)
    if temporary is not None:
        blocks.append(section(temporary))
    blocks += _comment_blocks(request)
    if request.is_offboarding:
        blocks.append(section(parts_text(request)))
    elif request.status is RequestStatus.APPLIED and request.handlers_after is not None:
        blocks.append(
            section(
                "*Handlers now*\n"
                + lines_within(refs_lines(request.handlers_after), SECTION_TEXT_LIMIT - 20)
            )
        )
    return blocks


def approval_message(request: ChangeRequest) -> Message:
    """The post in the approval channel; updated in place as the request moves on."""
    what = "Offboarding request" if request.is_offboarding else "SMS handler change request"
    blocks: list[Block] = [section(f"*{what} #{request.id}*\n" + _summary(request))]
    blocks += _outcome_blocks(request)
    terms = terms_line(request)
    if terms is not None:
        blocks.append(context(terms))
    if request.status is RequestStatus.PENDING:
        blocks.append(
            actions(
                button(
                    "Review", action_id=ids.REVIEW_REQUEST, value=str(request.id), style="primary"
                )
            )
        )
    elif request.status is RequestStatus.FAILED:
        blocks.append(
            actions(
                button("Retry", action_id=ids.RETRY_REQUEST, value=str(request.id), style="primary")
            )
        )
    elif request.temporary_running:
        blocks.append(temporary_buttons(request))
    return Message(
        text=f"Request #{request.id}: SMS handlers of {request.resource_name} ({request.status})",
        blocks=blocks,
    )


def cancel_button(request_id: int, *, text: str = "Cancel request") -> ButtonElement:
    """The requester's Cancel button, asking to confirm."""
    return button(
        text,
        action_id=ids.CANCEL_REQUEST,
        value=str(request_id),
        style="danger",
        confirm=ConfirmObject(
            title=PlainTextObject(text="Cancel this request?"),
            text=PlainTextObject(text="Approvers will no longer be able to approve it."),
            confirm=PlainTextObject(text="Cancel request"),
            deny=PlainTextObject(text="Keep it"),
        ),
    )


def requester_message(request: ChangeRequest) -> Message:
    """The requester's own copy, with a Cancel button while nobody has decided."""
    waiting = " was sent to the approvers." if request.status is RequestStatus.PENDING else ""
    blocks: list[Block] = [section(f"*Your request #{request.id}*{waiting}\n" + _summary(request))]
    blocks += _outcome_blocks(request)
    if request.status is RequestStatus.PENDING:
        blocks.append(actions(cancel_button(request.id)))
    elif request.temporary_running:
        blocks.append(temporary_buttons(request))
    return Message(
        text=f"Your request #{request.id} for {request.resource_name}: {request.status}",
        blocks=blocks,
    )


def outcome_dm(request: ChangeRequest) -> Message:
    """The DM telling the requester what became of their request."""
    what = (
        f"to offboard *{escape(request.resource_name)}*"
        if request.is_offboarding
        else f"to change the SMS handlers of *{escape(request.resource_name)}*"
    )
    text = f"Your request #{request.id} {what}:\n" + status_line(request)
    blocks: list[Block] = [section(text)]
    temporary = temporary_line(request)
    if temporary is not None:
        blocks.append(section(temporary))
    blocks += _comment_blocks(request)
    if request.is_offboarding:
        blocks.append(section(parts_text(request)))
    return Message(
        text=f"Your request #{request.id} for {request.resource_name}: {request.status}",
        blocks=blocks,
    )


def _review_button(request: ChangeRequest) -> Block:
    return actions(
        button("Review", action_id=ids.REVIEW_REQUEST, value=str(request.id), style="primary")
    )


def reminder_message(request: ChangeRequest, *, approvers: Sequence[str]) -> Message:
    """The reminder in the approval post's thread: who could still approve (mentioned), how
    long it has waited, where it stands; a Review button."""
    named = " ".join(slack_user(a) for a in approvers)
    lead = f"{named}: r" if named else "R"
    text = (
        f":bell: {lead}equest #{request.id} for *{request_title(request)}* has waited "
        f"since {slack_date(request.created_at)}.\n" + waiting_line(request)
    )
    if request.expires_at is not None:
        text += f"\nIt expires {slack_date(request.expires_at)} unless it is decided."
    return Message(
        text=f"Reminder: request #{request.id} for {request.resource_name} is waiting",
        blocks=[section(text), _review_button(request)],
    )


def escalation_dm(request: ChangeRequest) -> Message:
    """The DM to an escalation approver: the request, that nobody decided it in time, where it
    stands; a Review button."""
    text = (
        f":rotating_light: *Escalated to you:* request #{request.id} has waited since "
        f"{slack_date(request.created_at)} without a decision.\n" + _summary(request)
    )
    blocks: list[Block] = [section(text), section(waiting_line(request))]
    terms = terms_line(request)
    if terms is not None:
        blocks.append(context(terms))
    blocks.append(_review_button(request))
    return Message(
        text=f"Escalated: request #{request.id} for {request.resource_name} is waiting",
        blocks=blocks,
    )


def error_message(text: str) -> Message:
    """A short ephemeral message for a problem the person can act on (`text` is unescaped)."""
    return Message(text=text, blocks=[section(f":warning: {escape(text)}")])


# For failures nobody foresaw: it cannot know whether anything changed, so it does not say.
GENERIC_APOLOGY = (
    "Sorry, something went wrong on our side. "
    "Please try again in a minute; if it keeps failing, tell the app's administrators."
)


def problem_modal(*, title: str, text: str) -> View:
    """A modal saying what went wrong (`text` is unescaped)."""
    return message_modal(title=title, text=f":warning: {escape(text)}")


def decided_modal(request: ChangeRequest, *, title: str) -> View:
    """What the approver sees once their decision went through: the request's outcome, or,
    when more approvals are needed, that theirs is recorded."""
    what = f"Request #{request.id} for *{request_title(request)}*\n"
    if request.status is RequestStatus.PENDING and request.approvals:
        text = (
            what
            + ":ballot_box_with_check: Your approval is recorded; "
            + f"{request.approvals_missing} more needed.\n"
            + waiting_line(request)
            + "\nIt is applied once the last approval needed is given."
        )
        return message_modal(title=title, text=text)
    return message_modal(title=title, text=what + status_line(request))


def approving_modal(request_id: int) -> View:
    """The review modal right after Approve, while the change is applied."""
    return message_modal(
        title="Approving",
        text=f":gear: Approving request #{request_id} and applying it in RingCentral…",
    )


def still_checking_modal() -> View:
    """A submission RingCentral was too slow to check within Slack's 3 seconds."""
    return message_modal(
        title="Sending request",
        text="RingCentral is slow to answer; your request is still being checked. "
        "You will get a direct message when it is sent (or if it cannot be).",
    )


def sent_modal(request: ChangeRequest, *, channel: str | None) -> View:
    """What the requester sees once the request is stored (and whether approvers were told),
    naming its rule's channel (or `channel`, the default one)."""
    channel = request.slack_channel_id or channel
    what = f"Request #{request.id} for *{request_title(request)}*"
    if request.slack_message_ts is None:
        return message_modal(
            title="Request saved",
            text=f":warning: {what} was saved, but it could not be posted to the approvers' "
            f"channel <#{channel}>. Please tell an approver; the app's administrators can see "
            "why in the logs.",
        )
    return message_modal(
        title="Request sent",
        text=f":white_check_mark: {what} was sent to the approvers in <#{channel}>. You will get "
        "a direct message when it is decided; you can cancel it from there.",
    )


def extended_modal(request: ChangeRequest) -> View:
    """The Extend modal once the end moved."""
    assert request.ends_at is not None
    return message_modal(
        title="Extended",
        text=f":white_check_mark: Temporary change #{request.id} on "
        f"*{escape(request.resource_name)}* now ends {end_date(request.ends_at, request)}.",
    )
