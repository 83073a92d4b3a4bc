"""Temporary changes in the database, on SQLite and on PostgreSQL: their end, Extend and End now
guarded against each other, one revert each, and notices sent once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db.repository import Repository, RevertStart
from bot.db.session import Database
from bot.domain import (
    SYSTEM_ACTOR,
    AuditAction,
    ChangeRequest,
    ExtensionRef,
    NoticeKind,
    RequestIntent,
    RequestStatus,
    ResourceType,
    RevertSkip,
)
from tests.db.test_repository import BOB, CARA, DAN, LATER, OWNER, actions

T0 = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
ENDS = T0 + timedelta(hours=8)
OTHER = "host-b:200:fedcba"


async def running_change(database: Database, *, ends_at: datetime = ENDS) -> ChangeRequest:
    """Ann's temporary change adding Bob and removing Cara, approved and applied until
    `ends_at`."""
    async with database.transaction() as repo:
        created = await repo.create_request(
            resource_id="cq-1",
            resource_type=ResourceType.CALL_QUEUE,
            resource_name="Support queue",
            requester_id="U_ANN",
            requester_name="Ann",
            add=[BOB],
            remove=[CARA],
            reason="Bob covers this evening",
            handlers_before=[CARA, DAN],
            temporary_for=timedelta(hours=8),
            time_zone="America/Los_Angeles",
        )
        request_id = created.request.id
        await repo.decide(
            request_id=request_id,
            intent=RequestIntent.APPROVE,
            decider_id="U_BOSS",
            decider_name="Boss",
        )
        await repo.start_applying(
            request_id=request_id,
            actor_id="U_BOSS",
            actor_name="Boss",
            owner=OWNER,
            lease_until=LATER,
        )
        result = await repo.finish(
            request_id=request_id,
            owner=OWNER,
            handlers_before=[CARA, DAN],
            handlers_after=[DAN, BOB],
            ends_at=ends_at,
        )
    return result.request


async def start_revert(
    repo: Repository, request_id: int, now: datetime, owner: str = OWNER
) -> RevertStart:
    return await repo.start_revert(
        request_id=request_id,
        now=now,
        restore=[CARA],
        remove=[BOB],
        skipped=[],
        handlers_before=[DAN, BOB],
        owner=owner,
        lease_until=LATER,
    )


async def test_a_temporary_request_keeps_what_was_asked_and_runs_once_applied(
    database: Database,
) -> None:
    change = await running_change(database)
    assert change.temporary_for == timedelta(hours=8) and change.temporary_until is None
    assert change.time_zone == "America/Los_Angeles"
    assert change.ends_at == ENDS and change.ended_at is None
    assert change.temporary_running and change.is_temporary and not change.is_revert
    async with database.reader() as repo:
        assert [r.id for r in await repo.running_temporary(resource_id="cq-1")] == [change.id]
        assert await repo.running_temporary(resource_id="cq-2") == []
        assert await repo.running_temporary(ending_by=ENDS - timedelta(seconds=1)) == []
        assert [r.id for r in await repo.running_temporary(ending_by=ENDS)] == [change.id]
        [requested] = [
            e for e in (await repo.history(request_id=change.id)).events if e.action == "requested"
        ]
    assert requested.details["temporary_seconds"] == 8 * 3600


async def test_extend_needs_the_end_the_person_saw(database: Database) -> None:
    change = await running_change(database)
    later = ENDS + timedelta(days=1)
    async with database.transaction() as repo:
        moved = await repo.extend(
            request_id=change.id,
            previous_end=ENDS,
            ends_at=later,
            actor_id="U_ANN",
            actor_name="Ann",
            now=T0,
        )
        again = await repo.extend(
            request_id=change.id,
            previous_end=ENDS,  # someone extended it meanwhile
            ends_at=later + timedelta(hours=1),
            actor_id="U_BOSS",
            actor_name="Boss",
            now=T0,
        )
    assert moved.won and moved.request.ends_at == later
    assert moved.event is not None and moved.event.details["previous_ends_at"] == ENDS.isoformat()
    assert not again.won and again.request.ends_at == later
    assert (await actions(database, change.id))[-1] is AuditAction.EXTENDED


async def test_end_now_then_one_revert_whoever_asks(database: Database) -> None:
    change = await running_change(database)
    now = T0 + timedelta(hours=1)
    async with database.transaction() as repo:
        ended = await repo.end_early(
            request_id=change.id, actor_id="U_ANN", actor_name="Ann", now=now
        )
        twice = await repo.end_early(
            request_id=change.id, actor_id="U_ANN", actor_name="Ann", now=now
        )
    assert ended.won and ended.request.ends_at == now
    assert not twice.won

    async def attempt(owner: str) -> bool:
        async with database.transaction() as repo:
            return (await start_revert(repo, change.id, now, owner)).won

    assert sorted(await asyncio.gather(attempt(OWNER), attempt(OTHER))) == [False, True]
    async with database.reader() as repo:
        revert = await repo.revert_of(request_id=change.id)
        original = await repo.get_request(request_id=change.id)
    assert revert is not None and revert.reverts_request_id == change.id
    assert revert.status is RequestStatus.APPLYING and revert.apply_owner in (OWNER, OTHER)
    assert revert.add == (CARA,) and revert.remove == (BOB,)
    assert revert.requester_id == SYSTEM_ACTOR and revert.is_revert
    assert original is not None and original.ended_at == now and not original.temporary_running
    assert await actions(database, revert.id) == [AuditAction.REVERTING]

    async with database.transaction() as repo:
        done = await repo.finish(
            request_id=revert.id,
            owner=revert.apply_owner or "",
            handlers_before=[DAN, BOB],
            handlers_after=[CARA, DAN],
            revert=True,
        )
    assert done.won and done.request.status is RequestStatus.APPLIED
    assert await actions(database, revert.id) == [AuditAction.REVERTING, AuditAction.REVERTED]


async def test_an_end_is_acted_on_only_once_it_has_come_and_not_after_an_extension(
    database: Database,
) -> None:
    change = await running_change(database)
    async with database.transaction() as repo:
        early = await start_revert(repo, change.id, ENDS - timedelta(minutes=1))
        await repo.extend(
            request_id=change.id,
            previous_end=ENDS,
            ends_at=ENDS + timedelta(hours=2),
            actor_id="U_ANN",
            actor_name="Ann",
            now=T0,
        )
        stale = await start_revert(repo, change.id, ENDS + timedelta(minutes=1))
    assert not early.won and not stale.won
    async with database.reader() as repo:
        assert await repo.revert_of(request_id=change.id) is None


async def test_nothing_left_to_revert_is_recorded_with_why_and_told_once(
    database: Database,
) -> None:
    change = await running_change(database)
    skips = [
        RevertSkip(person=BOB, was_added=True, why="no longer a handler"),
        RevertSkip(person=CARA, was_added=False, why="a handler again already"),
    ]
    async with database.transaction() as repo:
        started = await repo.start_revert(
            request_id=change.id,
            now=ENDS,
            restore=[],
            remove=[],
            skipped=skips,
            handlers_before=[CARA, DAN],
            owner=OWNER,
            lease_until=LATER,
        )
    assert started.won and started.revert is None
    assert started.original.end_skipped == tuple(skips)
    async with database.reader() as repo:
        assert [r.id for r in await repo.ended_untold()] == [change.id]
        assert [r.id for r in await repo.ended_untold(since=ENDS)] == [change.id]
        assert await repo.ended_untold(since=ENDS + timedelta(days=7)) == []  # old news
        [skipped] = (await repo.history(request_id=change.id)).events[:1]
    assert skipped.action is AuditAction.REVERT_SKIPPED
    assert skipped.details["skipped"] == [
        {"id": "101", "name": "Bob Lee", "extension_number": "1001", "was_added": True,
         "why": "no longer a handler"},
        {"id": "102", "name": "Cara Diaz", "extension_number": "1002", "was_added": False,
         "why": "a handler again already"},
    ]  # fmt: skip

    async with database.transaction() as repo:
        assert await repo.claim_notice(
            request_id=change.id,
            kind=NoticeKind.ENDED,
            ends_at=ENDS,
            owner=OWNER,
            now=ENDS,
            until=ENDS + timedelta(minutes=1),
        )
        assert await repo.finish_notice(
            request_id=change.id,
            kind=NoticeKind.ENDED,
            ends_at=ENDS,
            owner=OWNER,
            now=ENDS,
            sent=True,
        )
    async with database.reader() as repo:
        assert await repo.ended_untold() == []
        assert await repo.notices_sent(request_id=change.id) == [(NoticeKind.ENDED, ENDS)]


async def test_a_notice_is_claimed_by_one_caller_at_a_time_and_sent_once(
    database: Database,
) -> None:
    change = await running_change(database)
    due = ENDS - timedelta(hours=1)

    async def claim(owner: str, now: datetime) -> bool:
        async with database.transaction() as repo:
            return await repo.claim_notice(
                request_id=change.id,
                kind=NoticeKind.HOUR_BEFORE,
                ends_at=ENDS,
                owner=owner,
                now=now,
                until=now + timedelta(seconds=30),
            )

    async def finish(owner: str, now: datetime, *, sent: bool) -> bool:
        async with database.transaction() as repo:
            return await repo.finish_notice(
                request_id=change.id,
                kind=NoticeKind.HOUR_BEFORE,
                ends_at=ENDS,
                owner=owner,
                now=now,
                sent=sent,
            )

    assert sorted(await asyncio.gather(claim(OWNER, due), claim(OTHER, due))) == [False, True]
    holder, other = (OWNER, OTHER) if await finish(OWNER, due, sent=False) else (OTHER, OWNER)
    assert await claim(other, due)  # given up: the next caller may send it
    assert not await claim(holder, due + timedelta(seconds=10))  # still claimed
    assert await claim(holder, due + timedelta(seconds=31))  # the claim ran out
    assert not await finish(other, due + timedelta(seconds=32), sent=True)  # no longer its own
    assert await finish(holder, due + timedelta(seconds=32), sent=True)
    assert not await claim(other, due + timedelta(hours=1))  # sent: never again
    async with database.reader() as repo:
        assert await repo.notices_sent(request_id=change.id) == [(NoticeKind.HOUR_BEFORE, ENDS)]


async def test_events_after_the_change_took_effect(database: Database) -> None:
    change = await running_change(database)
    async with database.transaction() as repo:
        applied = await repo.applied_event_id(request_id=change.id)
        await repo.append_event(
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            action=AuditAction.EXTERNAL_CHANGE,
            resource_id="cq-1",
            added=[ExtensionRef(id="104", name="Eve")],
        )
        await repo.append_event(
            actor_id=SYSTEM_ACTOR,
            actor_name=None,
            action=AuditAction.EXTERNAL_CHANGE,
            resource_id="cq-2",
        )
    assert applied is not None
    async with database.reader() as repo:
        later = await repo.events_after(resource_id="cq-1", after_id=applied)
        assert await repo.applied_event_id(request_id=change.id + 100) is None
    assert [(e.action, [r.name for r in e.added]) for e in later] == [
        (AuditAction.EXTERNAL_CHANGE, ["Eve"])
    ]


async def test_an_end_with_a_revert_is_told_with_the_revert_not_as_nothing_to_revert(
    database: Database,
) -> None:
    change = await running_change(database)
    async with database.transaction() as repo:
        await start_revert(repo, change.id, ENDS)
    async with database.reader() as repo:
        assert await repo.ended_untold() == []
