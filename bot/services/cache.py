"""A value loaded on demand, kept for a TTL, with concurrent callers sharing one load."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedLoad(Generic[T]):
    """Caches the result of `load` for `ttl_seconds`; callers arriving mid-load await that load.

    A failed load is not cached. `invalidate()` makes the next caller load again, even when a load
    is in flight (that load's result still goes to the callers already waiting, but is not kept).
    """

    def __init__(
        self,
        load: Callable[[], Awaitable[T]],
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._clock = clock
        self._cached: tuple[T, float] | None = None  # (value, loaded at)
        self._task: asyncio.Task[T] | None = None
        self._generation = 0
        self.loads = 0  # loads started (observability; tests read it)

    def peek(self) -> T | None:
        """The cached value if it is still fresh, without loading."""
        if self._cached is not None and self._clock() - self._cached[1] < self._ttl:
            return self._cached[0]
        return None

    async def get(self, *, refresh: bool = False) -> T:
        """The cached value, loading it when missing, expired, or `refresh` is set."""
        if not refresh and self._cached is not None:
            value, loaded_at = self._cached
            if self._clock() - loaded_at < self._ttl:
                return value
        task = self._task
        if task is None:
            task = self._task = asyncio.get_running_loop().create_task(self._run(self._generation))
            task.add_done_callback(_retrieve_exception)
            self.loads += 1
        # shield: a caller giving up must not cancel the load other callers wait for.
        return await asyncio.shield(task)

    def invalidate(self) -> None:
        """Forget the value; the next `get` loads again."""
        self._generation += 1
        self._cached = None
        self._task = None

    async def _run(self, generation: int) -> T:
        try:
            value = await self._load()
        finally:
            if self._generation == generation:
                self._task = None
        if self._generation == generation:
            self._cached = (value, self._clock())
        return value


def _retrieve_exception(task: asyncio.Task[object]) -> None:
    # Marks a failure as seen when every caller gave up before it ended (no "never retrieved").
    if not task.cancelled():
        task.exception()
