"""`Database.requests_version` moves after each of this instance's transactions that wrote a
change request, and only then: the running temporary changes a card shows are cached against it
(bot.services.temporary), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db.session import Database
from tests.db.test_temporary import ENDS, running_change


async def test_the_version_moves_with_writes_to_change_requests_only(database: Database) -> None:
    assert database.requests_version == 0
    async with database.reader() as repo:
        await repo.running_temporary(resource_id="cq-1")
    async with database.transaction() as repo:
        await repo.record_home_opened(user_id="U1", email=None, at=datetime.now(UTC))
    assert database.requests_version == 0  # a read, a write to another table

    change = await running_change(database)  # one transaction: created, decided, applied
    assert database.requests_version == 1

    async with database.transaction() as repo:  # an UPDATE statement only
        await repo.extend(
            request_id=change.id,
            previous_end=ENDS,
            ends_at=ENDS.replace(hour=ENDS.hour + 1),
            actor_id="U_BOSS",
            actor_name="Boss",
            now=ENDS.replace(hour=ENDS.hour - 1),
        )
    assert database.requests_version == 2

    other = Database(database.engine)  # another instance's writes do not move this one
    async with other.transaction() as repo:
        await repo.end_early(request_id=change.id, actor_id="U_BOSS", actor_name="Boss", now=ENDS)
    assert (database.requests_version, other.requests_version) == (2, 1)
