"""Recording handler readings (`Repository.record_reading`), on SQLite and on PostgreSQL: each
reading is compared with the stored snapshot, and a change the bot did not make is one
`external_change` event, never two."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db.repository import RecordedReading, Repository
from bot.db.session import Database
from bot.domain import (
    SYSTEM_ACTOR,
    AuditAction,
    AuditEvent,
    ExtensionRef,
    ResourceType,
    readings_between,
)
from tests.db.test_repository import BOB, CARA, DAN, LATER, OWNER, approve, new_request

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def record(
    repo: Repository, handlers: list[ExtensionRef], *, at: datetime, resource_id: str = "cq-1"
) -> RecordedReading:
    return await repo.record_reading(
        resource_id=resource_id,
        resource_type=ResourceType.CALL_QUEUE,
        resource_name="Support queue",
        handlers=handlers,
        read_at=at,
    )


async def record_alone(
    database: Database, handlers: list[ExtensionRef], *, at: datetime
) -> RecordedReading:
    async with database.transaction() as repo:
        return await record(repo, handlers, at=at)


async def outside_changes(database: Database) -> list[AuditEvent]:
    async with database.reader() as repo:
        events = (await repo.history(limit=100)).events
    return [e for e in reversed(events) if e.action is AuditAction.EXTERNAL_CHANGE]


async def test_a_first_reading_is_the_baseline_and_the_same_list_again_is_no_change(
    database: Database,
) -> None:
    first = await record_alone(database, [CARA, DAN], at=T0)
    again = await record_alone(database, [DAN, CARA], at=T0 + MINUTE)  # order does not matter

    assert first.change is None and first.recorded
    assert again.change is None and again.recorded
    assert again.snapshot.taken_at == T0 + MINUTE
    assert await outside_changes(database) == []


async def test_a_difference_is_one_event_saying_who_when_and_between_which_readings(
    database: Database,
) -> None:
    await record_alone(database, [CARA, DAN], at=T0)
    changed = await record_alone(database, [DAN, BOB], at=T0 + 10 * MINUTE)
    later = await record_alone(database, [DAN, BOB], at=T0 + 20 * MINUTE)

    [event] = await outside_changes(database)
    assert changed.change == event and later.change is None
    assert event.actor_id == SYSTEM_ACTOR and event.request_id is None
    assert (event.resource_id, event.resource_name) == ("cq-1", "Support queue")
    assert event.resource_type is ResourceType.CALL_QUEUE
    assert event.added == (BOB,) and event.removed == (CARA,)
    assert event.handlers_before == (CARA, DAN) and event.handlers_after == (DAN, BOB)
    assert event.occurred_at == T0 + 10 * MINUTE  # when it was seen
    assert readings_between(event) == (T0, T0 + 10 * MINUTE)
    async with database.reader() as repo:
        snapshot = await repo.latest_snapshot(resource_id="cq-1")
    assert snapshot is not None and snapshot.handlers == (DAN, BOB)
    assert snapshot.taken_at == T0 + 20 * MINUTE


async def test_a_reading_older_than_the_snapshot_is_dropped(database: Database) -> None:
    await record_alone(database, [CARA], at=T0 + MINUTE)
    late = await record_alone(database, [CARA, DAN], at=T0)  # sent earlier, answered later

    assert not late.recorded and late.change is None
    assert late.snapshot.handlers == (CARA,) and late.snapshot.taken_at == T0 + MINUTE
    assert await outside_changes(database) == []


async def test_what_a_request_being_applied_changes_is_the_bots_own(database: Database) -> None:
    """The request adds Bob and removes Cara; Dan leaving at the same time was someone else."""
    await record_alone(database, [CARA, DAN], at=T0)
    async with database.transaction() as repo:
        request = await new_request(repo)  # add Bob, remove Cara
        await approve(repo, request.id, "U_BOSS")
        await repo.start_applying(
            request_id=request.id,
            actor_id="U_BOSS",
            actor_name="Boss",
            owner=OWNER,
            lease_until=LATER,
        )

    half = await record_alone(database, [CARA, DAN, BOB], at=T0 + MINUTE)  # Bob added first
    done = await record_alone(database, [BOB], at=T0 + 2 * MINUTE)  # Cara removed; Dan gone

    assert half.change is None
    assert done.change is not None
    assert done.change.added == () and done.change.removed == (DAN,)
    async with database.transaction() as repo:  # applied: its changes are no longer in flight
        await repo.finish(
            request_id=request.id, owner=OWNER, handlers_before=[CARA, DAN], handlers_after=[BOB]
        )
        after = await record(repo, [CARA], at=T0 + 3 * MINUTE)  # someone swaps Bob for Cara
    assert after.change is not None
    assert after.change.added == (CARA,) and after.change.removed == (BOB,)
    assert len(await outside_changes(database)) == 2


async def test_concurrent_readings_of_one_change_record_it_once(database: Database) -> None:
    """A card, a review and the drift check read the same change at nearly the same moment,
    each in its own transaction (two instances, say): one event."""
    await record_alone(database, [CARA], at=T0)
    results = await asyncio.gather(
        *(record_alone(database, [CARA, DAN], at=T0 + i * MINUTE) for i in range(1, 6))
    )

    events = await outside_changes(database)
    assert len(events) == 1 and events[0].added == (DAN,)
    assert [r.change for r in results if r.change is not None] == events


async def test_concurrent_first_readings_leave_one_snapshot_and_compare_the_later(
    database: Database,
) -> None:
    results = await asyncio.gather(
        record_alone(database, [CARA], at=T0), record_alone(database, [CARA], at=T0 + MINUTE)
    )

    assert all(r.change is None for r in results)
    async with database.reader() as repo:
        snapshot = await repo.latest_snapshot(resource_id="cq-1")
    assert snapshot is not None and snapshot.handlers == (CARA,)
    assert await outside_changes(database) == []


async def test_a_read_back_names_what_the_bot_just_sent(database: Database) -> None:
    await record_alone(database, [CARA, DAN], at=T0)
    async with database.transaction() as repo:
        back = await repo.record_reading(
            resource_id="cq-1",
            resource_type=ResourceType.CALL_QUEUE,
            resource_name="Support queue",
            handlers=[BOB],  # the bot added Bob and removed Cara; Dan went meanwhile
            read_at=T0 + MINUTE,
            bot_added=[BOB.id],
            bot_removed=[CARA.id],
        )
    assert back.change is not None
    assert back.change.added == () and back.change.removed == (DAN,)
