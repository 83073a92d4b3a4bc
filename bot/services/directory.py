"""The resource directory: common resources, their shared numbers, and their SMS handlers.

The inventory comes from two paged list calls (extensions of the inventory's types, and the
account's company and direct numbers) run concurrently, and is cached in-process for a TTL (then
served while one refresh runs), with the lookup index built from it. SMS handlers are read live,
except that the browse card (`card_handlers`) shares reads in flight and reuses one a few seconds
old, and when RingCentral's rate limit would keep it waiting shows the list read last, with its
date (`card_handlers_or_last`). The Slack app and the CLI use `Directory`; nothing here
knows about Slack or HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.base import utc_now
from bot.domain import Handler, Resource, ResourceType, ThreadMessagingFeature
from bot.errors import SmsHandlersError, presentable
from bot.labels import resource_title
from bot.ringcentral.client import BULK_ASSIGN_MAX_IDS, RingCentralClient
from bot.ringcentral.concurrency import gather_or_cancel
from bot.ringcentral.errors import RingCentralError, RingCentralRateLimited
from bot.ringcentral.models import SmsRecipientRecord
from bot.services.cache import SharedLoad
from bot.services.coalesce import SharedReads
from bot.services.inventory import (
    INVENTORY_EXTENSION_TYPES,
    SHARED_USAGE_TYPES,
    Inventory,
    build_inventory,
)
from bot.services.lookup import LookupIndex, LookupResult, match_resource

logger = logging.getLogger(__name__)

THREAD_MESSAGING_FEATURE = "MessageThreads"
# How old a handler list the browse card may show: enough for a burst of people opening the same
# card (or one person clicking twice) to cost one RingCentral read, short enough that a change
# made in RingCentral's own admin pages shows up by the time anyone looks again. Reviews and
# changes always read live, and a change made here drops the copy at once.
CARD_COPY_SECONDS = 3.0
# How long a card waits for RingCentral when the bot has read the resource's handlers before:
# beyond it (RingCentral's rate limit holds the read back, or it is queued behind others) the
# card shows that earlier list with its date, and the read goes on for the next card.
CARD_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class HandlerReading:
    """A resource's SMS handlers as read live from RingCentral, and when the read was sent.

    A read-back right after the bot sent a change names what it sent (`bot_added`,
    `bot_removed`), so that the change is never taken for one made outside the bot.
    """

    resource: Resource
    handlers: tuple[Handler, ...]
    read_at: datetime
    bot_added: tuple[str, ...] = ()
    bot_removed: tuple[str, ...] = ()


# Told about every handler list read live (the Slack app records them as snapshots).
HandlersSeen = Callable[[HandlerReading], Awaitable[None]]


class UnknownResource(SmsHandlersError):
    """No common resource has this id."""


class InvalidChange(SmsHandlersError):
    """A requested change cannot be sent as it is (nothing to do, or contradictory)."""


class FeatureUnavailable(SmsHandlersError):
    """SMS thread messaging is off for the account, or for this kind of resource."""


class ChangeFailed(SmsHandlersError):
    """Applying a change failed part-way; `after` is what RingCentral holds now (if readable)."""

    def __init__(
        self,
        message: str,
        *,
        cause: RingCentralError,
        before: tuple[Handler, ...],
        after: HandlerReading | None,
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.before = before
        self.reading_after = after

    @property
    def after(self) -> tuple[Handler, ...] | None:
        return None if self.reading_after is None else self.reading_after.handlers


@dataclass(frozen=True)
class ChangePlan:
    """A change checked against the handlers read just before it: what is still to be sent.

    `added`/`removed` are the requested ids whose change is not in effect yet (the difference
    that a bulk-assign must send); `already_handlers`/`not_handlers` the ones that are.
    """

    resource: Resource
    before: tuple[Handler, ...]
    before_read_at: datetime
    requested_added: tuple[str, ...]
    requested_removed: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    already_handlers: tuple[str, ...]
    not_handlers: tuple[str, ...]

    @property
    def in_effect(self) -> bool:
        """Nothing left to send: every requested addition is a handler, no removal is."""
        return not self.added and not self.removed


@dataclass(frozen=True)
class ChangeOutcome:
    """What applying a change did, checked by reading the handlers back.

    It is checked against what was requested: `missing` are requested additions absent after
    the change, `still_present` requested removals present after it; `verified` is true when
    both are empty. `unexpected` are handlers present after it that nobody asked for (someone
    else's change in between): noted, but not a failure of this change. `error` is what the
    bulk-assign answered when it failed yet the read-back shows the change took effect (e.g.
    the connection dropped after RingCentral made it).
    """

    resource: Resource
    before: tuple[Handler, ...]
    after: tuple[Handler, ...]
    after_read_at: datetime  # when `after` was read (the snapshot the outcome records)
    added: tuple[str, ...]  # ids sent as added (requested ids that were not handlers yet)
    removed: tuple[str, ...]  # ids sent as removed (requested ids that were handlers)
    already_handlers: tuple[str, ...]  # requested additions that were handlers already
    not_handlers: tuple[str, ...]  # requested removals that were not handlers
    missing: tuple[str, ...]
    still_present: tuple[str, ...]
    unexpected: tuple[str, ...]
    calls: int  # bulk-assign calls made (0 when there was nothing to change)
    error: RingCentralError | None = None

    @property
    def verified(self) -> bool:
        return not self.missing and not self.still_present


@dataclass(frozen=True)
class CardHandlers:
    """The handlers a card shows: read now (`as_of` None), or the last list read, from
    `as_of`, because RingCentral could not answer within CARD_WAIT_SECONDS."""

    handlers: tuple[Handler, ...]
    as_of: datetime | None = None


@dataclass(frozen=True)
class _Catalog:
    inventory: Inventory
    index: LookupIndex


class Directory:
    """Resources, lookup and SMS handlers, over one RingCentral client."""

    def __init__(
        self,
        *,
        client: RingCentralClient,
        ttl_seconds: float = 300.0,
        handler_concurrency: int = 4,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """`clock` times the caches; `wall_clock` stamps each handler reading."""
        self.client = client
        self._wall_clock = wall_clock
        self._handler_slots = asyncio.Semaphore(max(1, handler_concurrency))
        self._catalog = SharedLoad(
            self._load_catalog, ttl_seconds=ttl_seconds, clock=clock, name="inventory"
        )
        self._feature = SharedLoad(
            self._load_feature, ttl_seconds=ttl_seconds, clock=clock, name="feature state"
        )
        self._card_reads: SharedReads[tuple[Handler, ...]] = SharedReads(
            fresh_seconds=CARD_COPY_SECONDS, clock=clock
        )
        self._observers: list[HandlersSeen] = []
        self._last_reads: dict[str, HandlerReading] = {}  # resource id -> the last live read
        self._overdue: set[str] = set()  # resources whose card read outlasted a card's wait

    def observe_handlers(self, observer: HandlersSeen) -> None:
        """Have `observer` told of every handler list read live from now on."""
        self._observers.append(observer)

    # -- inventory and lookup ---------------------------------------------------------------

    async def inventory(self, *, refresh: bool = False) -> Inventory:
        """Every common resource with its shared SMS numbers and IVR menus (cached for the TTL)."""
        return (await self._catalog.get(refresh=refresh)).inventory

    async def resource(self, *, resource_id: str) -> Resource:
        """The resource with this id, or UnknownResource."""
        found = (await self.inventory()).get(resource_id)
        if found is None:
            raise UnknownResource(
                f"No site or call queue has the id {resource_id}; it may have been deleted "
                "in RingCentral. Look it up again by name."
            )
        return found

    async def lookup(self, *, query: str) -> LookupResult:
        """Resolve a name, extension number, phone number or IVR menu name to one resource."""
        return match_resource(query, (await self._catalog.get()).index)

    def invalidate(self) -> None:
        """Forget the cached inventory and feature state.

        A change of SMS handlers does not call this: it cannot alter resources, numbers, users
        or the feature, and reloading a large account's numbers costs up to the whole Heavy
        rate limit (10 calls a minute), so a reload right after a change would be penalised.
        """
        self._catalog.invalidate()
        self._feature.invalidate()

    async def _load_catalog(self) -> _Catalog:
        extensions, numbers = await gather_or_cancel(
            self.client.list_extensions(types=INVENTORY_EXTENSION_TYPES),
            self.client.list_account_phone_numbers(usage_types=SHARED_USAGE_TYPES),
        )
        inventory = build_inventory(extensions=extensions, numbers=numbers)
        # In a thread: on a large account this takes a tenth of a second or more, during which
        # the event loop keeps answering (the thread gives way to it at every switch interval).
        index = await asyncio.to_thread(LookupIndex, inventory.resources)
        logger.info("Inventory loaded: %d resources", len(inventory.resources))
        return _Catalog(inventory, index)

    # -- handlers ---------------------------------------------------------------------------

    async def handlers(self, *, resource_id: str) -> tuple[Handler, ...]:
        """The resource's SMS handlers, read live from RingCentral."""
        resource = await self.resource(resource_id=resource_id)
        return (await self._read_handlers(resource)).handlers

    async def card_handlers(self, *, resource_id: str) -> tuple[Handler, ...]:
        """The resource's SMS handlers for its card: concurrent callers share one read, and a
        list read for a card less than CARD_COPY_SECONDS ago is shown again.

        Only lists read for cards are reused (never for a review or a change), and a change
        made through `apply_change` drops the resource's list at once.
        """
        resource = await self.resource(resource_id=resource_id)

        async def read() -> tuple[Handler, ...]:
            return (await self._read_handlers(resource)).handlers

        return await self._card_reads.get(resource.id, read)

    async def card_handlers_or_last(
        self, *, resource_id: str, wait_seconds: float = CARD_WAIT_SECONDS
    ) -> CardHandlers:
        """The handlers for a card as `card_handlers` gives them, except when the bot has read
        the resource's handlers before and RingCentral cannot answer within `wait_seconds`:
        then the list read last is shown, with its date. That is decided before reading when
        the client expects the answer to take longer (its rate limit holds reads back, or reads
        are queued): no read is queued for this card. A read that takes longer once started
        goes on, for the cards after this one, which meanwhile show the last list at once.
        Never used for a review or a change: those read live."""
        resource = await self.resource(resource_id=resource_id)
        last = self._last_reads.get(resource.id)
        if last is None:
            return CardHandlers(await self.card_handlers(resource_id=resource.id))
        if resource.id in self._overdue and self._card_reads.reading(resource.id):
            return CardHandlers(last.handlers, as_of=last.read_at)
        if (
            not self._card_reads.has(resource.id)
            and self.client.expected_handler_read_seconds() > wait_seconds
        ):
            return CardHandlers(last.handlers, as_of=last.read_at)

        async def read() -> tuple[Handler, ...]:
            reading = await self._read_handlers(resource, max_wait_seconds=wait_seconds)
            return reading.handlers

        shared = asyncio.ensure_future(self._card_reads.get(resource.id, read))
        shared.add_done_callback(_retrieve_exception)  # also when nobody awaits it any more
        try:
            handlers = await asyncio.wait_for(asyncio.shield(shared), wait_seconds)
        except (TimeoutError, RingCentralRateLimited):
            self._overdue.add(resource.id)
            return CardHandlers(last.handlers, as_of=last.read_at)
        return CardHandlers(handlers)

    async def _read_handlers(
        self,
        resource: Resource,
        *,
        after_sending: ChangePlan | None = None,
        max_wait_seconds: float | None = None,
    ) -> HandlerReading:
        read_at = self._wall_clock()  # when sent: a later reading shows at least as much
        records = await self.client.get_sms_recipients(
            extension_id=resource.id, max_wait_seconds=max_wait_seconds
        )
        sent = after_sending
        reading = HandlerReading(
            resource,
            tuple(_handler(r) for r in records),
            read_at,
            bot_added=() if sent is None else sent.added,
            bot_removed=() if sent is None else sent.removed,
        )
        last = self._last_reads.get(resource.id)
        if last is None or last.read_at <= read_at:  # a read sent earlier may answer later
            self._last_reads[resource.id] = reading
        self._overdue.discard(resource.id)
        for observer in self._observers:
            await observer(reading)
        return reading

    async def resources_handled_by(self, *, user_id: str) -> tuple[Resource, ...]:
        """The resources whose SMS handlers include this user.

        RingCentral has no reverse lookup: this reads the handlers of every resource, one call
        each (Light group), at most `handler_concurrency` at a time. On a large account it is
        slow and uses much of the Light rate limit, so the Slack app does not call it: it answers
        `who` from snapshots and refreshes them within a budget (services/handler_index.py).
        """
        inventory = await self.inventory()

        async def handles(resource: Resource) -> bool:
            async with self._handler_slots:
                reading = await self._read_handlers(resource)
            return any(r.id == user_id for r in reading.handlers)

        flags = await asyncio.gather(*(handles(r) for r in inventory.resources))
        return tuple(r for r, flag in zip(inventory.resources, flags, strict=True) if flag)

    async def apply_change(
        self, *, resource_id: str, added: Sequence[str] = (), removed: Sequence[str] = ()
    ) -> ChangeOutcome:
        """Add and remove SMS handlers, then read them back to verify the result."""
        plan = await self.plan_change(resource_id=resource_id, added=added, removed=removed)
        return await self.send_change(plan)

    async def plan_change(
        self, *, resource_id: str, added: Sequence[str] = (), removed: Sequence[str] = ()
    ) -> ChangePlan:
        """Check a change and read the handlers now: what of it is still to be sent."""
        added_ids, removed_ids = _clean_ids(added), _clean_ids(removed)
        both = sorted(set(added_ids) & set(removed_ids))
        if both:
            raise InvalidChange(
                f"Extension {', '.join(both)} is both added and removed; choose one."
            )
        if not added_ids and not removed_ids:
            raise InvalidChange("The change adds and removes nobody; pick at least one person.")
        resource = await self.resource(resource_id=resource_id)
        reading = await self._read_handlers(resource)
        current = {r.id for r in reading.handlers}
        return ChangePlan(
            resource=resource,
            before=reading.handlers,
            before_read_at=reading.read_at,
            requested_added=added_ids,
            requested_removed=removed_ids,
            added=tuple(i for i in added_ids if i not in current),
            removed=tuple(i for i in removed_ids if i in current),
            already_handlers=tuple(i for i in added_ids if i in current),
            not_handlers=tuple(i for i in removed_ids if i not in current),
        )

    async def send_change(self, plan: ChangePlan) -> ChangeOutcome:
        """Send what the plan has left with bulk-assign, then read the handlers back.

        A bulk-assign that fails is judged by the read-back: when the change took effect all
        the same (RingCentral made it, its answer was lost) the outcome carries the error;
        otherwise ChangeFailed says whether nothing or part of it was applied. A change sent but
        not readable back raises ChangeFailed with `after=None`: its effect is unknown.
        """
        if plan.in_effect:
            before = HandlerReading(plan.resource, plan.before, plan.before_read_at)
            return _outcome(plan, after=before, calls=0)
        try:
            return await self._send(plan)
        finally:
            self._card_reads.forget(plan.resource.id)  # whatever happened, a card reads anew

    async def _send(self, plan: ChangePlan) -> ChangeOutcome:
        resource = plan.resource
        try:
            calls = await self.client.bulk_assign_sms_recipients(
                extension_id=resource.id, added=plan.added, removed=plan.removed
            )
        except RingCentralError as exc:
            after = await self._read_back_after_failure(plan)
            calls = -(-max(len(plan.added), len(plan.removed)) // BULK_ASSIGN_MAX_IDS)
            outcome = None if after is None else _outcome(plan, after=after, calls=calls, error=exc)
            if outcome is not None and outcome.verified:
                logger.warning(
                    "the change to %s took effect although bulk-assign failed: %s", resource.id, exc
                )
                return outcome
            raise _failed(plan, after, exc) from exc
        try:
            after = await self._read_handlers(resource, after_sending=plan)
        except RingCentralError as exc:
            raise ChangeFailed(
                f"The change to {resource_title(resource)} was sent, but its handlers could not be "
                f"read back to check it: {exc} Check them before retrying.",
                cause=exc,
                before=plan.before,
                after=None,
            ) from exc
        return _outcome(plan, after=after, calls=calls)

    async def _read_back_after_failure(self, plan: ChangePlan) -> HandlerReading | None:
        try:
            return await self._read_handlers(plan.resource, after_sending=plan)
        except RingCentralError as read_error:
            logger.warning(
                "Could not read back %s after a failed change: %s", plan.resource.id, read_error
            )
            return None

    # -- feature ----------------------------------------------------------------------------

    async def thread_messaging(self, *, refresh: bool = False) -> ThreadMessagingFeature:
        """Whether SMS thread messaging is on, and for call queues and sites (cached)."""
        return await self._feature.get(refresh=refresh)

    async def ensure_supported(self, *, resource: Resource) -> None:
        """Raise FeatureUnavailable when this resource's SMS handlers cannot be used."""
        feature = await self.thread_messaging()
        if feature.supports(resource.type):
            return
        if not feature.available:
            why = f" ({feature.reason})" if feature.reason else ""
            raise FeatureUnavailable(
                f"SMS thread messaging is not available on this RingCentral account{why}; "
                "an account admin must turn it on before SMS handlers can be used."
            )
        kind = "call queues" if resource.type is ResourceType.CALL_QUEUE else "sites"
        raise FeatureUnavailable(
            f"SMS thread messaging is on, but not for {kind}, so {resource.name} has no SMS "
            "handlers to manage. Ask a RingCentral admin to enable it for "
            f"{kind}."
        )

    async def _load_feature(self) -> ThreadMessagingFeature:
        records = await self.client.get_features(feature_ids=(THREAD_MESSAGING_FEATURE,))
        record = next((r for r in records if r.id == THREAD_MESSAGING_FEATURE), None)
        if record is None:
            return ThreadMessagingFeature(
                available=False,
                call_queue_supported=False,
                site_supported=False,
                reason="RingCentral did not report the MessageThreads feature",
            )
        queue_flag = record.param_flag("callQueueSupported")
        site_flag = record.param_flag("siteSupported")
        # RingCentral's wording is shown on cards: only when it holds no URL, host or path.
        reason = presentable(record.reason_message) or presentable(record.reason_code)
        return ThreadMessagingFeature(
            available=record.available,
            call_queue_supported=record.available if queue_flag is None else queue_flag,
            site_supported=record.available if site_flag is None else site_flag,
            reason=None if record.available else reason,
        )


def _outcome(
    plan: ChangePlan,
    *,
    after: HandlerReading,
    calls: int,
    error: RingCentralError | None = None,
) -> ChangeOutcome:
    present = {r.id for r in after.handlers}
    expected = ({r.id for r in plan.before} - set(plan.removed)) | set(plan.added)
    return ChangeOutcome(
        resource=plan.resource,
        before=plan.before,
        after=after.handlers,
        after_read_at=after.read_at,
        added=plan.added,
        removed=plan.removed,
        already_handlers=plan.already_handlers,
        not_handlers=plan.not_handlers,
        missing=tuple(i for i in plan.requested_added if i not in present),
        still_present=tuple(i for i in plan.requested_removed if i in present),
        unexpected=tuple(sorted(present - expected - set(plan.requested_removed))),
        calls=calls,
        error=error,
    )


def _failed(
    plan: ChangePlan, after: HandlerReading | None, error: RingCentralError
) -> ChangeFailed:
    """A bulk-assign that failed, described by what the read-back shows of the sent part."""
    if after is None:
        state = "Its handlers could not be read back; check them before retrying."
    else:
        present = {r.id for r in after.handlers}
        done = [i for i in plan.added if i in present] + [
            i for i in plan.removed if i not in present
        ]
        if not done:
            state = "Nothing was changed."
        else:
            state = "Part of the change was applied; see the current handlers."
    return ChangeFailed(
        f"The change to {resource_title(plan.resource)} failed: {error} {state}",
        cause=error,
        before=plan.before,
        after=after,
    )


def _retrieve_exception(task: asyncio.Future[tuple[Handler, ...]]) -> None:
    # A card that showed the last list gave up on this read: its failure is nobody's to report.
    if not task.cancelled():
        task.exception()


def _clean_ids(ids: Sequence[str]) -> tuple[str, ...]:
    cleaned = [str(i).strip() for i in ids]
    if any(not i for i in cleaned):
        raise InvalidChange("An extension id in the change is empty.")
    return tuple(dict.fromkeys(cleaned))


def _handler(record: SmsRecipientRecord) -> Handler:
    return Handler(
        id=record.id,
        name=record.name or f"Extension {record.extension_number or record.id}",
        extension_number=record.extension_number,
        extension_type=record.extension_type,
        assignable=record.assignable,
        has_license=record.has_license,
    )
