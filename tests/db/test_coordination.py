"""The statements instances coordinate with, on SQLite and PostgreSQL: named leases (taken,
renewed, refused, taken over once expired) and the shared RingCentral rate-limit state (merged
answers, calls claimed one by one)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db.repository import RateLimitState
from bot.db.session import Database

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def acquire(database: Database, owner: str, *, now: float, seconds: float = 30) -> bool:
    async with database.transaction() as repo:
        return await repo.acquire_lease(
            name="background", owner=owner, now=at(now), expires_at=at(now + seconds)
        )


async def holder(database: Database) -> tuple[str, datetime, datetime] | None:
    async with database.reader() as repo:
        lease = await repo.lease(name="background")
    return None if lease is None else (lease.owner, lease.acquired_at, lease.expires_at)


# -- leases ------------------------------------------------------------------------------------


async def test_a_free_lease_is_taken_and_others_are_refused_until_it_expires(
    database: Database,
) -> None:
    assert await acquire(database, "a", now=0)
    assert not await acquire(database, "b", now=10)
    assert not await acquire(database, "b", now=29.9)
    assert await holder(database) == ("a", at(0), at(30))

    assert await acquire(database, "b", now=30)  # expired: taken over
    assert await holder(database) == ("b", at(30), at(60))
    assert not await acquire(database, "a", now=31)  # the old holder's renewal is refused


async def test_the_holder_renews_keeping_when_it_took_the_lease(database: Database) -> None:
    assert await acquire(database, "a", now=0)
    assert await acquire(database, "a", now=10)
    assert await acquire(database, "a", now=35, seconds=5)  # also after expiry, if nobody took it
    assert await holder(database) == ("a", at(0), at(40))


async def test_leases_are_independent_by_name(database: Database) -> None:
    async with database.transaction() as repo:
        assert await repo.acquire_lease(name="x", owner="a", now=at(0), expires_at=at(30))
        assert await repo.acquire_lease(name="y", owner="b", now=at(0), expires_at=at(30))
        assert not await repo.acquire_lease(name="x", owner="b", now=at(0), expires_at=at(30))


async def test_only_the_holder_releases_and_then_anyone_takes_it(database: Database) -> None:
    assert await acquire(database, "a", now=0)
    async with database.transaction() as repo:
        assert not await repo.release_lease(name="background", owner="b")
    assert not await acquire(database, "b", now=1)

    async with database.transaction() as repo:
        assert await repo.release_lease(name="background", owner="a")
    assert await holder(database) is None
    assert await acquire(database, "b", now=2)


async def test_of_many_instances_taking_a_lease_at_once_exactly_one_wins(
    database: Database,
) -> None:
    owners = [f"instance-{n}" for n in range(12)]

    won = await asyncio.gather(*(acquire(database, owner, now=0) for owner in owners))

    assert sum(won) == 1
    winner = owners[won.index(True)]
    assert (await holder(database) or ("",))[0] == winner

    # And once it expired, again exactly one of them.
    others = [o for o in owners if o != winner]
    won = await asyncio.gather(*(acquire(database, owner, now=31) for owner in others))
    assert sum(won) == 1


# -- shared rate-limit state -------------------------------------------------------------------


async def record(
    database: Database,
    *,
    now: float,
    remaining: int,
    window: float = 60,
    blocked_for: float | None = None,
) -> None:
    async with database.transaction() as repo:
        await repo.record_rate_limit(
            rate_group="Light",
            remaining=remaining,
            window_ends_at=at(now + max(window, blocked_for or 0)),
            blocked_until=None if blocked_for is None else at(now + blocked_for),
            now=at(now),
        )


async def light(database: Database) -> RateLimitState:
    async with database.reader() as repo:
        return (await repo.rate_limit_states())["Light"]


async def claim(database: Database, *, now: float) -> bool:
    async with database.transaction() as repo:
        claimed = await repo.claim_rate_call(
            rate_group="Light", now=at(now), probe_until=at(now + 3)
        )
    return claimed is not None


async def test_within_a_window_the_count_only_goes_down(database: Database) -> None:
    await record(database, now=0, remaining=30)
    await record(database, now=1, remaining=12)
    await record(database, now=2, remaining=20)  # an answer that missed calls counted since

    state = await light(database)
    assert (state.remaining, state.window_ends_at, state.blocked_until) == (12, at(60), None)

    await record(database, now=61, remaining=49)  # a new window
    state = await light(database)
    assert (state.remaining, state.window_ends_at) == (49, at(121))


async def test_a_penalty_blocks_the_group_and_only_ever_lengthens(database: Database) -> None:
    await record(database, now=0, remaining=5)
    await record(database, now=1, remaining=0, blocked_for=60)
    await record(database, now=2, remaining=0, blocked_for=30)  # shorter: the longer stays
    await record(database, now=3, remaining=4)  # a late answer does not lift it

    state = await light(database)
    assert state.blocked_until == at(61)
    assert not await claim(database, now=60)
    assert await claim(database, now=62)  # the penalty's window is over: this finds out anew


async def test_calls_are_claimed_until_none_is_left_in_the_window(database: Database) -> None:
    await record(database, now=0, remaining=3)

    claims = [await claim(database, now=1) for _ in range(4)]

    assert claims == [True, True, True, False]
    assert (await light(database)).remaining == 0


async def test_after_the_window_one_claim_finds_out_the_new_count(database: Database) -> None:
    await record(database, now=0, remaining=0, window=60)

    assert await claim(database, now=61)  # this call's answer tells the new window's count
    assert (await light(database)).remaining is None
    assert not await claim(database, now=61.5)  # the others wait for that answer

    await record(database, now=62, remaining=49)
    state = await light(database)
    assert (state.remaining, state.window_ends_at) == (49, at(122))
    assert await claim(database, now=62.1)


async def test_a_finding_out_that_never_answers_lapses(database: Database) -> None:
    await record(database, now=0, remaining=0, window=60)
    assert await claim(database, now=61)

    assert not await claim(database, now=63.9)
    assert await claim(database, now=64.1)  # 3 s later another call finds out


async def test_concurrent_claims_never_take_more_than_is_left(database: Database) -> None:
    await record(database, now=0, remaining=5)

    claims = await asyncio.gather(*(claim(database, now=1) for _ in range(12)))

    assert sum(claims) == 5
    assert (await light(database)).remaining == 0
