"""`database_url` runs each test on SQLite (a temporary file) and on PostgreSQL (its own schema)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db.migrate import upgrade_async
from bot.db.session import Database
from tests.support.postgres import isolated_schema, postgres_url_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    async with isolated_schema(postgres_url_or_skip()) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    await upgrade_async(database_url)
    database = Database.from_url(database_url)
    try:
        yield database
    finally:
        await database.dispose()
