from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.app_harness import Harness, running_app

# Answers meaning Slack rejected what the app sent (Block Kit limits, malformed arguments).
REJECTED = {"invalid_blocks", "invalid_blocks_format", "invalid_arguments", "invalid_form_data"}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The app with the demo sandbox (no latency, no rate limits) and the Slack stand-in.

    Afterwards: nothing the app sent to Slack during the test was rejected as malformed.
    """
    async with running_app(tmp_path) as harness:
        yield harness
        rejected = [
            (call.method, call.response)
            for call in harness.slack.calls
            if call.response.get("error") in REJECTED
        ]
        assert not rejected, rejected
