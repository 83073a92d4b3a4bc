"""Leases and the coordinator between two "instances" (two Leases objects, two owners) on one
real SQLite database, with short leases so that renewals and take-overs happen in a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db.base import utc_now
from bot.db.session import Database
from bot.services.coordinator import Coordinator, Leases, PeriodicJob, new_instance_id
from tests.support.services import migrated_sqlite

LEASE = 0.6  # seconds: renewed every 0.2 s


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated_sqlite(tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


def leases(database: Database, owner: str, **kwargs: object) -> Leases:
    return Leases(database, owner=owner, seconds=LEASE, **kwargs)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool], *, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("it never happened")


@dataclass
class Runs:
    """What ran where: (owner, started, ended) per run, ended None while it runs."""

    log: list[list[object]] = field(default_factory=list)

    def job(self, owner: str, *, seconds: float = 0.03) -> Callable[[], asyncio.Future[None]]:
        async def run() -> None:
            entry: list[object] = [owner, asyncio.get_running_loop().time(), None]
            self.log.append(entry)
            try:
                await asyncio.sleep(seconds)
            finally:  # also when cancelled: it stopped then
                entry[2] = asyncio.get_running_loop().time()

        return run  # type: ignore[return-value]

    def owners(self) -> list[object]:
        return [owner for owner, _, _ in self.log]

    def overlapping(self) -> list[tuple[object, object]]:
        """Pairs of runs by different owners whose times overlap."""
        found = []
        for i, (a, a_start, a_end) in enumerate(self.log):
            for b, b_start, b_end in self.log[i + 1 :]:
                if a == b:
                    continue
                a_stop = float("inf") if a_end is None else a_end
                b_stop = float("inf") if b_end is None else b_end
                if a_start < b_stop and b_start < a_stop:  # type: ignore[operator]
                    found.append((a, b))
        return found


async def test_work_runs_in_one_instance_while_its_lease_is_renewed(database: Database) -> None:
    # A longer lease than the others': a renewal late by a loaded machine's pause (SQLite's
    # write lock, a busy event loop) must not pass for a lost lease here.
    seconds = 2.0
    a, b = (
        Leases(database, owner="a", seconds=seconds),
        Leases(database, owner="b", seconds=seconds),
    )
    started, finish = asyncio.Event(), asyncio.Event()

    async def long_work() -> None:
        started.set()
        await finish.wait()

    running = asyncio.create_task(a.run_alone("scan", long_work))
    await started.wait()
    for _ in range(4):  # across several renewals (the lease alone would have expired)
        assert not await b.run_alone("scan", Runs().job("b"))
        await asyncio.sleep(seconds / 2)
    assert (await b.holder("scan")) is not None

    finish.set()
    assert await running
    assert await b.holder("scan") is None  # released at once, not left to expire
    ran = Runs()
    assert await b.run_alone("scan", ran.job("b"))
    assert ran.owners() == ["b"]


async def test_one_process_does_not_run_the_same_leased_work_twice(database: Database) -> None:
    a = leases(database, "a")
    ran = Runs()

    results = await asyncio.gather(
        a.run_alone("scan", ran.job("a", seconds=0.2)), a.run_alone("scan", ran.job("a"))
    )

    assert sorted(results) == [False, True] and len(ran.log) == 1


async def test_a_waiting_instance_runs_once_the_holder_is_done(database: Database) -> None:
    a, b = leases(database, "a"), leases(database, "b")
    ran = Runs()
    first = asyncio.create_task(a.run_alone("scan", ran.job("a", seconds=0.5)))
    await until(lambda: bool(ran.log))

    assert await b.run_alone("scan", ran.job("b"), wait_seconds=5, poll_seconds=0.1)

    assert await first
    assert ran.owners() == ["a", "b"] and ran.overlapping() == []


async def test_a_waiting_instance_gives_up_after_its_wait(database: Database) -> None:
    a, b = leases(database, "a"), leases(database, "b")
    finish = asyncio.Event()
    started = asyncio.Event()

    async def work() -> None:
        started.set()
        await finish.wait()

    running = asyncio.create_task(a.run_alone("scan", work))
    await started.wait()

    assert not await b.run_alone("scan", Runs().job("b"), wait_seconds=0.3, poll_seconds=0.05)

    finish.set()
    await running


async def test_work_whose_lease_was_taken_over_is_cancelled(database: Database) -> None:
    a = leases(database, "a")
    # "b" lives an hour ahead: to it, a's lease has long expired (as if a had stopped renewing).
    b = leases(database, "b", clock=lambda: utc_now() + timedelta(hours=1))
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def long_work() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    running = asyncio.create_task(a.run_alone("scan", long_work))
    await started.wait()
    assert await b.acquire("scan")

    await asyncio.wait_for(cancelled.wait(), LEASE * 2)
    assert await running  # it ran, until the lease was lost
    async with database.reader() as repo:
        lease = await repo.lease(name="scan")
    assert lease is not None and lease.owner == "b"  # a released nothing of b's


async def test_a_failing_work_releases_the_lease_and_says_why(database: Database) -> None:
    a, b = leases(database, "a"), leases(database, "b")

    async def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await a.run_alone("scan", broken)
    assert await b.acquire("scan")


async def test_jobs_run_in_one_instance_and_the_other_takes_over_when_it_stops(
    database: Database,
) -> None:
    ran = Runs()
    first, second = Coordinator(leases(database, "a")), Coordinator(leases(database, "b"))
    first.register(PeriodicJob("tick", every_seconds=0.02, run=ran.job("a")))
    second.register(PeriodicJob("tick", every_seconds=0.02, run=ran.job("b")))
    first.start()
    await until(lambda: first.leading)
    second.start()
    try:
        await until(lambda: len(ran.log) >= 20)  # several lease periods
        assert set(ran.owners()) == {"a"} and not second.leading

        await first.aclose()  # a stopping instance gives its lease up
        await until(lambda: "b" in ran.owners())  # promptly; the bound only stops a hang
        assert second.leading and not first.leading
    finally:
        await first.aclose()
        await second.aclose()

    assert ran.overlapping() == []
    switch = ran.owners().index("b")
    assert set(ran.owners()[:switch]) == {"a"} and set(ran.owners()[switch:]) == {"b"}


async def test_a_failing_job_runs_again_and_the_others_go_on(database: Database) -> None:
    ran = Runs()
    failures = []

    async def broken() -> None:
        failures.append(1)
        raise RuntimeError("boom")

    coordinator = Coordinator(leases(database, "a"))
    coordinator.register(PeriodicJob("broken", every_seconds=0.02, run=broken))
    coordinator.register(PeriodicJob("tick", every_seconds=0.02, run=ran.job("a")))
    coordinator.start()
    try:
        await until(lambda: len(failures) >= 3 and len(ran.log) >= 3)
    finally:
        await coordinator.aclose()


async def test_a_job_may_first_run_a_while_after_the_jobs_are_taken_over(
    database: Database,
) -> None:
    ran = Runs()
    coordinator = Coordinator(leases(database, "a"))
    coordinator.register(PeriodicJob("at once", every_seconds=60, run=ran.job("now")))
    coordinator.register(
        PeriodicJob("later", every_seconds=60, run=ran.job("later"), first_after_seconds=0.2)
    )
    coordinator.start()
    try:
        await until(lambda: "later" in ran.owners())
    finally:
        await coordinator.aclose()

    assert ran.owners() == ["now", "later"]  # the delayed one after the other's first run


def test_jobs_are_checked_when_registered() -> None:
    coordinator = Coordinator(Leases(Database.from_url("sqlite+aiosqlite://"), owner="a"))
    job = PeriodicJob("tick", every_seconds=1, run=Runs().job("a"))
    coordinator.register(job)
    with pytest.raises(ValueError, match="registered already"):
        coordinator.register(job)
    with pytest.raises(ValueError, match="positive interval"):
        coordinator.register(PeriodicJob("never", every_seconds=0, run=Runs().job("a")))


def test_instance_ids_differ_and_fit_the_owner_column() -> None:
    ids = {new_instance_id() for _ in range(5)}
    assert len(ids) == 5 and all(len(i) <= 128 for i in ids)
