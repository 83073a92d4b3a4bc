"""The App Home tab, from the record of bot.services.home.

Sections come capped by the service (and say how many more there are); with those caps the
tab stays well within Slack's 100 blocks (tests/unit/views/test_home.py builds the fullest one).
Only the people's own items carry a button as their section's accessory (Cancel, Review); the
search box is an input and the other buttons sit in actions blocks.
"""

from __future__ import annotations

from typing import TypeVar

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig
from slack_sdk.models.views import View

from bot.domain import AuditEvent, ChangeRequest, RequestStatus
from bot.services.handler_index import HandledBy
from bot.services.home import (
    Home,
    Listing,
    MyResources,
    RunningTemporaryChange,
    TemporarySection,
    Unavailable,
)
from bot.views import ids
from bot.views.common import (
    SECTION_TEXT_LIMIT,
    actions,
    button,
    change_lines,
    context,
    header,
    section,
)
from bot.views.history import event_text
from bot.views.mrkdwn import escape, lines_within, slack_date, slack_user
from bot.views.offboarding import request_title
from bot.views.requests import cancel_button, status_line
from bot.views.resources import HELP_TEXT, handled_line, plural, unchecked_count
from bot.views.temporary import temporary_actions, temporary_line

CHANGES_SHOWN_PER_ITEM = 1000  # characters of one request's ➕/➖ lines


T = TypeVar("T")


def home_view(home: Home) -> View:
    """The whole Home tab: search, then the person's requests, the requests waiting for them,
    their temporary changes, the resources they handle and the latest changes."""
    blocks: list[Block] = [header("SMS handlers"), section(HELP_TEXT), search_box()]
    if home.is_approver:
        blocks.append(export_buttons())
    sections = (
        _my_requests(home.my_requests),
        _waiting(home.waiting, is_approver=home.is_approver),
        _temporary(home.temporary),
        _resources(home.resources),
        _changes(home.changes),
    )
    for part in sections:
        blocks.append(DividerBlock())
        blocks += part
    return View(type="home", blocks=blocks)


def search_box() -> InputBlock:
    """Type a queue, a site, an extension or a number and press Enter: its card opens."""
    return InputBlock(
        block_id=ids.HOME_SEARCH_BLOCK,
        label=PlainTextObject(text="Find a resource"),
        hint=PlainTextObject(text="Press Enter: its numbers and handlers open, with its buttons."),
        element=PlainTextInputElement(
            action_id=ids.HOME_SEARCH,
            placeholder=PlainTextObject(text="A call queue, a site, an extension or a number"),
            dispatch_action_config=DispatchActionConfig(trigger_actions_on=["on_enter_pressed"]),
            max_length=200,
        ),
        dispatch_action=True,
    )


def export_buttons() -> Block:
    """Approvers: the whole audit log as a file, sent to them by the app."""
    return actions(
        button("Export history (CSV)", action_id=ids.EXPORT_HISTORY_CSV, value="csv"),
        button("Export history (JSON)", action_id=ids.EXPORT_HISTORY_JSON, value="json"),
        block_id="home_export",
    )


# -- sections ----------------------------------------------------------------------------------


def _my_requests(found: Listing[ChangeRequest] | Unavailable) -> list[Block]:
    if isinstance(found, Unavailable):
        return _unavailable("Your open requests", found)
    blocks: list[Block] = [section(f"*Your open requests ({found.total})*")]
    if not found.items:
        blocks.append(
            context("You have no open request. Find a resource above to ask for a change.")
        )
    for request in found.items:
        text = (
            f"*#{request.id} {request_title(request)}* · asked on "
            f"{slack_date(request.created_at)}\n{_change_text(request)}\n{status_line(request)}"
        )
        pending = request.status is RequestStatus.PENDING
        blocks.append(section(text, accessory=cancel_button(request.id) if pending else None))
    blocks += _more(found, "open requests of yours")
    return blocks


def _waiting(found: Listing[ChangeRequest] | Unavailable, *, is_approver: bool) -> list[Block]:
    if isinstance(found, Unavailable):
        return _unavailable("Requests waiting for a decision", found)
    blocks: list[Block] = [section(f"*Requests waiting for a decision ({found.total})*")]
    if not found.items:
        empty = (
            "Nothing waits for you: no pending request is yours to decide."
            if is_approver
            else "Only approvers decide requests, so none waits for you."
        )
        blocks.append(context(empty))
    else:
        blocks.append(context("Requests the approval policy lets you approve or reject."))
    for request in found.items:
        text = (
            f"*#{request.id} {request_title(request)}* · from "
            f"{slack_user(request.requester_id)} on {slack_date(request.created_at)}\n"
            + _change_text(request)
        )
        review = button("Review", action_id=ids.REVIEW_REQUEST, value=str(request.id))
        blocks.append(section(text, accessory=review))
    blocks += _more(found, "waiting: each is in the approval channel")
    return blocks


def _temporary(found: TemporarySection | Unavailable) -> list[Block]:
    title = "Your temporary changes still running"
    if isinstance(found, Unavailable):
        return _unavailable(title, found)
    if not found.supported:
        return [
            section(f"*{title}*"),
            context("None: this version of the bot keeps every change until it is changed again."),
        ]
    listing = found.listing
    blocks: list[Block] = [section(f"*{title} ({listing.total})*")]
    if not listing.items:
        blocks.append(context("None of your temporary changes is running."))
    for change in listing.items:
        blocks += _temporary_change(change)
    blocks += _more(listing, "running")
    return blocks


def _temporary_change(change: RunningTemporaryChange) -> list[Block]:
    lines = lines_within(change_lines(change.added, change.removed), CHANGES_SHOWN_PER_ITEM)
    text = (
        f"*#{change.request_id} {escape(change.resource_name)}* · undone on "
        f"{slack_date(change.ends_at)}\n{lines}"
    )
    return [section(text), temporary_actions(change.request_id)]


def _resources(found: MyResources | Unavailable) -> list[Block]:
    title = "*Resources you handle*"
    if isinstance(found, Unavailable):
        return _unavailable("Resources you handle", found)
    if found.email is None:
        return [
            section(title),
            context(
                "Slack does not show your email, so the bot cannot tell which RingCentral user "
                "you are."
            ),
        ]
    if found.user is None or found.known is None:
        return [
            section(title),
            context(
                f"No RingCentral user has your email ({escape(found.email)}), so the bot cannot "
                "tell where you handle SMS."
            ),
        ]
    known = found.known
    if not known.handled:
        empty = (
            "The bot has not read any handler list yet, so it cannot tell yet."
            if known.total and len(known.never_read) == known.total
            else "You handle SMS for no shared number."
        )
        return [section(title), context(empty + " " + _freshness(known))]
    old = {s.resource.id for s in known.old}
    lines = [handled_line(s, old=s.resource.id in old) for s in known.handled]
    heading = f"*Resources you handle ({len(known.handled)})*"
    text = heading + "\n" + lines_within(lines, SECTION_TEXT_LIMIT - len(heading) - 1)
    return [section(text), context(_freshness(known))]


def _freshness(known: HandledBy) -> str:
    """How old this knowledge is: RingCentral cannot say who handles what in one call."""
    unchecked = unchecked_count(known)
    if known.oldest_read is None:
        return "RingCentral has no reverse lookup: the bot learns this as it reads each resource."
    since = "From the handler lists the bot read from RingCentral since " + slack_date(
        known.oldest_read
    )
    if not unchecked:
        return since + "."
    never = len(known.never_read)
    never_text = f" ({never} never read)" if never else ""
    return (
        f"{since}; {unchecked} of {plural(known.total, 'resource')} not read recently"
        f"{never_text}. `/sms-handlers who` with your name checks them all."
    )


def _changes(found: Listing[AuditEvent] | Unavailable) -> list[Block]:
    title = "Latest changes on resources you asked to change"
    if isinstance(found, Unavailable):
        return _unavailable(title, found)
    blocks: list[Block] = [section(f"*{title}*")]
    if not found.items:
        blocks.append(context("No handler changed yet on a resource you asked to change."))
    for event in found.items:
        where = escape(event.resource_name or event.resource_id)
        blocks.append(section(f"*{where}* · {event_text(event)}"))
    if found.more > 0:
        count = f"{found.more}" if found.counted_all else f"more than {found.more}"
        blocks.append(context(f"…and {count} older: each resource's History shows them all."))
    return blocks


# -- helpers -------------------------------------------------------------------------------------


def _change_text(request: ChangeRequest) -> str:
    """What the request changes, and for a temporary one until when (or for how long)."""
    text = lines_within(change_lines(request.add, request.remove), CHANGES_SHOWN_PER_ITEM)
    temporary = temporary_line(request)
    return text if temporary is None else f"{text}\n{temporary}"


def _more(listing: Listing[T], what: str) -> list[Block]:
    if listing.more <= 0:
        return []
    return [context(f"…and {listing.more} more {what}.")]


def _unavailable(title: str, found: Unavailable) -> list[Block]:
    return [section(f"*{title}*"), context(f":warning: {escape(found.reason)}")]
