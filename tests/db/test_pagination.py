"""Keyset pagination over a few thousand audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bot.db.models import AuditEventRow
from bot.db.session import Database
from bot.domain import AuditAction

EVENTS = 3000
RESOURCES = ["cq-1", "cq-2", "site-3"]


async def _bulk_insert(database: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "occurred_at": start + timedelta(minutes=n),
            "actor_id": f"U{n % 7}",
            "actor_name": None,
            "action": AuditAction.EXTERNAL_CHANGE.value,
            "resource_id": RESOURCES[n % len(RESOURCES)],
            "resource_type": None,
            "resource_name": None,
            "request_id": None,
            "added": [],
            "removed": [],
            "handlers_before": None,
            "handlers_after": None,
            "details": {"n": n},
        }
        for n in range(EVENTS)
    ]
    async with database.session() as session:
        await session.execute(insert(AuditEventRow), rows)


async def _all_pages(database: Database, *, resource_id: str | None, limit: int) -> list[int]:
    ids: list[int] = []
    before_id: int | None = None
    while True:
        async with database.reader() as repo:
            page = await repo.history(resource_id=resource_id, before_id=before_id, limit=limit)
        assert len(page.events) <= limit
        ids.extend(event.id for event in page.events)
        if page.next_before_id is None:
            return ids
        assert page.next_before_id == page.events[-1].id
        before_id = page.next_before_id
        if len(ids) == 150:  # an event written while someone pages must not shift the pages
            async with database.transaction() as repo:
                await repo.append_event(
                    actor_id="U_NEW",
                    actor_name=None,
                    action=AuditAction.APPROVED,
                    resource_id="cq-1",
                )


async def test_every_event_once_newest_first(database: Database) -> None:
    await _bulk_insert(database)

    all_ids = await _all_pages(database, resource_id=None, limit=150)
    cq1_ids = await _all_pages(database, resource_id="cq-1", limit=97)

    assert len(all_ids) == EVENTS
    assert all_ids == sorted(all_ids, reverse=True) and len(set(all_ids)) == EVENTS
    assert len(cq1_ids) == EVENTS // len(RESOURCES) + 1  # plus the one written while paging
    assert cq1_ids == sorted(cq1_ids, reverse=True)
    async with database.reader() as repo:
        newest = (await repo.history(resource_id="cq-1", limit=1)).events[0]
        details = [e.details["n"] for e in (await repo.history(resource_id="cq-2", limit=3)).events]
    assert newest.actor_id == "U_NEW" and newest.id == cq1_ids[0]
    assert details == [2998, 2995, 2992]  # n % 3 == 1
