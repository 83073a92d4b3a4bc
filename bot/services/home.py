"""The App Home tab as one plain record per person, and who to show it again when a request
changes.

A Home has five sections: the person's open requests, the requests waiting for them (those the
approval policy lets them decide), their temporary changes still running, the resources they
handle (from the handler snapshots, as old as those are), and the latest changes on resources
they asked to change before (from the audit log). Each section is read on its own: one that
cannot be read (RingCentral or Slack unavailable) says so, and the others still show.

Each section is capped here, with its full count, so the view stays within Slack's 100 blocks
on Home. Who has opened Home is kept in the database (`home_viewers`), so that whichever
instance sees a request change can publish the Homes it concerns, also after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from bot.db.base import utc_now
from bot.db.session import Database
from bot.domain import (
    AuditAction,
    AuditEvent,
    ChangeRequest,
    ExtensionRef,
    NoticeKind,
    RequestStatus,
    UserExtension,
)
from bot.errors import SmsHandlersError
from bot.services.browse import Members
from bot.services.handler_index import HandledBy, HandlerIndex
from bot.services.notifier import MessageRefs, RequestNotifier
from bot.services.people import People
from bot.services.policy import ApprovalPolicy

logger = logging.getLogger(__name__)

# A request is "open" for its requester until it is settled one way or the other (a failed one
# can still be retried by an approver).
OPEN_STATUSES = (
    RequestStatus.PENDING,
    RequestStatus.APPROVED,
    RequestStatus.APPLYING,
    RequestStatus.FAILED,
)
# The audit events that changed a resource's handlers (a temporary change's revert included).
HANDLER_CHANGES = (AuditAction.APPLIED, AuditAction.REVERTED, AuditAction.EXTERNAL_CHANGE)

# What each section shows at most (bot/views/home.py stays within 100 blocks with these).
MY_REQUESTS_SHOWN = 5
WAITING_SHOWN = 10
TEMPORARY_SHOWN = 5
CHANGES_SHOWN = 5
CHANGES_COUNTED_UP_TO = 1000

UNREADABLE = "This could not be read just now; open Home again in a minute."

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first items of a section and how many there are in all (`counted_all` False: at
    least `total`)."""

    items: tuple[T, ...]
    total: int
    counted_all: bool = True

    @property
    def more(self) -> int:
        """How many are not shown."""
        return self.total - len(self.items)


@dataclass(frozen=True)
class Unavailable:
    """A section that could not be read now: why, in a sentence for the person."""

    reason: str


@dataclass(frozen=True)
class RunningTemporaryChange:
    """A change of the person's that is undone by itself at `ends_at` (temporary changes)."""

    request_id: int
    resource_id: str
    resource_name: str
    added: tuple[ExtensionRef, ...]
    removed: tuple[ExtensionRef, ...]
    ends_at: datetime


class TemporaryChanges(Protocol):
    """The temporary changes still running, as far as Home needs them."""

    async def running(self, *, requester_id: str) -> Sequence[RunningTemporaryChange]:
        """The person's temporary changes in effect now, the soonest to end first."""
        ...


@dataclass(frozen=True)
class TemporarySection:
    """The person's temporary changes still running; `supported` False when this version of the
    bot makes no temporary changes (every change stays until changed again)."""

    supported: bool
    listing: Listing[RunningTemporaryChange]


@dataclass(frozen=True)
class MyResources:
    """Where the person handles SMS, as far as the handler snapshots tell.

    `email` is their Slack email (None: Slack does not show it); `user` the RingCentral user with
    that email (None: none has it); `known` what the snapshots say of that user.
    """

    email: str | None
    user: UserExtension | None
    known: HandledBy | None


@dataclass(frozen=True)
class Home:
    """Everything one person's Home tab shows."""

    user_id: str
    is_approver: bool
    my_requests: Listing[ChangeRequest] | Unavailable  # newest first
    waiting: Listing[ChangeRequest] | Unavailable  # oldest first: they have waited longest
    temporary: TemporarySection | Unavailable
    resources: MyResources | Unavailable
    changes: Listing[AuditEvent] | Unavailable  # newest first


class HomeService:
    """Builds Homes, remembers who opened theirs, and says whose Home a request concerns."""

    def __init__(
        self,
        *,
        database: Database,
        policy: ApprovalPolicy,
        handlers: HandlerIndex,
        people: People,
        members: Members,
        temporary: TemporaryChanges | None = None,
    ) -> None:
        """`temporary`: where running temporary changes come from (None: the bot makes none)."""
        self._database = database
        self._policy = policy
        self._handlers = handlers
        self._people = people
        self._members = members
        self._temporary = temporary

    async def home(self, *, user_id: str) -> Home:
        """The person's Home, each section read at the same time and on its own."""
        approver, mine, waiting, temporary, resources, changes = await asyncio.gather(
            self._is_approver(user_id),
            _section("open requests", self._my_requests(user_id)),
            _section("waiting requests", self._waiting(user_id)),
            _section("temporary changes", self._temporary_changes(user_id)),
            _section("handled resources", self._resources(user_id)),
            _section("latest changes", self._changes(user_id)),
        )
        return Home(
            user_id=user_id,
            is_approver=approver,
            my_requests=mine,
            waiting=waiting,
            temporary=temporary,
            resources=resources,
            changes=changes,
        )

    async def opened(self, *, user_id: str) -> None:
        """Remember that this person opened Home, with their Slack email (a failure is only
        logged: Home still shows)."""
        try:
            email = (await self._members.profile(user_id)).email
            async with self._database.transaction() as repo:
                await repo.record_home_opened(user_id=user_id, email=email, at=utc_now())
        except Exception:
            logger.exception("could not record that %s opened Home", user_id)

    async def concerned_viewers(self, request: ChangeRequest) -> set[str]:
        """Who, among the people who opened Home, sees this request there: its requester, the
        approvers of the rule that applies to it, and, once it changed handlers (applied, or
        failed part-way), the people it added or removed (their resources changed)."""
        concerned = {request.requester_id}
        try:
            concerned |= await self._policy.approvers_of(request)
        except SmsHandlersError as exc:  # the approver groups cannot be read now
            logger.warning("Home of request #%s's approvers not refreshed: %s", request.id, exc)
        emails: set[str] = set()
        if request.status in (RequestStatus.APPLIED, RequestStatus.FAILED):
            emails = await self._emails_of(request.add + request.remove)
        async with self._database.reader() as repo:
            return await repo.home_viewers(among=concerned, emails=emails)

    async def _emails_of(self, people: Sequence[ExtensionRef]) -> set[str]:
        """The RingCentral emails of these users (matched with the Slack emails of viewers)."""
        try:
            choices = await self._people.choices(ids=[p.id for p in people])
        except SmsHandlersError as exc:
            logger.warning("Home of the handlers changed not refreshed: %s", exc)
            return set()
        return {c.user.email for c in choices.values() if c.user.email}

    # -- the sections -----------------------------------------------------------------------

    async def _is_approver(self, user_id: str) -> bool:
        try:
            return await self._policy.is_approver(user_id)
        except SmsHandlersError as exc:
            logger.warning("could not tell whether %s is an approver: %s", user_id, exc)
            return False

    async def _my_requests(self, user_id: str) -> Listing[ChangeRequest]:
        async with self._database.reader() as repo:
            found = await repo.pending_requests(
                statuses=OPEN_STATUSES, requester_id=user_id, top_level=True
            )
        newest_first = found[::-1]
        return Listing(tuple(newest_first[:MY_REQUESTS_SHOWN]), len(found))

    async def _waiting(self, user_id: str) -> Listing[ChangeRequest]:
        async with self._database.reader() as repo:
            pending = await repo.pending_requests()
        mine = [r for r in pending if await self._policy.may_decide(user_id=user_id, request=r)]
        return Listing(tuple(mine[:WAITING_SHOWN]), len(mine))

    async def _temporary_changes(self, user_id: str) -> TemporarySection:
        if self._temporary is None:
            return TemporarySection(supported=False, listing=Listing((), 0))
        running = list(await self._temporary.running(requester_id=user_id))
        return TemporarySection(
            supported=True, listing=Listing(tuple(running[:TEMPORARY_SHOWN]), len(running))
        )

    async def _resources(self, user_id: str) -> MyResources:
        profile = await self._members.profile(user_id)
        if profile.email is None:
            return MyResources(email=None, user=None, known=None)
        choice = await self._people.by_email(email=profile.email)
        if choice is None:
            return MyResources(email=profile.email, user=None, known=None)
        known = await self._handlers.handled_by(user_id=choice.user.id)
        return MyResources(email=profile.email, user=choice.user, known=known)

    async def _changes(self, user_id: str) -> Listing[AuditEvent]:
        async with self._database.reader() as repo:
            sample = await repo.events_on_resources_requested_by(
                requester_id=user_id,
                actions=HANDLER_CHANGES,
                limit=CHANGES_SHOWN,
                count_up_to=CHANGES_COUNTED_UP_TO,
            )
        return Listing(sample.events, sample.total, sample.counted_all)


async def _section(name: str, reading: Awaitable[T]) -> T | Unavailable:
    """The section, or why it cannot be shown: an error's own sentence when it has one for
    people, a fixed one otherwise (the details go to the log)."""
    try:
        return await reading
    except SmsHandlersError as exc:
        logger.warning("Home: %s unavailable: %s", name, exc.details)
        return Unavailable(str(exc))
    except Exception:
        logger.exception("Home: reading the %s failed", name)
        return Unavailable(UNREADABLE)


class HomeRefresher(Protocol):
    """Publishes Homes again (bot.slackapi.home.HomePublisher)."""

    def request_changed(self, request: ChangeRequest) -> None:
        """Have the Homes this request concerns published again, without waiting for it."""
        ...


class HomeRefreshingNotifier:
    """A `RequestNotifier` that also has the Homes a request concerns refreshed whenever its
    messages are: when it is created, decided, cancelled, applied or failed (and when recovery
    brings its messages up to date)."""

    def __init__(self, inner: RequestNotifier, *, homes: HomeRefresher) -> None:
        self._inner = inner
        self._homes = homes

    async def announce(self, request: ChangeRequest) -> MessageRefs:
        try:
            return await self._inner.announce(request)
        finally:
            self._homes.request_changed(request)

    async def refresh(self, request: ChangeRequest) -> bool:
        try:
            return await self._inner.refresh(request)
        finally:
            self._homes.request_changed(request)

    async def tell_requester(self, request: ChangeRequest) -> bool:
        return await self._inner.tell_requester(request)

    async def remind(self, request: ChangeRequest, *, approvers: Sequence[str]) -> bool:
        return await self._inner.remind(request, approvers=approvers)

    async def escalate(self, request: ChangeRequest, *, user_id: str) -> bool:
        # The escalation approvers may decide it from now on: it waits for them too.
        try:
            return await self._inner.escalate(request, user_id=user_id)
        finally:
            self._homes.request_changed(request)

    async def tell_temporary(self, request: ChangeRequest, kind: NoticeKind, *, left: str) -> bool:
        try:
            return await self._inner.tell_temporary(request, kind, left=left)
        finally:
            if kind is NoticeKind.ENDED:  # no longer running
                self._homes.request_changed(request)

    async def tell_extended(
        self, request: ChangeRequest, *, by_id: str, previous_end: datetime
    ) -> bool:
        try:
            return await self._inner.tell_extended(request, by_id=by_id, previous_end=previous_end)
        finally:
            self._homes.request_changed(request)

    async def tell_revert(self, original: ChangeRequest, revert: ChangeRequest) -> bool:
        try:
            return await self._inner.tell_revert(original, revert)
        finally:
            self._homes.request_changed(original)
