from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.app_harness import Harness, running_app


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The app with the demo sandbox (no latency, no rate limits) and the Slack stand-in."""
    async with running_app(tmp_path) as harness:
        yield harness
