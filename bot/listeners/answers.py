"""The answers to lookups, `list` and `who`: services called, views rendered."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable

from bot.container import Container
from bot.errors import SmsHandlersError
from bot.services.handler_index import HandledBy, ScanPlan
from bot.services.lookup import LookupStatus
from bot.services.people import PersonChoice
from bot.views.common import Message
from bot.views.resources import (
    ListRow,
    WhoCoverage,
    WhoRow,
    candidates_message,
    list_message,
    no_match_message,
    resource_card,
    who_message,
)

LIST_PAGE_SIZE = 20
# With should_escape, Slack sends a mention as <@U123|name> (or <@U123>).
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
FORMATTED = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def as_typed(text: str) -> str:
    """Slack's formatted text as the person typed it: `&amp;` `&lt;` `&gt;` decoded, links,
    emails and mentions as their labels (`<mailto:a@b|a@b>` → `a@b`)."""

    def label(match: re.Match[str]) -> str:
        return match.group(2) or match.group(1).removeprefix("mailto:")

    plain = FORMATTED.sub(label, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def lookup(services: Container, *, query: str) -> Message:
    """The card of the one resource the query names, the candidates, or the closest names."""
    result = await services.directory.lookup(query=query)
    if result.status is LookupStatus.FOUND and result.resource is not None:
        return await card(services, resource_id=result.resource.id, note=result.note)
    if result.status is LookupStatus.AMBIGUOUS:
        return candidates_message(query=query, candidates=[c.resource for c in result.candidates])
    return no_match_message(
        query=query, closest=[c.resource.name for c in result.candidates], note=result.note
    )


async def card(services: Container, *, resource_id: str, note: str | None = None) -> Message:
    """A resource's card: numbers and live handlers, with the feature's warnings."""
    resource = await services.directory.resource(resource_id=resource_id)
    handlers, feature = await asyncio.gather(
        services.directory.handlers(resource_id=resource.id),
        services.directory.thread_messaging(),
    )
    services.people.remember(handlers)
    return resource_card(resource=resource, handlers=handlers, feature=feature, note=note)


async def list_page(services: Container, *, page: int) -> Message:
    """One page of every resource with its handler count (fresh snapshots, else read within the
    bulk-read budget, else as last seen)."""
    resources = (await services.directory.inventory()).resources
    page_count = max(1, math.ceil(len(resources) / LIST_PAGE_SIZE))
    page = min(max(page, 1), page_count)
    shown = resources[(page - 1) * LIST_PAGE_SIZE : page * LIST_PAGE_SIZE]
    counts = await services.handlers.counts(shown)
    rows = [ListRow(c.resource, c.count, c.seen_at) for c in counts]
    return list_message(rows=rows, page=page, page_count=page_count, total=len(resources))


async def who_handles(
    services: Container, *, query: str, send: Callable[[Message], Awaitable[object]]
) -> None:
    """Which resources a person (Slack mention, email or name) handles SMS for.

    Answers from what the bot last saw; when that is incomplete, reads the rest within the
    bulk-read budget, saying first how long it takes when it is not immediate.
    """
    label, choice = await _person(services, query=query)
    if choice is None:
        await send(who_message(person_label=label, extension_name=None))
        return
    index, user_id = services.handlers, choice.user.id
    known = await index.handled_by(user_id=user_id)
    plan = index.plan(known)
    if plan.needed or plan.joins_running_scan:
        if plan.seconds > 0:
            await send(_who(label, choice.user.name, known, plan=plan))
        await index.refresh(plan)
        known = await index.handled_by(user_id=user_id)
    await send(_who(label, choice.user.name, known))


def _who(label: str, name: str, known: HandledBy, *, plan: ScanPlan | None = None) -> Message:
    old = {s.resource.id for s in known.old}
    rows = [WhoRow(s.resource, s.seen_at if s.resource.id in old else None) for s in known.handled]
    coverage = WhoCoverage(
        total=known.total,
        unchecked=len(known.never_read) + len(known.old),
        never_read=len(known.never_read),
        checking_seconds=None if plan is None else plan.seconds,
        left_out=0 if plan is None else plan.left_out,
        oldest_read=known.oldest_read,
    )
    return who_message(person_label=label, extension_name=name, rows=rows, coverage=coverage)


async def _person(services: Container, *, query: str) -> tuple[str, PersonChoice | None]:
    """What to call the person asked about, and their RingCentral user (if any)."""
    if not query:
        raise SmsHandlersError(
            "Say whom to look for: `/sms-handlers who @person`, an email or a name."
        )
    label, email = query, None
    if mention := MENTION.match(query):
        profile = await services.slack_users.profile(
            mention.group(1), fallback_name=mention.group(2)
        )
        label = profile.name
        email = profile.email
        if email is None:
            raise SmsHandlersError(
                f"Slack does not show {profile.name}'s email, so they cannot be matched to a "
                "RingCentral user. Try their RingCentral name or email instead."
            )
    elif mailto := MAILTO.match(query):
        email = label = mailto.group(1)
    else:
        label = as_typed(query)
        if "@" in label and " " not in label:
            email = label
    if email is not None:
        return label, await services.people.by_email(email=email)
    found = await services.people.search(query=label, limit=1)
    return label, found[0] if found else None
