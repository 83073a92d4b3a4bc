"""Noticing changes made outside the bot: a periodic read of the resources' handlers.

Admins also change SMS handlers in RingCentral's admin portal, and RingCentral sends no event
for a change of a resource's SMS recipients (its per-user grants are no substitute: see
docs/ARCHITECTURE.md). So `DriftWatch.check_once`, a periodic job of the coordinator (one
instance at a time), reads the handlers of the resources whose snapshot is oldest: never read
first, then the least recently read, as many as the background read budget allows in half the
interval (the other half stays free for `who` and `list`). A resource read within the last
interval (for a card, a review, a `who` scan) is not read again: that reading was compared
already.

Each read is recorded like every other one (the directory tells the `HandlerIndex`, which
records it through bot/services/readings.py, in the background; a round ends once its readings
are recorded): compared with the snapshot, a difference the bot
did not make becomes one `external_change` event. That comparison, not this job, decides what
was changed outside the bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.session import Database
from bot.domain import HandlerSnapshot, Resource
from bot.ringcentral.errors import RingCentralError, RingCentralRateLimited
from bot.services.budget import CallBudget
from bot.services.directory import Directory, UnknownResource

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 600.0
BUDGET_SHARE = 0.5  # of the interval's background reads, at most, for one round
READ_CONCURRENCY = 2


@dataclass(frozen=True)
class DriftReport:
    """One round: the resources read, those that could not be, and how many due ones were
    left for the next round (beyond its share of the budget, or after a rate limit)."""

    read: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()
    left: int = 0


class DriftWatch:
    """Reads the stalest handler lists, a budgeted share each round."""

    def __init__(
        self,
        *,
        database: Database,
        directory: Directory,
        budget: CallBudget,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], datetime] = utc_now,
        recorded: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`recorded`: waits until the readings made so far are recorded (`HandlerIndex.flush`:
        it records them in the background); None when they are recorded as they are read."""
        if interval_seconds <= 0:
            raise ValueError("the drift check needs a positive interval")
        self._database = database
        self._directory = directory
        self._budget = budget
        self.interval_seconds = interval_seconds
        self._clock = clock
        self._recorded = recorded
        # Resources whose last read failed, and when: tried again after the others, once an
        # interval, so one that cannot be read does not take every round's budget.
        self._failed_at: dict[str, datetime] = {}

    async def check_once(self) -> DriftReport:
        """Read the resources due, oldest snapshot first, within this round's share."""
        now = self._clock()
        resources = (await self._directory.inventory()).resources
        if self._recorded is not None:
            await self._recorded()  # the readings of cards and reviews meanwhile count
        async with self._database.reader() as repo:
            snapshots = await repo.snapshots()
        due = self._due(resources, snapshots, now=now)
        share = self._budget.calls_within(self.interval_seconds * BUDGET_SHARE)
        report = await self._read(due[:share])
        if self._recorded is not None:
            await self._recorded()  # compared before the round ends (and before the next one)
        report = DriftReport(
            read=report.read,
            unreadable=report.unreadable,
            left=report.left + max(0, len(due) - share),
        )
        logger.info(
            "drift check: %d handler lists read, %d unreadable, %d left for the next round",
            len(report.read),
            len(report.unreadable),
            report.left,
        )
        return report

    def _due(
        self,
        resources: Sequence[Resource],
        snapshots: Mapping[str, HandlerSnapshot],
        *,
        now: datetime,
    ) -> list[Resource]:
        """Resources not read (nor tried) within the interval: never read first, then the
        least recently read."""
        horizon = now - timedelta(seconds=self.interval_seconds)
        never: list[Resource] = []
        stale: list[tuple[datetime, Resource]] = []
        for resource in resources:
            snapshot = snapshots.get(resource.id)
            tried = [self._failed_at.get(resource.id), snapshot.taken_at if snapshot else None]
            last = max((t for t in tried if t is not None), default=None)
            if last is None:
                never.append(resource)
            elif last <= horizon:
                stale.append((last, resource))
        stale.sort(key=lambda pair: pair[0])
        return never + [resource for _, resource in stale]

    async def _read(self, resources: Sequence[Resource]) -> DriftReport:
        slots = asyncio.Semaphore(READ_CONCURRENCY)
        read: list[str] = []
        unreadable: list[str] = []
        stop = asyncio.Event()

        async def check(resource: Resource) -> None:
            async with slots:
                if stop.is_set():
                    return
                await self._budget.spend()
                try:
                    await self._directory.handlers(resource_id=resource.id)
                except RingCentralRateLimited as exc:
                    logger.warning("drift check stopped: RingCentral's rate limit (%s)", exc)
                    stop.set()
                    return
                except (RingCentralError, UnknownResource) as exc:
                    logger.warning("drift check could not read %s: %s", resource.id, exc)
                    self._failed_at[resource.id] = self._clock()
                    unreadable.append(resource.id)
                    return
                self._failed_at.pop(resource.id, None)
                read.append(resource.id)

        await asyncio.gather(*(check(r) for r in resources))
        left = len(resources) - len(read) - len(unreadable)
        return DriftReport(read=tuple(read), unreadable=tuple(unreadable), left=left)
