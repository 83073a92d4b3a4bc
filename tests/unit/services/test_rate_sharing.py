"""Two instances' rate-limit knowledge through one real SQLite database: a penalty one saw holds
the other, the cache is used for about a second, and near the limit calls are claimed one by one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.repository import RateLimitState, Repository
from bot.db.session import Database
from bot.ringcentral.ratelimit import route_key
from bot.services.rate_sharing import DatabaseRateLimits
from tests.support.services import migrated_sqlite

READ = route_key("GET", "/restapi/v1.0/account/~/extension/4001/sms-recipients")  # Light
SITES = route_key("GET", "/restapi/v1.0/account/~/sites")  # Light too


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated_sqlite(tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


class Instance:
    """One instance's shared state, with its own monotonic clock for the cache."""

    def __init__(self, database: Database) -> None:
        self.now = [0.0]
        self.limits = DatabaseRateLimits(database, monotonic=lambda: self.now[0])

    async def flushed(self) -> None:
        await self.limits.aclose()  # waits for what it still had to write

    async def admit(self, route: str = READ, group: str = "Light") -> float:
        return await self.limits.admit(route, group)


async def test_a_penalty_one_instance_saw_holds_the_other(database: Database) -> None:
    a, b = Instance(database), Instance(database)
    a.limits.observed(READ, "Light", remaining=0, window_seconds=0, hold_seconds=60)
    await a.flushed()

    held = await b.admit()

    assert 59 < held <= 60
    assert await b.admit(route_key("GET", "/restapi/v1.0/account/~/call-queues"), "Medium") == 0


async def test_a_route_not_answered_yet_counts_in_its_documented_group(database: Database) -> None:
    a, b = Instance(database), Instance(database)
    a.limits.observed(READ, "Light", remaining=0, window_seconds=0, hold_seconds=60)
    await a.flushed()

    assert await b.admit(SITES, SITES) > 59  # b's gate has not learnt the group of `sites` yet
    unknown = route_key("GET", "/restapi/v1.0/account/~/something-new")
    assert await b.admit(unknown, unknown) == 0


async def test_the_state_is_read_again_after_about_a_second(database: Database) -> None:
    a, b = Instance(database), Instance(database)
    assert await b.admit() == 0  # loads the (empty) state
    a.limits.observed(READ, "Light", remaining=0, window_seconds=0, hold_seconds=60)
    await a.flushed()

    assert await b.admit() == 0  # the cache: no query on every call
    b.now[0] += 1.0
    assert await b.admit() > 59


async def test_near_the_limit_every_call_is_claimed_across_instances(database: Database) -> None:
    a, b = Instance(database), Instance(database)
    a.limits.observed(READ, "Light", remaining=40, window_seconds=60)
    await a.flushed()
    assert [await b.admit() for _ in range(3)] == [0, 0, 0]  # plenty left: nothing claimed

    a.limits.observed(READ, "Light", remaining=3, window_seconds=60)
    await a.flushed()
    b.now[0] += 1.0

    assert [await b.admit() for _ in range(2)] == [0, 0]
    assert await a.admit() == 0  # a's own answer already told it the group is nearly used up
    assert 59 < await b.admit() <= 60  # none left: wait for the window to end
    assert 59 < await a.admit() <= 60


async def test_this_instances_own_news_count_at_once(database: Database) -> None:
    a = Instance(database)
    a.limits.observed(READ, "Light", remaining=0, window_seconds=60, hold_seconds=60)
    assert await a.admit() > 59  # before (and whatever) the write


async def test_own_news_written_while_the_cache_loads_is_not_forgotten(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The order a busy machine can give: the cache's read sees the table before the news is
    # written, and returns after the writer has written it and let it go.
    read_done, written = asyncio.Event(), asyncio.Event()
    read_states, record = Repository.rate_limit_states, Repository.record_rate_limit

    async def read_then_wait(repo: Repository) -> dict[str, RateLimitState]:
        states = await read_states(repo)
        read_done.set()
        await written.wait()
        return states

    async def record_after_the_read(repo: Repository, **news: Any) -> None:
        await read_done.wait()
        await record(repo, **news)

    monkeypatch.setattr(Repository, "rate_limit_states", read_then_wait)
    monkeypatch.setattr(Repository, "record_rate_limit", record_after_the_read)
    a = Instance(database)
    a.limits.observed(READ, "Light", remaining=0, window_seconds=60, hold_seconds=60)
    writer = asyncio.ensure_future(a.flushed())
    writer.add_done_callback(lambda _: written.set())

    assert await a.admit() > 59
    await writer


async def test_without_a_database_the_gate_goes_on_alone_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}")
    limits = DatabaseRateLimits(missing)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.services.rate_sharing"):
            assert await limits.admit(READ, "Light") == 0
            limits.observed(READ, "Light", remaining=2, window_seconds=60)
            await limits.aclose()
    finally:
        await missing.dispose()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings  # said once, not on every call
    assert "follows RingCentral's answers alone" in warnings[0]
