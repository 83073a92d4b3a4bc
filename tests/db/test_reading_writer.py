"""The handler index records readings off the answer path (on SQLite and on PostgreSQL): every
reading is compared, in the order it came, each change made outside the bot is recorded and
announced once, and shutdown records what is left, whenever background tasks are cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.background import BackgroundTasks
from bot.db.session import Database
from bot.domain import AuditAction, AuditEvent, ExtensionRef, Handler, Resource, ResourceType
from bot.ringcentral.auth import Credentials
from bot.ringcentral.client import RingCentralClient
from bot.services.budget import CallBudget
from bot.services.directory import Directory, HandlerReading
from bot.services.handler_index import HandlerIndex

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
QUEUE = Resource(id="4001", type=ResourceType.CALL_QUEUE, name="Support")
ANA = Handler(id="201", name="Ana Ruiz", extension_number="201")
BEN = Handler(id="202", name="Ben Ode", extension_number="202")
CAL = Handler(id="203", name="Cal Ng", extension_number="203")


class Alerts:
    """ChangeAlerts that remember what they were told, in order."""

    def __init__(self) -> None:
        self.told: list[AuditEvent] = []

    def announce(self, event: AuditEvent) -> None:
        self.told.append(event)


@pytest.fixture
async def directory() -> AsyncIterator[Directory]:
    """A directory that is never asked to read: the readings are made up by the tests."""
    unused = Credentials(server_url="http://127.0.0.1:9", client_id="x", client_secret="x", jwt="x")
    client = RingCentralClient.from_credentials(unused)
    try:
        yield Directory(client=client)
    finally:
        await client.close()


def seen(resource: Resource = QUEUE) -> list[HandlerReading]:
    """Readings of the resource a minute apart, showing three changes made outside the bot: Ben
    added, Ana removed, Cal added (the same list twice between them is no change)."""
    lists = [(ANA,), (ANA, BEN), (ANA, BEN), (BEN,), (BEN, CAL), (BEN, CAL)]
    return [
        HandlerReading(resource, handlers, T0 + timedelta(minutes=i))
        for i, handlers in enumerate(lists)
    ]


CHANGES = [((BEN.id,), ()), ((), (ANA.id,)), ((CAL.id,), ())]


async def outside_changes(
    database: Database, resource: Resource = QUEUE
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    async with database.reader() as repo:
        events = (await repo.history(resource_id=resource.id, limit=100)).events
    return [
        (tuple(r.id for r in e.added), tuple(r.id for r in e.removed))
        for e in reversed(events)
        if e.action is AuditAction.EXTERNAL_CHANGE
    ]


def changes_told(alerts: Alerts) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(tuple(r.id for r in e.added), tuple(r.id for r in e.removed)) for e in alerts.told]


async def stored(database: Database) -> tuple[ExtensionRef, ...] | None:
    async with database.reader() as repo:
        snapshot = await repo.latest_snapshot(resource_id=QUEUE.id)
    return None if snapshot is None else snapshot.handlers


async def test_every_reading_is_compared_in_order_after_the_answer(
    database: Database, directory: Directory
) -> None:
    alerts = Alerts()
    index = HandlerIndex(
        database=database, directory=directory, budget=CallBudget(calls=25), alerts=alerts
    )
    for reading in seen():
        await index.record(reading)  # as the directory does after each read
    assert await stored(database) is None  # nothing written while the answer is on its way

    await index.flush()

    assert await outside_changes(database) == CHANGES
    assert changes_told(alerts) == CHANGES  # each announced once, in order
    assert [r.id for r in await stored(database) or ()] == [BEN.id, CAL.id]
    await index.close()
    assert changes_told(alerts) == CHANGES


async def test_cancelling_background_tasks_at_shutdown_loses_no_reading(
    database: Database, directory: Directory
) -> None:
    alerts = Alerts()
    tasks = BackgroundTasks()
    index = HandlerIndex(
        database=database,
        directory=directory,
        budget=CallBudget(calls=25),
        alerts=alerts,
        tasks=tasks,
    )
    for steps in range(12):  # the tasks cancelled at each point of the writer's work in turn
        queue = Resource(id=f"40{steps:02}", type=ResourceType.CALL_QUEUE, name=f"Q{steps}")
        alerts.told.clear()
        for reading in seen(queue):
            await index.record(reading)
        for _ in range(steps):
            await asyncio.sleep(0)
        await tasks.cancel_all()
        await index.close()

        assert await outside_changes(database, queue) == CHANGES
        assert changes_told(alerts) == CHANGES
