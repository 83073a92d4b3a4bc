from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.app_harness import Harness, running_app
from tests.support.postgres import isolated_schema, postgres_url_or_skip

# Answers meaning Slack rejected what the app sent (Block Kit limits, malformed arguments).
REJECTED = {"invalid_blocks", "invalid_blocks_format", "invalid_arguments", "invalid_form_data"}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The app with the demo sandbox (no latency, no rate limits) and the Slack stand-in.

    Afterwards: nothing the app sent to Slack during the test was rejected as malformed.
    """
    async with running_app(tmp_path) as harness:
        yield harness
        assert_nothing_rejected(harness)


def assert_nothing_rejected(harness: Harness) -> None:
    """Slack rejected nothing the app sent as malformed."""
    rejected = [
        (call.method, call.response)
        for call in harness.slack.calls
        if call.response.get("error") in REJECTED
    ]
    assert not rejected, rejected


@dataclass(frozen=True)
class DatabaseChoice:
    """A database for the app: its name as the fault matrix writes it, and DATABASE_URL."""

    name: str
    url: str


@pytest.fixture(params=["SQLite", pytest.param("PostgreSQL", marks=pytest.mark.postgres)])
async def database_choice(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseChoice]:
    """An empty database: a SQLite file, or a fresh schema on the PostgreSQL test server."""
    if request.param == "SQLite":
        yield DatabaseChoice("SQLite", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
        return
    async with isolated_schema(postgres_url_or_skip()) as url:
        yield DatabaseChoice("PostgreSQL", url)
