"""Waiting in tests for something another task or process does, with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    what: str,
    timeout_seconds: float = 15.0,
    poll_seconds: float = 0.02,
) -> None:
    """Return once `condition()` is true (it may be a coroutine function); fail naming `what`
    when it is still false after `timeout_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"gave up after {timeout_seconds:g} s waiting for {what}")
        await asyncio.sleep(poll_seconds)
