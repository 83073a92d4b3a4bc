"""The answers to lookups, `list` and `who`: services called, views rendered."""

from __future__ import annotations

import asyncio
import math
import re

from bot.container import Container
from bot.errors import SmsHandlersError
from bot.ringcentral.errors import RingCentralError
from bot.services.lookup import LookupStatus
from bot.views.common import Message
from bot.views.resources import (
    ListRow,
    candidates_message,
    list_message,
    no_match_message,
    resource_card,
    who_message,
)

LIST_PAGE_SIZE = 20
# With should_escape, Slack sends a mention as <@U123|name> (or <@U123>).
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")


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
    recipients, feature = await asyncio.gather(
        services.directory.recipients(resource_id=resource.id),
        services.directory.thread_messaging(),
    )
    services.people.remember(recipients)
    return resource_card(resource=resource, recipients=recipients, feature=feature, note=note)


async def list_page(services: Container, *, page: int) -> Message:
    """One page of every resource with its handler count (read live for that page only)."""
    resources = (await services.directory.inventory()).resources
    page_count = max(1, math.ceil(len(resources) / LIST_PAGE_SIZE))
    page = min(max(page, 1), page_count)
    shown = resources[(page - 1) * LIST_PAGE_SIZE : page * LIST_PAGE_SIZE]

    async def count(resource_id: str) -> int | None:
        try:
            return len(await services.directory.recipients(resource_id=resource_id))
        except RingCentralError:
            return None

    counts = await asyncio.gather(*(count(r.id) for r in shown))
    rows = [ListRow(r, c) for r, c in zip(shown, counts, strict=True)]
    return list_message(rows=rows, page=page, page_count=page_count, total=len(resources))


async def who_handles(services: Container, *, query: str) -> Message:
    """Which resources a person (Slack mention, email or name) handles SMS for."""
    if not query:
        raise SmsHandlersError("Say whom to look for: `/sms-handlers who @person` (or an email).")
    label, email, name = query, None, query
    if mention := MENTION.match(query):
        profile = await services.slack_users.profile(mention.group(1))
        label = profile.name
        email = profile.email
        if email is None:
            raise SmsHandlersError(
                f"Slack does not show {profile.name}'s email, so they cannot be matched to a "
                "RingCentral user. Try their RingCentral name or email instead."
            )
    elif mailto := MAILTO.match(query):
        email = label = mailto.group(1)
    elif "@" in query and " " not in query:
        email = query
    if email is not None:
        choice = await services.people.by_email(email=email)
    else:
        found = await services.people.search(query=name, limit=1)
        choice = found[0] if found else None
    if choice is None:
        return who_message(person_label=label, extension_name=None, resources=[])
    handled = await services.directory.resources_handled_by(user_id=choice.user.id)
    return who_message(person_label=label, extension_name=choice.user.name, resources=handled)
