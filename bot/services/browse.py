"""Looking around: a resource's card, lookups, `list` pages, `who`, and people to add.

Every answer is a plain record for bot.views to render. The listeners turn Slack's formatted
text into plain queries (a Slack user id, an email, a name); a Slack user id is resolved through
`Members`, which bot.slackapi.users implements, so nothing here knows about Slack.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain import ChangeRequest, Handler, Resource, ThreadMessagingFeature, UserExtension
from bot.errors import SmsHandlersError
from bot.policy.model import PolicyDecision
from bot.services.directory import Directory
from bot.services.handler_index import HandledBy, HandlerIndex, ListCount, ScanPlan
from bot.services.lookup import LookupResult, LookupStatus
from bot.services.people import People, PersonChoice

logger = logging.getLogger(__name__)

LIST_PAGE_SIZE = 20


class MemberProfile(Protocol):
    """What `who` needs to know about a Slack user."""

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str | None: ...


class RunningChanges(Protocol):
    """The temporary changes still running on a resource (bot.services.temporary)."""

    async def running(self, *, resource_id: str) -> tuple[ChangeRequest, ...]: ...


class Members(Protocol):
    """Slack users by id, as far as `who` needs them."""

    async def profile(self, user_id: str, *, fallback_name: str | None = None) -> MemberProfile:
        """The user's name and email; the fallback name (no email) when Slack cannot say."""
        ...


class ResourceRules(Protocol):
    """Which policy rule applies to changes of a resource (`bot.services.policy`)."""

    def decision_for_resource(self, resource: Resource) -> PolicyDecision:
        """The rule for a change of the resource."""
        ...

    def risky_remove_all(self, resource: Resource) -> PolicyDecision | None:
        """The rule for a change removing every handler, when a risky entry changes it."""
        ...


# -- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberQuery:
    """A person named by their Slack user id (a mention), with the name Slack put beside it."""

    user_id: str
    fallback_name: str | None = None


@dataclass(frozen=True)
class EmailQuery:
    email: str


@dataclass(frozen=True)
class NameQuery:
    name: str


PersonQuery = MemberQuery | EmailQuery | NameQuery


# -- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceCard:
    """A resource with its live handlers and the account's thread-messaging state.

    `handlers_as_of` is set when RingCentral's rate limit kept the handlers from being read now:
    they are the list read at that time."""

    resource: Resource
    handlers: tuple[Handler, ...]
    feature: ThreadMessagingFeature | None = None
    note: str | None = None  # why the query led to this resource (an IVR menu's number, say)
    rule: PolicyDecision | None = None  # the approval rule a change of it is held to
    remove_all_rule: PolicyDecision | None = None  # for removing every handler, if it differs
    temporary: tuple[ChangeRequest, ...] | None = ()  # running here; None: could not be read
    handlers_as_of: datetime | None = None  # the last list read, shown while RingCentral is busy


@dataclass(frozen=True)
class ListPage:
    """One page of `list`: the resources on it with their handler counts."""

    rows: tuple[ListCount, ...]
    page: int  # 1-based, within 1..page_count
    page_count: int
    total: int  # every common resource


@dataclass(frozen=True)
class PersonNotFound:
    """`who` for someone who is no RingCentral user; `asked` is how they were named."""

    asked: str


@dataclass(frozen=True)
class HandledResources:
    """Where a RingCentral user handles SMS, as far as the snapshots tell.

    `checking` is set on a first answer while the rest is read; the full answer follows it.
    """

    user: UserExtension
    known: HandledBy
    checking: ScanPlan | None = None


WhoAnswer = PersonNotFound | HandledResources


@dataclass(frozen=True)
class PageBounds:
    """Which slice of the resources a `list` page shows."""

    page: int
    page_count: int
    start: int
    stop: int


def page_bounds(*, total: int, page: int, size: int) -> PageBounds:
    """Page `page` of `total` items, `size` a page, moved into range (there is always a page 1)."""
    page_count = max(1, math.ceil(total / size))
    page = min(max(page, 1), page_count)
    start = (page - 1) * size
    return PageBounds(page=page, page_count=page_count, start=start, stop=min(start + size, total))


class BrowseService:
    """The read-only answers of the Slack app."""

    def __init__(
        self,
        *,
        directory: Directory,
        handlers: HandlerIndex,
        people: People,
        members: Members,
        list_page_size: int = LIST_PAGE_SIZE,
        rules: ResourceRules | None = None,
        temporary: RunningChanges | None = None,
    ) -> None:
        if list_page_size < 1:
            raise ValueError(f"list_page_size must be at least 1, got {list_page_size}")
        self._directory = directory
        self._handlers = handlers
        self._people = people
        self._members = members
        self._list_page_size = list_page_size
        self._rules = rules
        self._temporary = temporary

    async def card(self, *, resource_id: str, note: str | None = None) -> ResourceCard:
        """A resource's numbers and live handlers (shared, seconds old at most; the last ones
        read, with their date, when RingCentral's rate limit would keep the card waiting), with
        the feature's state."""
        resource = await self._directory.resource(resource_id=resource_id)
        shown, feature, temporary = await asyncio.gather(
            self._directory.card_handlers_or_last(resource_id=resource.id),
            self._directory.thread_messaging(),
            self._running(resource.id),
        )
        self._people.remember(shown.handlers)
        rules = self._rules
        return ResourceCard(
            resource=resource,
            handlers=shown.handlers,
            feature=feature,
            note=note,
            rule=None if rules is None else rules.decision_for_resource(resource),
            remove_all_rule=None if rules is None else rules.risky_remove_all(resource),
            temporary=temporary,
            handlers_as_of=shown.as_of,
        )

    async def _running(self, resource_id: str) -> tuple[ChangeRequest, ...] | None:
        if self._temporary is None:
            return ()
        try:
            return await self._temporary.running(resource_id=resource_id)
        except Exception:  # the card still shows the live handlers
            logger.exception("could not read the temporary changes of %s", resource_id)
            return None

    async def lookup(self, *, query: str) -> ResourceCard | LookupResult:
        """The card of the one resource the query names; otherwise the lookup's candidates or
        closest names."""
        result = await self._directory.lookup(query=query)
        if result.status is LookupStatus.FOUND and result.resource is not None:
            return await self.card(resource_id=result.resource.id, note=result.note)
        return result

    async def resource_named(self, *, query: str) -> Resource | LookupResult:
        """The one resource the query names, found as `lookup` finds a card's but without
        reading its handlers; otherwise the lookup's candidates or closest names."""
        result = await self._directory.lookup(query=query)
        if result.status is LookupStatus.FOUND and result.resource is not None:
            return result.resource
        return result

    async def list_page(self, *, page: int) -> ListPage:
        """One page of every resource with its handler count (fresh snapshots, else read within
        the bulk-read budget, else as last seen)."""
        resources = (await self._directory.inventory()).resources
        bounds = page_bounds(total=len(resources), page=page, size=self._list_page_size)
        counts = await self._handlers.counts(resources[bounds.start : bounds.stop])
        return ListPage(
            rows=tuple(counts),
            page=bounds.page,
            page_count=bounds.page_count,
            total=len(resources),
        )

    async def who(self, query: PersonQuery) -> AsyncIterator[WhoAnswer]:
        """Which resources a person handles SMS for: one answer, or two when the snapshots are
        incomplete and reading the rest takes a while (a first one saying so, then the full one).

        Answers from what the bot last saw; when that is incomplete, reads the rest within the
        bulk-read budget.
        """
        asked, choice = await self._person(query)
        if choice is None:
            yield PersonNotFound(asked=asked)
            return
        user = choice.user
        known = await self._handlers.handled_by(user_id=user.id)
        plan = self._handlers.plan(known)
        if plan.needed or plan.joins_running_scan:
            if plan.seconds > 0:
                yield HandledResources(user=user, known=known, checking=plan)
            await self._handlers.refresh(plan)
            known = await self._handlers.handled_by(user_id=user.id)
        yield HandledResources(user=user, known=known)

    async def people_to_add(
        self, *, query: str, resource_id: str | None, limit: int
    ) -> list[PersonChoice]:
        """RingCentral users matching what was typed, each with why they cannot become a handler
        of the resource (if given): already one as last read, disabled, no licence…"""
        handlers = (
            await self._handlers.last_seen_ids(resource_id=resource_id)
            if resource_id is not None
            else frozenset[str]()
        )
        return await self._people.search(query=query, limit=limit, handlers=handlers)

    async def person(self, query: PersonQuery) -> tuple[str, PersonChoice | None]:
        """What to call the person asked about, and their RingCentral user (if any): how `who`
        and `offboard` find them."""
        return await self._person(query)

    async def _person(self, query: PersonQuery) -> tuple[str, PersonChoice | None]:
        """What to call the person asked about, and their RingCentral user (if any)."""
        match query:
            case MemberQuery(user_id=user_id, fallback_name=fallback_name):
                profile = await self._members.profile(user_id, fallback_name=fallback_name)
                if profile.email is None:
                    raise SmsHandlersError(
                        f"Slack does not show {profile.name}'s email, so they cannot be matched "
                        "to a RingCentral user. Try their RingCentral name or email instead."
                    )
                return profile.name, await self._people.by_email(email=profile.email)
            case EmailQuery(email=email):
                return email, await self._people.by_email(email=email)
            case NameQuery(name=name):
                found = await self._people.search(query=name, limit=1)
                return name, found[0] if found else None
