"""Views about resources: the resource card, candidates, no match, the list, who handles what.

They render the records of bot.services.browse.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from slack_sdk.models.blocks import Block, DividerBlock, PlainTextObject
from slack_sdk.models.views import View

from bot.domain import Handler, Resource, ResourceType, ThreadMessagingFeature
from bot.labels import extension_label, resource_title
from bot.phone import format_phone
from bot.services.browse import (
    ListPage,
    PersonNotFound,
    ResourceCard,
    WhoAnswer,
)
from bot.services.handler_index import HandledBy, ScanPlan, Sighting
from bot.services.lookup import LookupResult, LookupStatus
from bot.views import ids
from bot.views.approvals import rule_summary
from bot.views.common import (
    SECTION_TEXT_LIMIT,
    Message,
    actions,
    bullet_lines,
    button,
    context,
    header,
    modal_title,
    section,
    warning_blocks,
)
from bot.views.mrkdwn import escape, lines_within, person, slack_date
from bot.views.temporary import running_section

MAX_CANDIDATES = 10
CARDS_KEPT = 256


def handler_line(handler: Handler) -> str:
    """One handler with its warning flags, escaped for mrkdwn."""
    flags = []
    if not handler.assignable:
        flags.append("not assignable")
    if not handler.has_license:
        flags.append("no licence")
    suffix = f" — :warning: {', '.join(flags)}" if flags else ""
    return person(handler.name, handler.extension_number) + suffix


def resource_warnings(resource: Resource, feature: ThreadMessagingFeature | None) -> list[str]:
    """Plain warnings about a resource that block or limit SMS handling (unescaped)."""
    warnings = []
    if not resource.phone_numbers:
        warnings.append(f"{resource.name} has no SMS-capable shared number.")
    if feature is not None and not feature.supports(resource.type):
        if not feature.available:
            why = f" ({feature.reason})" if feature.reason else ""
            warnings.append(f"SMS thread messaging is not available on this account{why}.")
        else:
            kind = "call queues" if resource.type is ResourceType.CALL_QUEUE else "sites"
            warnings.append(f"SMS thread messaging is not available for {kind} on this account.")
    return warnings


def _numbers_text(resource: Resource) -> str:
    lines = []
    for number in resource.phone_numbers:
        kind = number.source.label
        if number.ivr_menu_name:
            kind += f" ({escape(number.ivr_menu_name)})"
        lines.append(f"• {format_phone(number.phone_number)} — {kind}")
    if not lines:
        lines = ["_none_"]
    return "*Shared SMS numbers*\n" + lines_within(lines, SECTION_TEXT_LIMIT - 30)


def _handlers_text(handlers: Sequence[Handler]) -> str:
    lines = bullet_lines([handler_line(r) for r in handlers], empty="_nobody_")
    return f"*SMS handlers ({len(handlers)})*\n" + lines_within(lines, SECTION_TEXT_LIMIT - 30)


@lru_cache(maxsize=CARDS_KEPT)
def resource_card(card: ResourceCard) -> Message:
    """The card `/sms-handlers QUERY` answers with: numbers, handlers, warnings, buttons.

    Kept for the next identical card (many people asking for one resource get the same card),
    so it is built and converted to Slack's JSON once."""
    resource, note = card.resource, card.note
    blocks: list[Block] = [header(resource_title(resource))]
    facts = [f"*Type:* {resource.type.label}"]
    if resource.site_name and resource.type is ResourceType.CALL_QUEUE:
        facts.append(f"*Site:* {escape(resource.site_name)}")
    if note:
        facts.append(f":information_source: {escape(note)}")
    blocks.append(section("\n".join(facts)))
    blocks.append(section(_numbers_text(resource)))
    blocks.append(section(_handlers_text(card.handlers)))
    if card.temporary:
        blocks.append(running_section(card.temporary))
    elif card.temporary is None:
        blocks.append(context(":warning: The temporary changes running here could not be read."))
    if card.handlers_as_of is not None:
        blocks.append(
            context(
                ":hourglass_flowing_sand: RingCentral's rate limit leaves no room to read these "
                f"handlers now: they are as the bot read them {slack_date(card.handlers_as_of)}. "
                "Open the card again in a minute for the live list."
            )
        )
    blocks += warning_blocks(resource_warnings(resource, card.feature))
    if card.rule is not None:
        blocks.append(context(rule_summary(card.rule, remove_all=card.remove_all_rule)))
    blocks.append(
        actions(
            button(
                "Request change", action_id=ids.REQUEST_CHANGE, value=resource.id, style="primary"
            ),
            button("History", action_id=ids.SHOW_HISTORY, value=resource.id),
        )
    )
    return Message(text=f"SMS handlers of {resource_title(resource)}", blocks=blocks)


def lookup_message(result: LookupResult) -> Message:
    """A lookup that found no single resource: the candidates to pick from, or the closest
    names."""
    if result.status is LookupStatus.AMBIGUOUS:
        return candidates_message(
            query=result.query, candidates=[c.resource for c in result.candidates]
        )
    return no_match_message(
        query=result.query, closest=[c.resource.name for c in result.candidates], note=result.note
    )


def resource_modal(found: ResourceCard | LookupResult) -> View:
    """A lookup from Home's search box, in a modal: the card, the candidates or the closest
    names, with the same buttons as in a message."""
    message = resource_card(found) if isinstance(found, ResourceCard) else lookup_message(found)
    return View(
        type="modal",
        callback_id=ids.RESOURCE_MODAL,
        title=modal_title("SMS handlers"),
        close=PlainTextObject(text="Close"),
        blocks=list(message.blocks),
    )


def candidates_message(*, query: str, candidates: Sequence[Resource]) -> Message:
    """Several resources match: one button per candidate."""
    blocks: list[Block] = [
        section(f"Several resources match *{escape(query)}*. Which one did you mean?"),
        *candidate_sections(candidates, label="Show", action_id=ids.PICK_RESOURCE),
    ]
    return Message(text=f"Several resources match {query}", blocks=blocks)


def candidate_sections(
    candidates: Sequence[Resource], *, label: str, action_id: str
) -> list[Block]:
    """A section per candidate (at most MAX_CANDIDATES) with a button carrying its id, then how
    many more there are."""
    shown = candidates[:MAX_CANDIDATES]
    blocks: list[Block] = []
    for resource in shown:
        site = (
            f" — {escape(resource.site_name)}"
            if resource.site_name and resource.type is ResourceType.CALL_QUEUE
            else ""
        )
        blocks.append(
            section(
                f"*{escape(resource.name)}* · {resource.type.label}{site}",
                accessory=button(label, action_id=action_id, value=resource.id),
            )
        )
    if len(candidates) > len(shown):
        blocks.append(context(f"…and {len(candidates) - len(shown)} more: type more of the name."))
    return blocks


def no_match_message(*, query: str, closest: Sequence[str], note: str | None = None) -> Message:
    """Nothing matches: say so, with the closest names (or why, for a phone number)."""
    # Without close names, the note says why (a number that is not shared, say) and what exists.
    text = f"No resource matches *{escape(query)}*." if closest or not note else escape(note)
    if closest:
        names = ", ".join(f"*{escape(name)}*" for name in closest[:MAX_CANDIDATES])
        text += f"\nClosest names: {names}."
    text += "\nTry `/sms-handlers list` to see every resource."
    return Message(text=f"No resource matches {query}", blocks=[section(text)])


def list_message(listing: ListPage) -> Message:
    """One page of every common resource with its handler and number counts."""
    rows, page, page_count = listing.rows, listing.page, listing.page_count
    blocks: list[Block] = [header(f"Common resources ({listing.total})")]
    lines = []
    for row in rows:
        resource = row.resource
        numbers = len(resource.phone_numbers)
        ext = (
            f" ({escape(extension_label(resource.extension_number))})"
            if resource.extension_number
            else ""
        )
        if row.count is None:
            handlers = "handlers not read yet"
        else:
            handlers = plural(row.count, "handler")
            if row.seen_at is not None:
                handlers += f" (as of {slack_date(row.seen_at)})"
        lines.append(
            f"• *{escape(resource.name)}*{ext} · {resource.type.label} · {handlers} · "
            f"{plural(numbers, 'number')}"
        )
    if not lines:
        lines = ["_No common resources found._"]
    for start in range(0, len(lines), 20):
        blocks.append(section(lines_within(lines[start : start + 20], SECTION_TEXT_LIMIT)))
    if any(row.seen_at is not None or row.count is None for row in rows):
        blocks.append(
            context(
                ":hourglass_flowing_sand: RingCentral's rate limit leaves no room to read every "
                "count now: some are as the bot last saw them. Open this page again in a minute."
            )
        )
    if page_count > 1:
        blocks.append(context(f"Page {page} of {page_count}"))
        buttons = []
        if page > 1:
            buttons.append(button("Previous", action_id=ids.LIST_PREVIOUS, value=str(page - 1)))
        if page < page_count:
            buttons.append(button("Next", action_id=ids.LIST_NEXT, value=str(page + 1)))
        blocks.append(actions(*buttons))
    blocks.append(context("Type `/sms-handlers NAME` to see a resource's numbers and handlers."))
    return Message(text=f"Common resources, page {page} of {page_count}", blocks=blocks)


def who_message(answer: WhoAnswer) -> Message:
    """Which resources a person handles SMS for, and how sure the answer is."""
    if isinstance(answer, PersonNotFound):
        return Message(
            text=f"No RingCentral user matches {answer.asked}.",
            blocks=[
                section(
                    f"No RingCentral user matches *{escape(answer.asked)}*. Try their "
                    "RingCentral name, extension number or email."
                )
            ],
        )
    known = answer.known
    extension_name = answer.user.name
    name = f"*{escape(extension_name)}*"
    sure = unchecked_count(known) == 0
    if known.handled:
        old = {s.resource.id for s in known.old}
        lead = f"{name} handles SMS for" + ("" if sure else ", as far as the bot has seen:")
        lines = [handled_line(s, old=s.resource.id in old) for s in known.handled]
        text = lead + "\n" + lines_within(lines, SECTION_TEXT_LIMIT - len(lead) - 1)
        fallback = f"{extension_name} handles SMS for {plural(len(known.handled), 'resource')}"
    elif known.total and len(known.never_read) == known.total:
        text = f"The bot has not read any handler lists yet, so it cannot tell yet where {name} "
        text += "handles SMS."
        fallback = f"Where {extension_name} handles SMS is not known yet"
    else:
        text = f"{name} does not handle SMS for any shared number" + (
            "." if sure else ", as far as the bot has seen."
        )
        fallback = f"{extension_name} handles SMS for no resource"
    blocks: list[Block] = [section(text)]
    if not sure:
        blocks.append(context(_coverage_note(known, answer.checking)))
    elif known.oldest_read is not None:
        since = slack_date(known.oldest_read)
        blocks.append(context(f"From the handler lists read from RingCentral since {since}."))
    return Message(text=fallback, blocks=blocks)


def unchecked_count(known: HandledBy) -> int:
    """Resources whose handlers were not read recently (never, or long ago)."""
    return len(known.never_read) + len(known.old)


def handled_line(sighting: Sighting, *, old: bool) -> str:
    """One resource someone handles: its name and type, with when it was read if long ago."""
    resource = sighting.resource
    line = f"• *{escape(resource.name)}* · {resource.type.label}"
    if old:
        line += f" _(as of {slack_date(sighting.seen_at)})_"
    return line


def _coverage_note(known: HandledBy, checking: ScanPlan | None) -> str:
    unchecked, never_read = unchecked_count(known), len(known.never_read)
    unread = f"{unchecked} of {known.total} resources"
    never = f" ({never_read} never)" if 0 < never_read < unchecked else ""
    if checking is not None:
        return (
            f":hourglass_flowing_sand: The bot has not read the handlers of {unread} "
            f"recently{never}. RingCentral has no reverse lookup, so it is reading them one by "
            f"one, slowly enough to leave room for everyone else: that takes "
            f"{duration(checking.seconds)}.{_left_out(checking.left_out)} The full "
            "answer will be posted here."
        )
    return (
        f":warning: {unread} could not be read now{never} (RingCentral's rate "
        "limit, or an error): for those this shows what the bot saw last. Ask again in a few "
        "minutes to check them."
    )


def _left_out(count: int) -> str:
    if not count:
        return ""
    return (
        f" That is too many for one check: {count} of them will still be shown as last seen "
        "(ask again afterwards to check those)."
    )


def plural(count: int, noun: str) -> str:
    """`1 handler`, `3 handlers`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def duration(seconds: float) -> str:
    """`about 22 minutes`, `about a minute`, `under a minute`."""
    minutes = round(seconds / 60)
    if seconds < 45:
        return "under a minute"
    if minutes <= 1:
        return "about a minute"
    return f"about {minutes} minutes"


HELP_TEXT = (
    "*`/sms-handlers QUERY`* — who handles SMS for a shared number, with buttons to request a "
    "change or see the history. QUERY can be a call queue, a site, an extension number or a "
    "phone number:\n"
    "   `/sms-handlers queue-support`   `/sms-handlers Support`   `/sms-handlers 104`\n"
    "   `/sms-handlers +16505550100`   `/sms-handlers main`\n"
    "*`/sms-handlers history QUERY`* — the changes to a resource's SMS handlers, newest first, "
    "as its History button shows them: `/sms-handlers history support`\n"
    "*`/sms-handlers list`* — every call queue and site with its handler and number counts\n"
    "*`/sms-handlers who @person`* — which resources someone handles (also an email or a name)\n"
    "*`/sms-handlers offboard @person`* — one request to remove someone from every resource "
    "they handle (also an email, a name or an extension number)\n"
    "*`/sms-handlers export [QUERY] [--since DATE] [--user @person] [--json]`* — approvers: "
    "the history of changes as a CSV (or JSON) file"
)


def help_message() -> Message:
    """Usage with examples."""
    blocks: list[Block] = [
        header("SMS handlers"),
        section(HELP_TEXT + "\n*`/sms-handlers help`* — this message"),
        DividerBlock(),
        context(
            "Changes are requests: an approver reviews them before they are applied in RingCentral."
        ),
    ]
    return Message(text="How to use /sms-handlers", blocks=blocks)
