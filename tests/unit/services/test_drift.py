"""The drift check against the demo sandbox and a real SQLite database: which handler lists a
round reads (never read first, then the oldest; nothing read within the interval; a budgeted
share), and how a list that cannot be read is tried again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.session import Database
from bot.domain import AuditAction
from bot.services.budget import CallBudget
from bot.services.directory import Directory
from bot.services.drift import DriftWatch
from bot.services.handler_index import HandlerIndex
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer
from tests.support.services import migrated_sqlite, running_sandbox, sandbox_client

INTERVAL = 600.0
SUPPORT = "4001"


@dataclass
class Setup:
    sandbox: SandboxServer
    database: Database
    directory: Directory
    wall: list[datetime]  # the app's wall clock
    monotonic: list[float] = field(default_factory=lambda: [0.0])  # the budget's clock

    def watch(self, *, calls: int = 100, interval: float = INTERVAL) -> DriftWatch:
        """A drift check whose budget allows `calls` reads a minute (on the test's clock), with
        the handler index recording what it reads."""
        budget = CallBudget(calls=calls, window_seconds=60, clock=lambda: self.monotonic[0])
        index = HandlerIndex(database=self.database, directory=self.directory, budget=budget)
        return DriftWatch(
            database=self.database,
            directory=self.directory,
            budget=budget,
            interval_seconds=interval,
            clock=lambda: self.wall[0],
            recorded=index.flush,
        )

    def later(self, seconds: float) -> None:
        self.wall[0] += timedelta(seconds=seconds)
        self.monotonic[0] += seconds

    def reads(self) -> list[str]:
        return [r.path.split("/")[-2] for r in self.sandbox.requests if "sms-recipients" in r.path]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with running_sandbox() as sandbox:
        client = sandbox_client(sandbox)
        database = await migrated_sqlite(tmp_path)
        wall = [datetime.now(UTC)]
        directory = Directory(client=client, wall_clock=lambda: wall[0])
        setup = Setup(sandbox, database, directory, wall)
        try:
            yield setup
        finally:
            await client.close()
            await database.dispose()


async def test_a_round_reads_what_was_not_read_within_the_interval(setup: Setup) -> None:
    watch = setup.watch()
    first = await watch.check_once()
    assert len(first.read) == 7 and first.left == 0

    setup.later(INTERVAL / 2)
    await setup.directory.handlers(resource_id=SUPPORT)  # someone opens the Support card
    setup.later(INTERVAL / 2)  # one interval after the first round, half one after the card
    second = await watch.check_once()

    assert sorted(second.read) == sorted(set(first.read) - {SUPPORT})
    setup.later(1)
    assert (await watch.check_once()).read == ()  # everything was read within the interval


async def test_never_read_first_then_the_oldest_within_a_share_of_the_budget(setup: Setup) -> None:
    # 3 reads a minute and a one-minute interval: a round may spend what half a minute allows,
    # the 3 reads free now, of the account's 7 resources.
    watch = setup.watch(calls=3, interval=60.0)
    first = await watch.check_once()
    assert (len(first.read), first.left) == (3, 4)

    setup.later(61)
    second = await watch.check_once()  # the 4 never read come first, then the 3 read before
    assert (len(second.read), second.left) == (3, 4)
    assert not set(second.read) & set(first.read)

    setup.later(61)
    third = await watch.check_once()
    [never_read] = set(third.read) - set(first.read)
    assert never_read not in second.read
    assert len(set(third.read) & set(first.read)) == 2  # the oldest, not those of round two
    assert not set(third.read) & set(second.read)


async def test_a_list_that_cannot_be_read_is_tried_again_once_an_interval(setup: Setup) -> None:
    setup.sandbox.inject_fault(
        Fault(rf"/{SUPPORT}/sms-recipients$", method="GET", status=404, times=100)
    )
    watch = setup.watch()
    first = await watch.check_once()
    assert first.unreadable == (SUPPORT,) and len(first.read) == 6

    setup.later(INTERVAL / 2)  # never read, but tried moments ago: not this round
    assert await watch.check_once() == type(first)()
    setup.later(INTERVAL / 2 + 1)
    again = await watch.check_once()
    assert again.unreadable == (SUPPORT,) and len(again.read) == 6

    setup.sandbox.clear_faults()
    setup.later(INTERVAL + 1)
    assert SUPPORT in (await watch.check_once()).read


async def test_what_a_round_reads_is_compared_with_the_snapshots(setup: Setup) -> None:
    watch = setup.watch()
    await watch.check_once()
    setup.sandbox.set_sms_recipients(SUPPORT, ["6002"])
    setup.later(INTERVAL + 1)
    await watch.check_once()
    setup.later(INTERVAL + 1)
    await watch.check_once()

    async with setup.database.reader() as repo:
        events = (await repo.history(resource_id=SUPPORT)).events
    assert [e.action for e in events] == [AuditAction.EXTERNAL_CHANGE]
    assert [r.name for r in events[0].removed] == ["Ava Chen"]


def test_an_interval_must_be_positive(setup: Setup) -> None:
    with pytest.raises(ValueError, match="positive interval"):
        DriftWatch(
            database=setup.database,
            directory=setup.directory,
            budget=CallBudget(calls=1),
            interval_seconds=0,
        )


async def test_the_read_back_of_a_change_the_bot_sent_is_its_own(setup: Setup) -> None:
    """Even a change sent without a request being applied (straight through the directory):
    its read-back says what was sent, and only the rest counts as made outside the bot."""
    watch = setup.watch()
    await watch.check_once()
    setup.later(1)
    await setup.directory.apply_change(resource_id=SUPPORT, added=["6003"], removed=["6001"])
    setup.later(INTERVAL + 1)
    await watch.check_once()

    async with setup.database.reader() as repo:
        assert (await repo.history(resource_id=SUPPORT)).events == ()
        snapshot = await repo.latest_snapshot(resource_id=SUPPORT)
    assert snapshot is not None and sorted(r.id for r in snapshot.handlers) == ["6002", "6003"]
