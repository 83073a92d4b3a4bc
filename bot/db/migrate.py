"""Upgrade, downgrade and inspect the database schema with the Alembic scripts in the package.

The scripts are in the repository's top-level `migrations/`, installed as `bot.migrations` (see
pyproject.toml), so they are found the same way in a checkout, an editable install and a wheel.

The async functions run Alembic on a connection of the app's own engine (`connection.run_sync`),
so they can be awaited from inside the running event loop; `upgrade()` is the blocking form.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db.errors import DatabaseNotMigratedError, DatabaseUnavailableError
from bot.db.session import Database, parse_database_url

# pg_advisory_xact_lock's first key: this app's migrations ("SMSH"); the second is the schema's.
MIGRATION_LOCK_CLASS = 0x534D5348
_LOCK_SQL = text("SELECT pg_advisory_xact_lock(:app, hashtext(coalesce(current_schema(), '')))")

# A folder on disk: Alembic reads the scripts by path (packages are installed unzipped).
MIGRATION_WAIT_SECONDS = 120.0
SCRIPT_LOCATION = Path(str(files("bot.migrations")))


def alembic_config(*, database_url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def head_revision() -> str:
    """The newest revision the scripts know."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def hold_migration_lock(connection: Connection) -> None:
    """On PostgreSQL, wait for and hold this schema's migration lock until the transaction ends.

    Instances starting at the same moment then migrate one after the other, and the later ones
    find the schema already at its revision. SQLite needs no lock: sessions begin with
    BEGIN IMMEDIATE, which admits one writer at a time (the others wait, see session.py).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_SQL, {"app": MIGRATION_LOCK_CLASS})


def known_revisions() -> frozenset[str]:
    """Every revision the scripts know (a database at another one was migrated by a newer
    version)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


async def _run(database: Database, action: Callable[[Config], None]) -> None:
    async with database.session() as session:
        connection = await session.connection()

        def run(sync_connection: Connection) -> None:
            hold_migration_lock(sync_connection)
            config = alembic_config()
            config.attributes["connection"] = sync_connection
            action(config)

        await connection.run_sync(run)


def _waiting_for_other_migrations(url: str) -> str:
    """`url`, with SQLite told to wait for the write lock as long as another instance's migration
    may take (the usual busy timeout is for ordinary writes), unless the URL sets its own."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() != "sqlite" or "timeout" in parsed.query:
        return url
    patient = parsed.update_query_dict({"timeout": f"{MIGRATION_WAIT_SECONDS:g}"})
    return patient.render_as_string(hide_password=False)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest)."""
    database = Database.from_url(_waiting_for_other_migrations(url))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MIGRATION_WAIT_SECONDS
    try:
        while True:
            try:
                await _run(database, lambda config: command.upgrade(config, revision))
                return
            except DatabaseUnavailableError as exc:
                # SQLite refuses at once (no busy wait) a read transaction that would have to
                # become a write while another process writes: the other instance's migration.
                # Once it is done, this upgrade finds nothing (or less) to do.
                if not exc.busy or loop.time() >= deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await database.dispose()


async def downgrade_async(url: str, revision: str) -> None:
    """Downgrade the database at `url` to `revision` (`base` removes every table)."""
    database = Database.from_url(url)
    try:
        await _run(database, lambda config: command.downgrade(config, revision))
    finally:
        await database.dispose()


async def current_async(url: str) -> str | None:
    """The revision the database at `url` is at, or None before the first upgrade."""
    database = Database.from_url(url)
    try:
        return await current_revision(database)
    finally:
        await database.dispose()


async def current_revision(database: Database) -> str | None:
    """The revision of an open database, or None before the first upgrade."""
    async with database.session(read_only=True) as session:
        connection = await session.connection()
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def require_current_schema(database: Database) -> None:
    """Fail with a clear message unless the database is at the newest revision."""
    current = await current_revision(database)
    head = head_revision()
    if current != head:
        state = "has no tables yet" if current is None else f"is at revision {current}"
        raise DatabaseNotMigratedError(
            f"The database in DATABASE_URL {state}; this version needs {head}. "
            "Run `sms-handlers db upgrade` (the bot also upgrades at start-up)."
        )


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking form of `upgrade_async`, for code that is not inside an event loop."""
    asyncio.run(upgrade_async(url, revision))


async def open_database(*, database_url: str, auto_migrate: bool = True) -> Database:
    """The app's database at start-up: migrated to the newest revision, or checked to be there."""
    if auto_migrate:
        await upgrade_async(database_url)
    database = Database.from_url(database_url)
    try:
        await require_current_schema(database)
    except BaseException:
        await database.dispose()
        raise
    return database
