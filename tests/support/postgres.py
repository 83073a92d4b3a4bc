"""PostgreSQL for tests: the server from SMS_HANDLERS_TEST_POSTGRES_URL, one fresh schema per test.

Without that variable the tests use the usual local server (database `test`, user `postgres` on
127.0.0.1:5432) when it answers, and otherwise skip with a reason; with
SMS_HANDLERS_REQUIRE_POSTGRES=1 (as in CI) they fail instead, so a missing server never passes.
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from bot.db.session import create_engine, parse_database_url

POSTGRES_URL_ENV = "SMS_HANDLERS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "SMS_HANDLERS_REQUIRE_POSTGRES"


LOCAL_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@functools.cache
def _local_server_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_url_or_skip() -> str:
    """The test server's URL; skips the test (or fails it, when PostgreSQL is required)."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    if _local_server_answers():
        return LOCAL_POSTGRES_URL
    message = (
        f"no PostgreSQL answers on 127.0.0.1:5432; set {POSTGRES_URL_ENV} "
        f"to a server's URL (e.g. {LOCAL_POSTGRES_URL}) to run these tests"
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
