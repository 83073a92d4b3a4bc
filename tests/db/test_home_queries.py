"""What App Home reads and remembers, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db.repository import Repository
from bot.db.session import Database
from bot.domain import SYSTEM_ACTOR, AuditAction, ChangeRequest, RequestStatus, ResourceType
from tests.db.test_repository import BOB, CARA

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def request_by(repo: Repository, requester_id: str, resource_id: str) -> ChangeRequest:
    created = await repo.create_request(
        resource_id=resource_id,
        resource_type=ResourceType.CALL_QUEUE,
        resource_name=f"Queue {resource_id}",
        requester_id=requester_id,
        requester_name=requester_id,
        add=[BOB],
        remove=[],
        reason="cover",
    )
    return created.request


async def handlers_changed(repo: Repository, resource_id: str, action: AuditAction) -> int:
    event = await repo.append_event(
        actor_id=SYSTEM_ACTOR,
        actor_name=None,
        action=action,
        resource_id=resource_id,
        resource_name=f"Queue {resource_id}",
        added=[CARA],
    )
    return event.id


async def test_home_viewers_are_remembered_once_with_their_last_visit_and_email(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        await repo.record_home_opened(user_id="U0ANN", email="old@acme.example", at=T0)
        later = T0 + timedelta(hours=1)
        await repo.record_home_opened(user_id="U0ANN", email=" Ann@Acme.example ", at=later)
        await repo.record_home_opened(user_id="U0BEN", email=None, at=T0)
    async with database.reader() as repo:
        assert await repo.home_viewers(among={"U0ANN", "U0CAL"}) == {"U0ANN"}
        assert await repo.home_viewers(among={"U0ANN", "U0BEN"}) == {"U0ANN", "U0BEN"}
        assert await repo.home_viewers(among=set()) == set()
        assert await repo.home_viewers(among=set(), emails={"ANN@acme.example"}) == {"U0ANN"}
        assert await repo.home_viewers(among={"U0BEN"}, emails={"old@acme.example"}) == {"U0BEN"}


async def test_open_requests_of_one_requester(database: Database) -> None:
    async with database.transaction() as repo:
        first = await request_by(repo, "U0ANN", "cq-1")
        await request_by(repo, "U0BEN", "cq-1")
        cancelled = await request_by(repo, "U0ANN", "cq-2")
        await repo.cancel(request_id=cancelled.id, actor_id="U0ANN", actor_name="Ann")
        third = await request_by(repo, "U0ANN", "cq-3")
    async with database.reader() as repo:
        found = await repo.pending_requests(
            statuses=(RequestStatus.PENDING, RequestStatus.FAILED), requester_id="U0ANN"
        )
    assert [r.id for r in found] == [first.id, third.id]


async def test_latest_handler_changes_on_the_resources_someone_requested(
    database: Database,
) -> None:
    async with database.transaction() as repo:
        await request_by(repo, "U0ANN", "cq-1")
        await request_by(repo, "U0ANN", "cq-2")
        await request_by(repo, "U0ANN", "cq-2")  # a resource asked for twice counts once
        await request_by(repo, "U0BEN", "cq-9")
        applied = [await handlers_changed(repo, "cq-1", AuditAction.APPLIED) for _ in range(3)]
        outside = await handlers_changed(repo, "cq-2", AuditAction.EXTERNAL_CHANGE)
        await handlers_changed(repo, "cq-9", AuditAction.APPLIED)  # not one of Ann's
        await handlers_changed(repo, "cq-1", AuditAction.APPLY_FAILED)  # not a change
    changes = (AuditAction.APPLIED, AuditAction.EXTERNAL_CHANGE)
    async with database.reader() as repo:
        sample = await repo.events_on_resources_requested_by(
            requester_id="U0ANN", actions=changes, limit=2, count_up_to=10
        )
        assert [e.id for e in sample.events] == [outside, applied[2]]
        assert (sample.total, sample.counted_all) == (4, True)
        capped = await repo.events_on_resources_requested_by(
            requester_id="U0ANN", actions=changes, limit=1, count_up_to=3
        )
        assert (len(capped.events), capped.total, capped.counted_all) == (1, 3, False)
        nobody = await repo.events_on_resources_requested_by(
            requester_id="U0NEW", actions=changes, limit=5, count_up_to=10
        )
        assert (nobody.events, nobody.total, nobody.counted_all) == ((), 0, True)
