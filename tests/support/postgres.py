"""PostgreSQL for tests: the server from SMS_HANDLERS_TEST_POSTGRES_URL, one fresh schema per test.

Without that variable the PostgreSQL tests skip with a reason, unless
SMS_HANDLERS_REQUIRE_POSTGRES=1 (as in CI): then they fail, so a missing server never passes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from bot.db.session import create_engine, parse_database_url

POSTGRES_URL_ENV = "SMS_HANDLERS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "SMS_HANDLERS_REQUIRE_POSTGRES"


def postgres_url_or_skip() -> str:
    """The test server's URL; skips the test (or fails it, when PostgreSQL is required)."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    message = (
        f"PostgreSQL tests need {POSTGRES_URL_ENV} "
        "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
    )
    if os.environ.get(REQUIRE_POSTGRES_ENV, "").strip() == "1":
        pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {message}")
    pytest.skip(message)


@asynccontextmanager
async def isolated_schema(server_url: str) -> AsyncIterator[str]:
    """A database URL whose tables live in a new, empty schema, dropped afterwards."""
    schema = f"t_{secrets.token_hex(6)}"
    engine = create_engine(server_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = parse_database_url(server_url).update_query_dict({"search_path": schema})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            async with engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await engine.dispose()
