"""One coordinator among instances: background work runs in one instance at a time.

Several `serve` processes may share one database. Work that must not run twice at once (the
periodic jobs, a `who` scan of every resource's handlers) runs under a named lease: a row in
`coordinator_leases` saying which instance holds it until when. `Leases.run_alone` takes the
lease, renews it every third of its length while the work runs, cancels the work if the lease
cannot be kept (renewal refused, or the database unreachable until shortly before it expires),
and gives it up when the work ends. An instance killed with kill -9 stops renewing; its lease
runs out and another instance takes it, within one lease length.

The `Coordinator` runs every registered periodic job under one lease, "background": the jobs
are light (a few queries a minute), so spreading them over instances gains nothing, while one
holder for all of them means one renewal per period, one place to look ("which instance runs the
jobs?"), and jobs that touch the same requests never race each other from two instances. A
`who` scan has its own lease (see HandlerIndex): it starts in the instance whose user asked.

Lease times are the instances' wall clocks (UTC): hosts sharing a database must keep their
clocks synchronised (NTP), as for any lease.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.repository import LeaseState
from bot.db.session import Database

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 30.0
BACKGROUND_LEASE = "background"
WAIT_POLL_SECONDS = 1.0  # how often a waiting instance looks again, at most
OWNER_LENGTH = 128  # coordinator_leases.owner


def new_instance_id() -> str:
    """This process's name in the lease table: host, pid, and a random part (pids are reused)."""
    host = socket.gethostname() or "host"
    suffix = f"/{os.getpid()}/{secrets.token_hex(4)}"
    return host[: OWNER_LENGTH - len(suffix)] + suffix


class Leases:
    """This instance's named leases in the database."""

    def __init__(
        self,
        database: Database,
        *,
        owner: str,
        seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if seconds <= 0:
            raise ValueError("a lease needs a positive length")
        self._database = database
        self.owner = owner
        self.seconds = seconds
        self._clock = clock
        self._running: set[str] = set()  # leases this process is running work under

    async def acquire(self, name: str) -> bool:
        """Take the lease, or renew it if it is ours; False when another instance holds it."""
        now = self._clock()
        async with self._database.transaction() as repo:
            return await repo.acquire_lease(
                name=name,
                owner=self.owner,
                now=now,
                expires_at=now + timedelta(seconds=self.seconds),
            )

    async def release(self, name: str) -> None:
        """Give the lease up (if ours), so another instance can take it without waiting."""
        async with self._database.transaction() as repo:
            await repo.release_lease(name=name, owner=self.owner)

    async def holder(self, name: str) -> LeaseState | None:
        """Who holds the lease now; None when nobody does (never taken, released or expired)."""
        async with self._database.reader() as repo:
            lease = await repo.lease(name=name)
        if lease is None or lease.expires_at <= self._clock():
            return None
        return lease

    async def run_alone(
        self,
        name: str,
        work: Callable[[], Awaitable[None]],
        *,
        wait_seconds: float = 0.0,
        poll_seconds: float = WAIT_POLL_SECONDS,
    ) -> bool:
        """Run `work()` while this instance holds the lease `name`; True once it ran.

        While another instance holds the lease, tries again (every `poll_seconds` at most, and
        right when the holder's lease runs out) for up to `wait_seconds`, then returns False
        without running anything. Exceptions of `work` propagate; if the lease is lost
        meanwhile, `work` is cancelled and this returns True.
        """
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + wait_seconds
        while True:
            if name not in self._running:  # (another task of this process may be running it)
                self._running.add(name)
                try:
                    sent_at = loop.time()
                    if await self._try_acquire(name):
                        await self._hold_while(name, work, renewed_at=sent_at)
                        return True
                finally:
                    self._running.discard(name)
            left = give_up_at - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(await self._until_retry(name, poll_seconds), left))

    async def _try_acquire(self, name: str) -> bool:
        try:
            return await self.acquire(name)
        except Exception as exc:  # an unreachable database: nobody may run it here, for now
            logger.warning("could not take the %r lease: %s", name, exc)
            return False

    async def _until_retry(self, name: str, poll_seconds: float) -> float:
        """Seconds until trying again: the poll period, or less when the holder's lease ends."""
        try:
            lease = await self.holder(name)
        except Exception:
            return poll_seconds
        if lease is None:
            return min(poll_seconds, 0.05)
        ends_in = (lease.expires_at - self._clock()).total_seconds()
        return max(0.05, min(poll_seconds, ends_in + 0.05))

    async def _hold_while(
        self, name: str, work: Callable[[], Awaitable[None]], *, renewed_at: float
    ) -> None:
        """Run `work` to its end, renewing the lease every third of its length; cancel it when
        the lease cannot be kept; release the lease in any case."""
        loop = asyncio.get_running_loop()
        renew_every = self.seconds / 3
        retry_every = max(0.05, min(WAIT_POLL_SECONDS, renew_every / 2))
        # The work stops a sixth of the lease before the lease could expire: a cancelled task
        # needs a moment to unwind, and no other instance may start before it has.
        keep_for = self.seconds * 5 / 6
        next_attempt = renewed_at + renew_every
        task = loop.create_task(_call(work), name=f"lease {name}")
        try:
            while not task.done():
                deadline = renewed_at + keep_for
                await asyncio.wait(
                    {task}, timeout=max(0.0, min(next_attempt, deadline) - loop.time())
                )
                if task.done():
                    break
                if loop.time() >= deadline:
                    logger.error("could not renew the %r lease in time: stopping its work", name)
                    break
                sent_at = loop.time()
                try:  # a database that hangs must not keep the work going past the deadline
                    held = await asyncio.wait_for(self.acquire(name), deadline - sent_at)
                except Exception as exc:
                    logger.warning(
                        "could not renew the %r lease (trying again): %s", name, exc or repr(exc)
                    )
                    next_attempt = loop.time() + retry_every
                    continue
                if not held:
                    logger.error("another instance took the %r lease: stopping its work", name)
                    break
                renewed_at, next_attempt = sent_at, sent_at + renew_every
        finally:
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            try:
                await self.release(name)
            except Exception as exc:
                logger.warning("could not release the %r lease (it will expire): %s", name, exc)
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure


async def _call(work: Callable[[], Awaitable[None]]) -> None:
    await work()


@dataclass(frozen=True)
class PeriodicJob:
    """Background work run every `every_seconds` (after the previous run ended)."""

    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]  # what it returns (a report, say) is not used
    # The first run, this long after the instance took the jobs over (0: at once).
    first_after_seconds: float = 0.0


class Coordinator:
    """Runs the registered periodic jobs in the one instance holding the "background" lease."""

    def __init__(self, leases: Leases, *, lease_name: str = BACKGROUND_LEASE) -> None:
        self._leases = leases
        self._lease_name = lease_name
        self._jobs: list[PeriodicJob] = []
        self._task: asyncio.Task[None] | None = None
        self.leading = False  # this instance runs the jobs right now

    @property
    def jobs(self) -> tuple[PeriodicJob, ...]:
        return tuple(self._jobs)

    def register(self, job: PeriodicJob) -> None:
        """Add a job (before `start`)."""
        if self._task is not None:
            raise RuntimeError("register jobs before starting the coordinator")
        if job.every_seconds <= 0:
            raise ValueError(f"job {job.name!r} needs a positive interval")
        if any(j.name == job.name for j in self._jobs):
            raise ValueError(f"a job named {job.name!r} is registered already")
        self._jobs.append(job)

    def start(self) -> None:
        """Compete for the lease in the background; run the jobs whenever it is ours."""
        if self._task is None and self._jobs:
            self._task = asyncio.get_running_loop().create_task(self._compete(), name="coordinator")

    async def aclose(self) -> None:
        """Stop the jobs and give the lease up, so another instance takes over at once."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _compete(self) -> None:
        poll = max(self._leases.seconds / 3, 0.05)
        while True:
            try:
                await self._leases.run_alone(
                    self._lease_name, self._run_jobs, wait_seconds=math.inf, poll_seconds=poll
                )
            except Exception:
                logger.exception("the background jobs stopped unexpectedly")
                await asyncio.sleep(poll)

    async def _run_jobs(self) -> None:
        names = ", ".join(job.name for job in self._jobs)
        logger.info(
            "this instance (%s) now runs the background jobs: %s", self._leases.owner, names
        )
        self.leading = True
        try:
            await asyncio.gather(*(self._repeat(job) for job in self._jobs))
        finally:
            self.leading = False
            logger.info("this instance no longer runs the background jobs")

    @staticmethod
    async def _repeat(job: PeriodicJob) -> None:
        await asyncio.sleep(job.first_after_seconds)
        while True:
            try:
                await job.run()
            except Exception:
                logger.exception(
                    "background job %r failed; it runs again in %g s", job.name, job.every_seconds
                )
            await asyncio.sleep(job.every_seconds)
