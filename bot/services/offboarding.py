"""Offboarding: remove one person from every resource they handle SMS for, in one request.

`OffboardingService.offboard` answers `/sms-handlers offboard @someone` (or an email, a name, an
extension number): it finds the person as `who` does, completes the handler index's coverage
first when it is incomplete (the same budgeted scan as `who`, so no resource is missed), and
stores one request listing every resource they handle (`RequestService.create_offboarding`).
That request is approved once, under the policy's offboarding rule; its approval claims one child
change request per resource, each applied and recorded on its own (bot/services/applying.py).

`OffboardingWatch.check_once` is a periodic job of the coordinator (one instance at a time): it
reads RingCentral's extension list, and for each person the handler snapshots name as a handler
who is now disabled, or no longer on the list (deleted), opens such a request by itself, once
per person (idempotency key `offboarding:auto:<extension id>`, unique in the database).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace

from bot.db.session import Database
from bot.domain import (
    SYSTEM_ACTOR,
    ChangeRequest,
    ExtensionRef,
    OffboardingTarget,
    UserExtension,
)
from bot.errors import SmsHandlersError
from bot.services.browse import BrowseService, PersonNotFound, PersonQuery
from bot.services.directory import Directory
from bot.services.handler_index import HandledBy, HandlerIndex, ScanPlan
from bot.services.people import People
from bot.services.requests import Actor, RequestService

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 300.0
AUTOMATIC_KEY = "offboarding:auto:"
# Who an offboarding the bot opened by itself is from (no Slack user: nobody to DM).
AUTOMATIC_REQUESTER = Actor(id=SYSTEM_ACTOR, name="sms-handlers")
LEFT_STATUSES = frozenset({"Disabled"})  # RingCentral extension statuses that mean "left"


@dataclass(frozen=True)
class CheckingCoverage:
    """A first answer: the bot reads the handler lists it has not read lately before it can
    list every resource the person handles."""

    user: UserExtension
    plan: ScanPlan


@dataclass(frozen=True)
class NothingToOffboard:
    """The person handles SMS nowhere (every resource's handlers read)."""

    user: UserExtension
    total: int  # resources checked


@dataclass(frozen=True)
class OffboardingOpened:
    """The offboarding request, and whether this call opened it (False: one was open)."""

    user: UserExtension
    request: ChangeRequest
    created: bool


OffboardAnswer = PersonNotFound | CheckingCoverage | NothingToOffboard | OffboardingOpened


class CoverageIncompleteError(SmsHandlersError):
    """Some resources' handlers could not be read, so the list could miss one."""


def targets_of(known: HandledBy) -> tuple[OffboardingTarget, ...]:
    """The resources the person handles, as an offboarding lists them."""
    return tuple(
        OffboardingTarget(
            resource_id=s.resource.id, resource_type=s.resource.type, resource_name=s.resource.name
        )
        for s in known.handled
    )


def _incomplete(known: HandledBy) -> str:
    missing = len(known.never_read) + len(known.old)
    return (
        f"The SMS handlers of {missing} of {known.total} resources could not be read just now, "
        "so the list of resources this person handles could be incomplete. Nothing was "
        "requested; try again in a few minutes."
    )


class OffboardingService:
    """Opens offboarding requests, by hand or on its own."""

    def __init__(
        self,
        *,
        browse: BrowseService,
        handlers: HandlerIndex,
        requests: RequestService,
        directory: Directory,
    ) -> None:
        self._directory = directory
        self._browse = browse
        self._handlers = handlers
        self._requests = requests

    async def offboard(
        self, query: PersonQuery, *, requester: Actor, idempotency_key: str | None = None
    ) -> AsyncIterator[OffboardAnswer]:
        """One request removing the person from every resource they handle: a first answer
        while the handler lists not read lately are read, then the request (or why not)."""
        asked, choice = await self._browse.person(query)
        if choice is None:
            yield PersonNotFound(asked=asked)
            return
        user = choice.user
        known = await self._complete(user, announce=True)
        if isinstance(known, CheckingCoverage):
            yield known
            known = await self._complete(user, announce=False)
        assert isinstance(known, HandledBy)
        if not known.complete:
            raise CoverageIncompleteError(_incomplete(known))
        if not known.handled:
            yield NothingToOffboard(user=user, total=known.total)
            return
        request, created = await self._requests.create_offboarding(
            person=ExtensionRef(id=user.id, name=user.name, extension_number=user.extension_number),
            targets=targets_of(known),
            requester=requester,
            reason=f"Offboarding: {user.name} no longer handles SMS anywhere "
            f"(asked by {requester.name}).",
            idempotency_key=idempotency_key,
        )
        yield OffboardingOpened(user=user, request=request, created=created)

    async def _complete(
        self, user: UserExtension, *, announce: bool
    ) -> HandledBy | CheckingCoverage:
        """What the person handles, once every resource's handlers were read lately (reading
        the rest within the scan budget); with `announce`, a `CheckingCoverage` first when that
        takes a while."""
        known = await self._handlers.handled_by(user_id=user.id)
        plan = self._handlers.plan(known)
        if plan.needed or plan.joins_running_scan:
            if announce and plan.seconds > 0:
                return CheckingCoverage(user=user, plan=plan)
            await self._handlers.refresh(plan)
            known = await self._handlers.handled_by(user_id=user.id)
        return known

    async def open_for_leaver(self, person: ExtensionRef, *, why: str) -> ChangeRequest | None:
        """The offboarding of someone who left (disabled or deleted in RingCentral), opened
        once for them; None when they handle nothing now, or when the handler lists could not
        all be read (the next round tries again)."""
        user = UserExtension(
            id=person.id, name=person.name, extension_number=person.extension_number
        )
        known = await self._complete(user, announce=False)
        assert isinstance(known, HandledBy)
        if not known.complete:
            logger.info("offboarding of %s waits: %s", person.id, _incomplete(known))
            return None
        # The snapshots may predate the departure (RingCentral drops a deleted user from every
        # list): the resources they name are read live, and only those still listing them kept.
        still = []
        for sighting in known.handled:
            handlers = await self._directory.handlers(resource_id=sighting.resource.id)
            if any(h.id == person.id for h in handlers):
                still.append(sighting)
        if not still:
            return None
        request, created = await self._requests.create_offboarding(
            person=person,
            targets=targets_of(replace(known, handled=tuple(still))),
            requester=AUTOMATIC_REQUESTER,
            reason=f"{person.name} {why} in RingCentral, and still handles SMS here.",
            idempotency_key=AUTOMATIC_KEY + person.id,
        )
        if created:
            logger.info("opened offboarding #%s for %s (%s)", request.id, person.id, why)
        return request


@dataclass(frozen=True)
class WatchReport:
    """One round: the leavers seen (extension ids) and the requests opened for them."""

    leavers: tuple[str, ...] = ()
    opened: tuple[int, ...] = ()


class OffboardingWatch:
    """Notices handlers who left RingCentral (disabled or deleted) and opens their offboarding."""

    def __init__(
        self,
        *,
        database: Database,
        people: People,
        offboarding: OffboardingService,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("the offboarding check needs a positive interval")
        self._database = database
        self._people = people
        self._offboarding = offboarding
        self.interval_seconds = interval_seconds

    async def check_once(self) -> WatchReport:
        """Read the extension list; open an offboarding for each handler who left and has
        none yet."""
        statuses = await self._people.extension_statuses()
        async with self._database.reader() as repo:
            snapshots = await repo.snapshots()
        handlers: dict[str, ExtensionRef] = {}
        for snapshot in snapshots.values():
            for ref in snapshot.handlers:
                handlers.setdefault(ref.id, ref)
        leavers = {
            ref.id: (ref, _why(statuses, ref.id))
            for ref in handlers.values()
            if ref.id not in statuses or statuses[ref.id] in LEFT_STATUSES
        }
        opened: list[int] = []
        for person_id, (ref, why) in sorted(leavers.items()):
            async with self._database.reader() as repo:
                if await repo.request_by_key(idempotency_key=AUTOMATIC_KEY + person_id):
                    continue  # opened once already, whatever became of it
            try:
                request = await self._offboarding.open_for_leaver(ref, why=why)
            except SmsHandlersError as exc:
                logger.warning("could not open the offboarding of %s: %s", person_id, exc)
                continue
            if request is not None:
                opened.append(request.id)
        return WatchReport(leavers=tuple(sorted(leavers)), opened=tuple(opened))


def _why(statuses: Mapping[str, str], person_id: str) -> str:
    status = statuses.get(person_id)
    return "was deleted" if status is None else f"is {status.lower()}"
