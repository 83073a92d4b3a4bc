"""Background work started after a Slack request was acknowledged, with references kept.

asyncio holds only weak references to tasks, so a task nobody keeps may vanish mid-way; every
task started here stays referenced until it ends, its failure goes to `on_error`, and shutdown
can wait for the ones still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

ErrorCallback = Callable[[BaseException], Awaitable[None]]


class BackgroundTasks:
    """A set of running tasks, each with an error callback."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(
        self, work: Coroutine[Any, Any, None], *, name: str, on_error: ErrorCallback
    ) -> asyncio.Task[None]:
        """Run `work` now in the background; its exception (if any) goes to `on_error`."""
        task = asyncio.get_running_loop().create_task(self._guarded(work, on_error), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: work.close())  # one cancelled before it started
        return task

    async def drain(self, *, timeout_seconds: float = 30.0) -> None:
        """Wait for the running tasks (and the ones they start) to end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{len(self._tasks)} background tasks still running")
            await asyncio.wait(set(self._tasks), timeout=remaining)

    async def cancel_all(self) -> None:
        """Stop every running task (at shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None], on_error: ErrorCallback) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            try:
                await on_error(exc)
            except Exception:
                logger.exception("reporting a background failure failed too")
