"""Who handles SMS where, across every resource, without one RingCentral call per resource.

RingCentral has no reverse lookup (which resources does this user handle?): the only way is to
read every resource's handlers, one Light call each. On an account with hundreds of resources
that is minutes of rate limit. So the bot keeps a snapshot of every handler list it reads live
(cards, forms, reviews, changes, drift checks: the `Directory` tells `record`, which compares each
reading with the last one, off the answer path: see bot/services/readings.py), answers `who` at
once from them ("as last seen"), and refreshes the missing or old ones in the background at the
pace of a `CallBudget`, one scan at a time, bounded in duration.

With several instances, a scan runs under the "handler-scan" lease (bot.services.coordinator),
so only one instance scans at a time and the account's rate limit is not spent twice. A `who`
answered by another instance meanwhile waits for that scan through the snapshots it writes,
then takes the lease and reads only what is still missing or old (nothing, usually): its answer
is then as complete as if it had scanned itself, and says so only when it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.background import BackgroundTasks
from bot.db.base import utc_now
from bot.db.session import Database
from bot.domain import HandlerSnapshot, Resource
from bot.ringcentral.errors import RingCentralError, RingCentralRateLimited
from bot.services.budget import CallBudget
from bot.services.directory import Directory, HandlerReading, UnknownResource
from bot.services.readings import ChangeAlerts, record_reading, tell_of

logger = logging.getLogger(__name__)

FRESH_SECONDS = 15 * 60.0  # a snapshot younger than this is not read again for `who`
# A response_url works for 30 minutes: a scan must end (and answer) well before.
MAX_SCAN_SECONDS = 25 * 60.0
SCAN_CONCURRENCY = 2  # reads in flight for a scan (the client allows a few more for everyone)
SCAN_LEASE = "handler-scan"
WRITER_NAME = "recording handler readings"
MAX_BATCH = 100  # readings recorded in one transaction, at most


class ExclusiveRunner(Protocol):
    """Runs work in one instance at a time (bot.services.coordinator.Leases)."""

    async def run_alone(
        self, name: str, work: Callable[[], Awaitable[None]], *, wait_seconds: float = 0.0
    ) -> bool: ...


@dataclass(frozen=True)
class Sighting:
    """A resource and when the bot last read its handlers."""

    resource: Resource
    seen_at: datetime


@dataclass(frozen=True)
class HandledBy:
    """What the snapshots say one user handles, and how much of the account they cover."""

    handled: tuple[Sighting, ...]  # resources whose last-read handlers include the user
    never_read: tuple[Resource, ...]  # resources whose handlers the bot has never read
    old: tuple[Sighting, ...]  # resources read longer ago than the freshness window
    total: int
    oldest_read: datetime | None = None  # when the oldest snapshot was taken

    @property
    def complete(self) -> bool:
        """Every resource was read recently: the answer is the live state."""
        return not self.never_read and not self.old


@dataclass(frozen=True)
class ScanPlan:
    """The reads a `who` needs: which resources, how long, and how many the scan cannot reach."""

    to_read: tuple[Resource, ...]
    left_out: int  # unknown or old resources beyond what one scan may read
    seconds: float  # about how long the reads take at the budget's pace
    joins_running_scan: bool = False

    @property
    def needed(self) -> bool:
        return bool(self.to_read)


@dataclass(frozen=True)
class ListCount:
    """A resource's handler count for `list`: read now, or as last seen (`seen_at`)."""

    resource: Resource
    count: int | None  # None: never read and no budget left to read it now
    seen_at: datetime | None  # None: read live just now


class HandlerIndex:
    """Snapshots of every resource's handlers, and budgeted scans to refresh them."""

    def __init__(
        self,
        *,
        database: Database,
        directory: Directory,
        budget: CallBudget,
        max_scan_seconds: float = MAX_SCAN_SECONDS,
        clock: Callable[[], datetime] = utc_now,
        scan_lease: ExclusiveRunner | None = None,
        alerts: ChangeAlerts | None = None,
        tasks: BackgroundTasks | None = None,
    ) -> None:
        """`scan_lease`: how scans keep to one instance at a time (None: this is the only one);
        `alerts`: told of each change made outside the bot that a reading reveals; `tasks`: the
        app's background tasks, which wait for the readings being recorded when drained."""
        self._database = database
        self._alerts = alerts
        self._directory = directory
        self.budget = budget
        self._fresh = timedelta(seconds=FRESH_SECONDS)
        self._max_scan_seconds = max_scan_seconds
        self._clock = clock
        self._scan_lease = scan_lease
        self._scan: asyncio.Task[None] | None = None
        self._scan_left = 0
        self._tasks = tasks
        self._unsaved: list[HandlerReading] = []  # not recorded yet, in the order they came
        self._writer: asyncio.Task[None] | None = None
        directory.observe_handlers(self.record)

    async def record(self, reading: HandlerReading) -> None:
        """Record what was just read live as the resource's snapshot, comparing it with the
        previous one (bot/services/readings.py), off the answer path: no answer waits for the
        database.

        Every reading is recorded, in the order they came, those that came meanwhile in one
        transaction (handler reads are few: RingCentral allows about one a second); each
        change made outside the bot they reveal is announced once, after its transaction. A
        failure is only logged: the next reading is compared with the last one recorded
        instead, so a change is noticed then. Reading the snapshots here first waits for the
        readings still being recorded (`flush`), and `close` records the last ones.
        """
        self._unsaved.append(reading)
        self._start_writer()

    def _start_writer(self) -> None:
        if self._writer is not None and not self._writer.done():
            return  # it takes this reading too before it ends
        # Its own task, which nothing cancels (a transaction cut short could have committed
        # without announcing its changes); `tasks` only waits for it, so that draining them
        # waits for the readings too, and cancelling them at shutdown leaves it to `close`.
        writer = asyncio.get_running_loop().create_task(self._record_unsaved(), name=WRITER_NAME)
        self._writer = writer
        if self._tasks is not None:
            self._tasks.spawn(_waiting_for(writer), name=WRITER_NAME, on_error=_unexpected)
        else:
            writer.add_done_callback(_log_failure)

    async def _record_unsaved(self) -> None:
        # A batch leaves the queue only once its transaction is over (committed or failed),
        # so were the writer ever cancelled, `flush` would record the batch again (a reading
        # recorded twice compares equal to itself: no second change).
        while self._unsaved:
            batch = self._unsaved[:MAX_BATCH]
            try:
                async with self._database.transaction() as repo:
                    recorded = [await record_reading(repo, reading) for reading in batch]
            except Exception:
                del self._unsaved[: len(batch)]
                resources = ", ".join(dict.fromkeys(r.resource.id for r in batch))
                logger.exception("could not save the handler snapshots of %s", resources)
                continue
            del self._unsaved[: len(batch)]
            for seen in recorded:
                if seen.change is not None:
                    tell_of(seen.change, self._alerts)

    async def flush(self) -> None:
        """Wait until the readings recorded so far are written (or failed to be); also those a
        cancelled writer left."""
        while True:
            if self._unsaved:
                self._start_writer()
            writer = self._writer
            if writer is None or writer.done():
                return
            await asyncio.wait({writer})

    async def last_seen_ids(self, *, resource_id: str) -> frozenset[str]:
        """The extension ids last read as this resource's handlers (empty if never read)."""
        await self.flush()
        async with self._database.reader() as repo:
            snapshot = await repo.latest_snapshot(resource_id=resource_id)
        return frozenset() if snapshot is None else frozenset(r.id for r in snapshot.handlers)

    # -- who ----------------------------------------------------------------------------------

    async def handled_by(self, *, user_id: str) -> HandledBy:
        """The resources this user handles as last seen, without calling RingCentral."""
        resources = (await self._directory.inventory()).resources
        await self.flush()
        async with self._database.reader() as repo:
            snapshots = await repo.snapshots()
        now = self._clock()
        handled, never, old = [], [], []
        oldest: datetime | None = None
        for resource in resources:
            snapshot = snapshots.get(resource.id)
            if snapshot is None:
                never.append(resource)
                continue
            oldest = min(oldest or snapshot.taken_at, snapshot.taken_at)
            sighting = Sighting(resource, snapshot.taken_at)
            if any(r.id == user_id for r in snapshot.handlers):
                handled.append(sighting)
            if now - snapshot.taken_at > self._fresh:
                old.append(sighting)
        return HandledBy(
            handled=tuple(handled),
            never_read=tuple(never),
            old=tuple(old),
            total=len(resources),
            oldest_read=oldest,
        )

    def plan(self, answer: HandledBy) -> ScanPlan:
        """The reads that would make `answer` live: the user's own resources first, then the
        never-read ones, then the oldest; as many as one scan may make."""
        if self._scan is not None and not self._scan.done():
            return ScanPlan(
                to_read=(),
                left_out=0,
                seconds=self.budget.seconds_for(self._scan_left),
                joins_running_scan=True,
            )
        handled_ids = {s.resource.id for s in answer.handled}
        old = [s.resource for s in sorted(answer.old, key=lambda s: s.seen_at)]
        wanted = [r for r in old if r.id in handled_ids]
        wanted += answer.never_read
        wanted += [r for r in old if r.id not in handled_ids]
        reachable = self.budget.calls_within(self._max_scan_seconds)
        to_read = tuple(wanted[:reachable])
        return ScanPlan(
            to_read=to_read,
            left_out=len(wanted) - len(to_read),
            seconds=self.budget.seconds_for(len(to_read)),
        )

    async def refresh(self, plan: ScanPlan) -> None:
        """Read the plan's resources within the budget, or wait for the scan already running
        (here, or in another instance: then read what it left)."""
        if self._scan is None or self._scan.done():
            if not plan.to_read:
                return
            self._scan = asyncio.get_running_loop().create_task(
                self._scan_alone(plan.to_read), name="who: refreshing handler snapshots"
            )
        await asyncio.shield(self._scan)

    async def _scan_alone(self, resources: Sequence[Resource]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._max_scan_seconds  # waiting included: the answer is due
        self._scan_left = len(resources)
        if self._scan_lease is None:
            await self._run_scan(resources, deadline=deadline)
            return

        async def read_what_is_still_old() -> None:
            still_old = await self._still_old(resources)
            if still_old:
                await self._run_scan(still_old, deadline=deadline)

        scanned = await self._scan_lease.run_alone(
            SCAN_LEASE, read_what_is_still_old, wait_seconds=self._max_scan_seconds
        )
        if not scanned:
            logger.warning(
                "another instance's handler scan did not end within %.0f s: answering from the "
                "snapshots as they are",
                self._max_scan_seconds,
            )

    async def _still_old(self, resources: Sequence[Resource]) -> list[Resource]:
        """Those of `resources` whose snapshot is still missing or old (another instance's scan
        may have read the others while this one waited for the lease)."""
        await self.flush()
        async with self._database.reader() as repo:
            snapshots = await repo.snapshots(resource_ids=[r.id for r in resources])
        now = self._clock()
        return [
            r
            for r in resources
            if (seen := snapshots.get(r.id)) is None or now - seen.taken_at > self._fresh
        ]

    async def close(self) -> None:
        """Stop a running scan, and record the readings not recorded yet (at shutdown)."""
        if self._scan is not None and not self._scan.done():
            self._scan.cancel()
            await asyncio.gather(self._scan, return_exceptions=True)
        await self.flush()

    async def _run_scan(self, resources: Sequence[Resource], *, deadline: float) -> None:
        slots = asyncio.Semaphore(SCAN_CONCURRENCY)
        self._scan_left = len(resources)
        failed: list[Resource] = []
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()  # `deadline` is on its clock: slow answers stop there

        async def read(resource: Resource) -> None:
            async with slots:
                try:
                    if stop.is_set() or loop.time() > deadline:
                        failed.append(resource)
                        return
                    await self.budget.spend()
                    await self._directory.handlers(resource_id=resource.id)
                except RingCentralRateLimited as exc:
                    logger.warning("scan stopped: RingCentral's rate limit was reached (%s)", exc)
                    stop.set()
                    failed.append(resource)
                except (RingCentralError, UnknownResource) as exc:
                    logger.warning("scan could not read %s: %s", resource.id, exc)
                    failed.append(resource)
                finally:
                    self._scan_left -= 1

        logger.info("refreshing the handler snapshots of %d resources", len(resources))
        await asyncio.gather(*(read(r) for r in resources))
        await self.flush()  # written before the lease goes: another instance reads them next
        logger.info("handler scan done: %d read, %d not", len(resources) - len(failed), len(failed))

    # -- list -----------------------------------------------------------------------------------

    async def counts(self, resources: Sequence[Resource]) -> list[ListCount]:
        """Handler counts for a page of `list`: fresh snapshots as they are, the others read live
        while the budget has room, and as last seen beyond it."""
        await self.flush()
        async with self._database.reader() as repo:
            snapshots = await repo.snapshots(resource_ids=[r.id for r in resources])
        now = self._clock()

        async def count(resource: Resource) -> ListCount:
            snapshot = snapshots.get(resource.id)
            if snapshot is not None and now - snapshot.taken_at <= self._fresh:
                return ListCount(resource, len(snapshot.handlers), None)
            if self.budget.try_spend():
                try:
                    live = await self._directory.handlers(resource_id=resource.id)
                    return ListCount(resource, len(live), None)
                except RingCentralError as exc:
                    logger.warning("list could not read %s: %s", resource.id, exc)
            return _as_last_seen(resource, snapshot)

        return list(await asyncio.gather(*(count(r) for r in resources)))


async def _waiting_for(writer: asyncio.Task[None]) -> None:
    await asyncio.shield(writer)


async def _unexpected(error: BaseException) -> None:
    logger.error("recording handler readings failed", exc_info=error)


def _log_failure(writer: asyncio.Task[None]) -> None:
    if not writer.cancelled() and writer.exception() is not None:
        logger.error("recording handler readings failed", exc_info=writer.exception())


def _as_last_seen(resource: Resource, snapshot: HandlerSnapshot | None) -> ListCount:
    if snapshot is None:
        return ListCount(resource, None, None)
    return ListCount(resource, len(snapshot.handlers), snapshot.taken_at)
