"""The handler index against the demo sandbox and a real SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.session import Database
from bot.services.budget import CallBudget
from bot.services.coordinator import Leases
from bot.services.directory import Directory
from bot.services.handler_index import HandlerIndex
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer
from tests.support.services import migrated_sqlite, running_sandbox, sandbox_client

BEN = "6002"  # handles Support (4001) and Sales (4002)


@dataclass
class Setup:
    sandbox: SandboxServer
    database: Database
    directory: Directory
    now: list[datetime]

    def index(
        self, *, calls: int = 25, scan_seconds: float = 1500.0, instance: str | None = None
    ) -> HandlerIndex:
        """`instance`: scans keep to one instance at a time, this one being called so."""
        return HandlerIndex(
            database=self.database,
            directory=self.directory,
            budget=CallBudget(calls=calls, window_seconds=60),
            max_scan_seconds=scan_seconds,
            clock=lambda: self.now[0],
            scan_lease=None if instance is None else Leases(self.database, owner=instance),
        )

    def reads(self) -> list[str]:
        return [r.path.split("/")[-2] for r in self.sandbox.requests if "sms-recipients" in r.path]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with running_sandbox() as sandbox:
        client = sandbox_client(sandbox)
        database = await migrated_sqlite(tmp_path)
        try:
            yield Setup(sandbox, database, Directory(client=client), [datetime.now(UTC)])
        finally:
            await client.close()
            await database.dispose()


async def test_a_scan_reads_what_was_never_read_and_answers_from_it(setup: Setup) -> None:
    index = setup.index()
    known = await index.handled_by(user_id=BEN)
    assert (known.handled, len(known.never_read), known.total) == ((), 7, 7)
    plan = index.plan(known)
    assert (len(plan.to_read), plan.left_out, plan.seconds) == (7, 0, 0.0)
    await index.refresh(plan)
    known = await index.handled_by(user_id=BEN)
    assert known.complete
    assert sorted(s.resource.name for s in known.handled) == ["Sales", "Support"]
    assert not index.plan(known).needed  # all fresh: nothing to read again


async def test_a_small_budget_bounds_the_scan_and_says_so(setup: Setup) -> None:
    index = setup.index(calls=2, scan_seconds=60)
    plan = index.plan(await index.handled_by(user_id=BEN))
    assert (len(plan.to_read), plan.left_out, plan.seconds) == (4, 3, 60.0)


async def test_old_snapshots_of_the_persons_resources_are_read_first(setup: Setup) -> None:
    index = setup.index()
    await index.refresh(index.plan(await index.handled_by(user_id=BEN)))
    setup.now[0] += timedelta(hours=2)
    known = await index.handled_by(user_id=BEN)
    assert len(known.old) == 7 and not known.complete
    plan = index.plan(known)
    assert [r.name for r in plan.to_read[:2]] in (["Support", "Sales"], ["Sales", "Support"])
    assert len(plan.to_read) == 7


async def test_a_resource_that_cannot_be_read_stays_unknown(setup: Setup) -> None:
    setup.sandbox.inject_fault(Fault(r"/extension/4003/sms-recipients$", status=404, times=5))
    index = setup.index()
    await index.refresh(index.plan(await index.handled_by(user_id=BEN)))
    known = await index.handled_by(user_id=BEN)
    assert [r.name for r in known.never_read] == ["Billing"]
    assert sorted(setup.reads()) == ["1000", "2000", "3000", "4001", "4002", "4003", "4004"]


async def test_list_counts_use_fresh_snapshots_then_the_budget(setup: Setup) -> None:
    index = setup.index(calls=3)
    resources = (await setup.directory.inventory()).resources
    first = await index.counts(resources)
    assert [c.count is not None for c in first].count(True) == 3  # the budget's three reads
    assert all(c.seen_at is None for c in first if c.count is not None)
    second = await index.counts(resources)  # no budget left: the three snapshots serve
    assert [c.count for c in second] == [c.count for c in first]
    assert len(setup.reads()) == 3


async def test_another_instances_scan_is_waited_for_and_not_repeated(setup: Setup) -> None:
    setup.sandbox.options.latency_seconds = 0.05  # a scan long enough to be caught running
    first, second = setup.index(instance="a"), setup.index(instance="b")
    scanning = asyncio.create_task(first.refresh(first.plan(await first.handled_by(user_id=BEN))))
    for _ in range(200):
        if setup.reads():
            break
        await asyncio.sleep(0.01)
    plan = second.plan(await second.handled_by(user_id=BEN))
    assert plan.needed  # as far as the second instance can tell, everything needs reading

    await second.refresh(plan)  # waits for the first instance's scan, then reads what is left

    assert scanning.done()
    assert sorted(setup.reads()) == ["1000", "2000", "3000", "4001", "4002", "4003", "4004"]
    known = await second.handled_by(user_id=BEN)
    assert known.complete
    assert sorted(s.resource.name for s in known.handled) == ["Sales", "Support"]


async def test_what_another_instances_scan_left_is_read_after_it(setup: Setup) -> None:
    setup.sandbox.options.latency_seconds = 0.05
    setup.sandbox.inject_fault(Fault(r"/extension/4003/sms-recipients$", status=404, times=1))
    first, second = setup.index(instance="a"), setup.index(instance="b")
    scanning = asyncio.create_task(first.refresh(first.plan(await first.handled_by(user_id=BEN))))
    for _ in range(200):
        if setup.reads():
            break
        await asyncio.sleep(0.01)

    await second.refresh(second.plan(await second.handled_by(user_id=BEN)))

    await scanning
    assert sorted(setup.reads()).count("4003") == 2  # failed in the first, read by the second
    assert len(setup.reads()) == 8
    assert (await second.handled_by(user_id=BEN)).complete
