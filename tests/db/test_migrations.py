"""The Alembic scripts: they match the models, go up, down and up again, and guard the audit log."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.db.base import Base
from bot.db.errors import DatabaseNotMigratedError
from bot.db.migrate import (
    current_async,
    downgrade_async,
    head_revision,
    open_database,
    require_current_schema,
    upgrade,
    upgrade_async,
)
from bot.db.session import Database
from bot.domain import AuditAction
from tests.support.postgres import isolated_schema, postgres_url_or_skip

TABLES = {
    "alembic_version",
    "audit_events",
    "change_requests",
    "handler_snapshots",
    "coordinator_leases",
    "rate_limit_state",
    "request_approvals",
    "home_viewers",
    "temporary_notices",
}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_models_and_migrations_agree(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    database = Database.from_url(database_url)
    try:
        assert await current_async(database_url) is None
        with pytest.raises(DatabaseNotMigratedError, match="db upgrade"):
            await require_current_schema(database)

        await upgrade_async(database_url)
        assert await current_async(database_url) == head_revision()
        assert await _tables(database) == TABLES
        await require_current_schema(database)

        await downgrade_async(database_url, "base")
        assert await current_async(database_url) is None
        assert await _tables(database) <= {"alembic_version"}

        await upgrade_async(database_url)
        assert await current_async(database_url) == head_revision()
        async with database.transaction() as repo:
            event = await repo.append_event(
                actor_id="U1", actor_name="Ann", action=AuditAction.EXTERNAL_CHANGE, resource_id="r"
            )
        assert event.id == 1
    finally:
        await database.dispose()


def test_blocking_upgrade_outside_an_event_loop() -> None:
    url = "sqlite:///app.db"  # the test runs in tmp_path

    upgrade(url)
    upgrade(url)  # a second start-up finds nothing to do

    assert asyncio.run(current_async(url)) == head_revision()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET actor_id = 'U_EVIL'", "DELETE FROM audit_events"]
)
async def test_audit_events_cannot_be_changed_or_deleted(
    database: Database, statement: str
) -> None:
    async with database.transaction() as repo:
        await repo.append_event(
            actor_id="U1", actor_name="Ann", action=AuditAction.APPROVED, resource_id="cq-1"
        )

    with pytest.raises(DBAPIError, match="append-only"):
        async with database.engine.begin() as connection:
            await connection.execute(text(statement))

    async with database.reader() as repo:
        [event] = (await repo.history()).events
    assert event.actor_id == "U1"


async def test_open_database_migrates_unless_told_not_to(database_url: str) -> None:
    with pytest.raises(DatabaseNotMigratedError, match="has no tables yet"):
        await open_database(database_url=database_url, auto_migrate=False)

    database = await open_database(database_url=database_url)
    try:
        async with database.reader() as repo:
            assert await repo.pending_requests() == []
    finally:
        await database.dispose()
    again = await open_database(database_url=database_url, auto_migrate=False)
    await again.dispose()


@pytest.mark.postgres
async def test_audit_events_cannot_be_truncated_on_postgresql() -> None:
    async with isolated_schema(postgres_url_or_skip()) as url:
        database = await open_database(database_url=url)
        try:
            async with database.transaction() as repo:
                await repo.append_event(
                    actor_id="U1", actor_name="Ann", action=AuditAction.APPROVED, resource_id="r"
                )
            with pytest.raises(DBAPIError, match="append-only"):
                async with database.engine.begin() as connection:
                    await connection.execute(text("TRUNCATE audit_events"))
        finally:
            await database.dispose()


async def test_renaming_to_handlers_keeps_every_row_and_the_append_only_guard(
    database_url: str,
) -> None:
    """0002 renames recipients → handlers in place: rows written at 0001 survive up and down."""
    await upgrade_async(database_url, "0001")
    database = Database.from_url(database_url)
    bob = '[{"id": "101", "name": "Bob", "extension_number": "1001"}]'
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, actor_id, action, resource_id, added,"
                    " removed, recipients_before, details) VALUES (CURRENT_TIMESTAMP, 'U1',"
                    f" 'applied', 'cq-1', '[]', '[]', '{bob}', '{{}}')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO recipient_snapshots (resource_id, recipients, taken_at)"
                    f" VALUES ('cq-1', '{bob}', CURRENT_TIMESTAMP)"
                )
            )

        await upgrade_async(database_url, "0002")

        async with database.reader() as repo:
            [event] = (await repo.history()).events
            snapshot = await repo.latest_snapshot(resource_id="cq-1")
        assert [r.name for r in event.handlers_before or ()] == ["Bob"]
        assert snapshot is not None and [r.name for r in snapshot.handlers] == ["Bob"]
        with pytest.raises(DBAPIError, match="append-only"):
            async with database.engine.begin() as connection:
                await connection.execute(text("DELETE FROM audit_events"))

        await downgrade_async(database_url, "0001")
        async with database.engine.connect() as connection:
            kept = await connection.scalar(text("SELECT recipients FROM recipient_snapshots"))
        assert "Bob" in str(kept)
    finally:
        await database.dispose()


async def _columns(database: Database, table: str) -> set[str]:
    async with database.engine.connect() as connection:
        columns = await connection.run_sync(lambda sync: inspect(sync).get_columns(table))
    return {column["name"] for column in columns}


async def test_warnings_move_to_their_own_column_and_back(database_url: str) -> None:
    """0003 moves UNREADY_HANDLERS out of the error fields into `warning`, and back on downgrade."""
    await upgrade_async(database_url, "0002")
    database = Database.from_url(database_url)
    warning = "Added, but RingCentral gives them no SMS threads: Grace Kim (not assignable)."
    try:
        async with database.engine.begin() as connection:
            for request_id, status, code, message in [
                (1, "applied", "UNREADY_HANDLERS", warning),
                (2, "failed", "CMN-102", "Resource not found"),
                (3, "applied", None, None),
            ]:
                await connection.execute(
                    text(
                        "INSERT INTO change_requests (id, resource_id, resource_type,"
                        " resource_name, requester_id, requester_name, add_extensions,"
                        " remove_extensions, reason, status, created_at, updated_at, error_code,"
                        " error_message) VALUES (:id, 'cq-1', 'call_queue', 'Support', 'U1',"
                        " 'Ann', '[]', '[]', 'why', :status, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP, :code, :message)"
                    ),
                    {"id": request_id, "status": status, "code": code, "message": message},
                )
            await connection.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, actor_id, action, resource_id,"
                    " request_id, added, removed, details) VALUES (CURRENT_TIMESTAMP, 'system',"
                    " 'applied', 'cq-1', 1, '[]', '[]', '{}')"
                )
            )

        await upgrade_async(database_url, "0003")

        async with database.engine.connect() as connection:  # raw SQL: the models are newer
            rows = await connection.execute(
                text("SELECT warning, error_code, error_message FROM change_requests ORDER BY id")
            )
            assert [tuple(row) for row in rows] == [
                (warning, None, None),
                (None, "CMN-102", "Resource not found"),
                (None, None, None),
            ]

        await downgrade_async(database_url, "0002")

        assert "warning" not in await _columns(database, "change_requests")
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id, error_code, error_message FROM change_requests ORDER BY id")
            )
            assert [tuple(row) for row in rows] == [
                (1, "UNREADY_HANDLERS", warning),
                (2, "CMN-102", "Resource not found"),
                (3, None, None),
            ]
            assert await connection.scalar(text("SELECT request_id FROM audit_events")) == 1
        with pytest.raises(DBAPIError, match="append-only"):
            async with database.engine.begin() as connection:
                await connection.execute(text("DELETE FROM audit_events"))
    finally:
        await database.dispose()
