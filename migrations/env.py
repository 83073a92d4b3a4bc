"""Alembic environment: async-aware, the URL from the app's settings (or from bot.db.migrate).

`bot.db.migrate` hands over an open connection in `config.attributes["connection"]`; the
`alembic` command line (`alembic upgrade head` beside the repository's alembic.ini) uses
`config.attributes["database_url"]` or else DATABASE_URL from the settings.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.db import models  # noqa: F401  (registers the tables on Base.metadata)
from bot.db.base import Base
from bot.db.migrate import hold_migration_lock
from bot.db.session import create_engine, parse_database_url

target_metadata = Base.metadata

if context.config.config_file_name is not None:  # the alembic command line, with alembic.ini
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = context.config.attributes.get("database_url")
    if isinstance(url, str):
        return url
    from bot.config import load_settings

    return load_settings().database_url


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online_with_own_engine() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(hold_migration_lock)
            await connection.run_sync(_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=parse_database_url(_database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    shared = context.config.attributes.get("connection")
    if isinstance(shared, Connection):
        _run_migrations(shared)
    else:
        asyncio.run(_run_online_with_own_engine())
