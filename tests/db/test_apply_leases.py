"""Who applies a request, until when, and what recovery may take over (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db.repository import Repository, TransitionResult
from bot.db.session import Database
from bot.domain import AuditAction, ChangeRequest, RequestIntent, RequestStatus
from tests.db.test_repository import BOB, CARA, DAN, actions, new_request

ME = "host-a:100:aaaaaa"
OTHER = "host-b:200:bbbbbb"


def now() -> datetime:
    return datetime.now(UTC)


async def approved_and_claimed(
    database: Database, *, owner: str = ME, lease_until: datetime | None = None
) -> ChangeRequest:
    """A request approved and claimed for applying by `owner` (lease: one minute by default)."""
    async with database.transaction() as repo:
        created = await new_request(repo)
        await repo.decide(
            request_id=created.id,
            intent=RequestIntent.APPROVE,
            decider_id="U_BOSS",
            decider_name="Boss",
        )
        claimed = await repo.start_applying(
            request_id=created.id,
            actor_id="U_BOSS",
            actor_name="Boss",
            owner=owner,
            lease_until=lease_until or now() + timedelta(minutes=1),
        )
    assert claimed.won
    return claimed.request


async def take_over(repo: Repository, request_id: int, *, at: datetime) -> TransitionResult:
    return await repo.take_over(
        request_id=request_id,
        owner=OTHER,
        lease_until=at + timedelta(minutes=1),
        now=at,
        approved_before=at - timedelta(minutes=1),
    )


async def test_a_claim_names_its_owner_and_lease(database: Database) -> None:
    until = now() + timedelta(seconds=30)
    request = await approved_and_claimed(database, lease_until=until)

    assert request.status is RequestStatus.APPLYING
    assert request.apply_owner == ME
    assert request.apply_lease_until is not None
    assert abs((request.apply_lease_until - until).total_seconds()) < 0.001


async def test_a_live_lease_cannot_be_taken_over_an_expired_one_can(database: Database) -> None:
    request = await approved_and_claimed(database)
    async with database.transaction() as repo:
        refused = await take_over(repo, request.id, at=now())
    assert not refused.won and refused.request.apply_owner == ME

    later = now() + timedelta(minutes=2)  # the owner stopped renewing
    async with database.transaction() as repo:
        taken = await take_over(repo, request.id, at=later)
    assert taken.won
    assert taken.request.status is RequestStatus.APPLYING and taken.request.apply_owner == OTHER
    assert taken.event is not None and taken.event.action is AuditAction.TAKEN_OVER
    assert taken.event.details["previous_owner"] == ME
    assert taken.event.details["previous_status"] == "applying"
    assert taken.event.details["owner"] == OTHER
    async with database.transaction() as repo:
        again = await take_over(repo, request.id, at=later)
    assert not again.won  # the new owner's lease is live
    assert await actions(database, request.id) == [
        AuditAction.REQUESTED,
        AuditAction.APPROVED,
        AuditAction.APPLYING,
        AuditAction.TAKEN_OVER,
    ]


async def test_an_approved_request_is_taken_over_only_once_left_for_a_lease(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        created = await new_request(repo)
        approved = await repo.decide(
            request_id=created.id,
            intent=RequestIntent.APPROVE,
            decider_id="U_BOSS",
            decider_name="Boss",
        )
    assert approved.request.status is RequestStatus.APPROVED
    async with database.transaction() as repo:
        fresh = await take_over(repo, created.id, at=now())
    assert not fresh.won

    async with database.transaction() as repo:
        old = await take_over(repo, created.id, at=now() + timedelta(minutes=5))
    assert old.won and old.request.status is RequestStatus.APPLYING
    assert old.event is not None and old.event.details["previous_status"] == "approved"


async def test_only_the_owner_renews_records_or_resends(database: Database) -> None:
    request = await approved_and_claimed(database)
    async with database.transaction() as repo:
        assert not await repo.renew_apply_lease(
            request_id=request.id, owner=OTHER, until=now() + timedelta(hours=1)
        )
        assert await repo.renew_apply_lease(
            request_id=request.id, owner=ME, until=now() + timedelta(hours=1)
        )
        resend = await repo.reapply(request_id=request.id, owner=OTHER, details={})
        finished = await repo.finish(
            request_id=request.id, owner=OTHER, handlers_before=[CARA], handlers_after=[BOB]
        )
        failed = await repo.fail(
            request_id=request.id, owner=OTHER, error_code="X", error_message="no"
        )

    assert not resend.won and not finished.won and not failed.won
    assert finished.request.status is RequestStatus.APPLYING
    assert finished.request.apply_lease_until is not None
    assert finished.request.apply_lease_until > now() + timedelta(minutes=30)

    async with database.transaction() as repo:
        mine = await repo.finish(
            request_id=request.id, owner=ME, handlers_before=[CARA], handlers_after=[BOB, DAN]
        )
    assert mine.won and mine.request.status is RequestStatus.APPLIED
    assert mine.request.apply_lease_until is None and mine.request.apply_owner == ME


async def test_released_leases_are_abandoned_at_once(database: Database) -> None:
    mine = await approved_and_claimed(database)
    theirs = await approved_and_claimed(database, owner=OTHER)
    async with database.reader() as repo:
        assert await repo.abandoned_requests(now=now(), approved_before=now()) == []

    async with database.transaction() as repo:
        assert await repo.release_apply_leases(owner=ME) == 1

    async with database.reader() as repo:
        abandoned = await repo.abandoned_requests(
            now=now() + timedelta(milliseconds=1), approved_before=now()
        )
    assert [r.id for r in abandoned] == [mine.id]
    assert theirs.id not in [r.id for r in abandoned]


async def test_messages_showing_an_older_status_are_found_until_marked(database: Database) -> None:
    async with database.transaction() as repo:
        legacy = await new_request(repo)  # from before the bot recorded what it showed
        announced = await new_request(repo)
        assert await repo.mark_notified(request_id=announced.id, status=RequestStatus.PENDING)
        assert not await repo.mark_notified(request_id=legacy.id, status=RequestStatus.APPLIED)
        await repo.decide(
            request_id=legacy.id,
            intent=RequestIntent.REJECT,
            decider_id="U_BOSS",
            decider_name="Boss",
        )
    applied = await approved_and_claimed(database)
    async with database.transaction() as repo:
        await repo.finish(request_id=applied.id, owner=ME, handlers_before=[], handlers_after=[])
        await repo.decide(
            request_id=announced.id,
            intent=RequestIntent.REJECT,
            decider_id="U_BOSS",
            decider_name="Boss",
        )

    async with database.reader() as repo:
        stale = await repo.unnotified_requests()
    assert [(r.id, r.status, r.notified_status) for r in stale] == [
        (announced.id, RequestStatus.REJECTED, RequestStatus.PENDING),
        (applied.id, RequestStatus.APPLIED, None),
    ]

    async with database.transaction() as repo:
        for request in stale:
            assert await repo.mark_notified(request_id=request.id, status=request.status)
    async with database.reader() as repo:
        assert await repo.unnotified_requests() == []
