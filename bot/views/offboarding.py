"""Offboarding: an offboarding's resources with their outcomes (in its messages, its review and
on Home), and the answers to `/sms-handlers offboard`."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.domain import SYSTEM_ACTOR, ChangeRequest, OffboardingPart, RequestStatus
from bot.services.browse import PersonNotFound
from bot.services.offboarding import (
    CheckingCoverage,
    NothingToOffboard,
    OffboardAnswer,
    OffboardingOpened,
)
from bot.views.common import SECTION_TEXT_LIMIT, Message, context, section
from bot.views.mrkdwn import escape, lines_within, person, slack_user, truncate

# An offboarding's resources in one message: one line each, within one section (Slack's 3,000
# characters), the rest summed up; so any number of resources keeps the message to a few blocks.
PARTS_TEXT_LIMIT = SECTION_TEXT_LIMIT - 100
_PART_ICONS = {
    None: ":white_small_square:",
    RequestStatus.APPROVED: ":gear:",
    RequestStatus.APPLYING: ":gear:",
    RequestStatus.APPLIED: ":white_check_mark:",
    RequestStatus.FAILED: ":x:",
}


def request_title(request: ChangeRequest) -> str:
    """What a request is about, escaped: the resource's name, or `Offboarding of Carla Diaz (7
    resources)`."""
    if request.is_offboarding:
        count = len(request.parts)
        return (
            f"Offboarding of {escape(request.resource_name)} "
            f"({count} resource{'' if count == 1 else 's'})"
        )
    return escape(request.resource_name)


def part_line(part: OffboardingPart) -> str:
    """One resource of an offboarding and its outcome."""
    target = part.target
    line = (
        f"{_PART_ICONS.get(part.status, ':grey_question:')} *{escape(target.resource_name)}* · "
        f"{target.resource_type.label}"
    )
    if part.request_id is not None:
        line += f" · #{part.request_id}"
    if part.status is RequestStatus.FAILED:
        line += f" — failed: {escape(truncate(part.error_message or 'unknown error', 300))}"
    elif part.status is RequestStatus.APPLIED and part.warning:
        line += f" — :warning: {escape(truncate(part.warning, 200))}"
    return line


def parts_text(request: ChangeRequest) -> str:
    """An offboarding's resources with their outcomes so far, within one section: the failed
    ones first, so that a long list summed up never hides them."""
    done = sum(1 for p in request.parts if p.status is RequestStatus.APPLIED)
    failed = sum(1 for p in request.parts if p.status is RequestStatus.FAILED)
    head = f"*Resources ({len(request.parts)})*"
    if done or failed:
        head += f" · {done} applied" + (f", {failed} failed" if failed else "")
    ordered = sorted(request.parts, key=lambda p: p.status is not RequestStatus.FAILED)
    lines = [part_line(p) for p in ordered]
    return head + "\n" + lines_within(lines, PARTS_TEXT_LIMIT - len(head))


def requester_text(request: ChangeRequest) -> str:
    """Who asked for a request: a Slack mention, or the bot for what it opened by itself."""
    if request.requester_id == SYSTEM_ACTOR:
        return "the bot (automatically)"
    return slack_user(request.requester_id)


OFFBOARD_USAGE = (
    "Usage: `/sms-handlers offboard @person` (or their email, name or extension number): one "
    "request to remove them from every resource they handle SMS for."
)


def offboard_message(answer: OffboardAnswer) -> Message:
    """The answer to `/sms-handlers offboard` (only the person who asked sees it)."""
    match answer:
        case PersonNotFound(asked=asked):
            text = (
                f":mag: No RingCentral user matches *{escape(asked)}*, so nothing was requested. "
                "Try their RingCentral name, email or extension number."
            )
            return Message(text=f"No RingCentral user matches {asked}", blocks=[section(text)])
        case CheckingCoverage(user=user, plan=plan):
            text = (
                f":hourglass_flowing_sand: Reading the SMS handlers of {len(plan.to_read)} "
                f"resources not read lately, so that the request for "
                f"{person(user.name, user.extension_number)} misses none "
                f"(about {max(1, round(plan.seconds / 60))} min). The request follows."
            )
            return Message(text=f"Checking where {user.name} handles SMS…", blocks=[section(text)])
        case NothingToOffboard(user=user, total=total):
            text = (
                f":information_source: {person(user.name, user.extension_number)} handles SMS "
                f"for none of the {total} resources, so there is nothing to remove and nothing "
                "was requested."
            )
            return Message(text=f"{user.name} handles SMS nowhere", blocks=[section(text)])
        case OffboardingOpened(user=user, request=request, created=created):
            who = person(user.name, user.extension_number)
            if not created:
                text = (
                    f":information_source: Offboarding request #{request.id} for {who} is "
                    f"already open ({request.status}); nothing new was requested."
                )
                if request.status is RequestStatus.FAILED:
                    text += " An approver can retry it from its post."
            elif request.slack_message_ts is None:
                text = (
                    f":warning: Offboarding request #{request.id} for {who} was saved, but it "
                    "could not be posted to the approvers. Please tell an approver."
                )
            else:
                channel = f" in <#{request.slack_channel_id}>" if request.slack_channel_id else ""
                text = (
                    f":white_check_mark: Offboarding request #{request.id} was sent to the "
                    f"approvers{channel}: remove {who} from {len(request.parts)} resources."
                )
            blocks: list[Block] = [section(text), section(parts_text(request))]
            blocks.append(context("Approved once, then applied resource by resource."))
            return Message(text=f"Offboarding request #{request.id}", blocks=blocks)
