"""Reads shared by key: one read in flight per key, and a result kept a few seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedReads(Generic[T]):
    """At most one read per key in flight: callers arriving meanwhile await the same read, and a
    result younger than `fresh_seconds` is given again without reading.

    A failed read is not kept. `forget(key)` drops the key's result, and detaches a read in
    flight from later callers (its result is not kept either), e.g. once the value has changed.
    """

    def __init__(
        self, *, fresh_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fresh = fresh_seconds
        self._clock = clock
        self._results: dict[str, tuple[T, float]] = {}  # key -> (value, read at)
        self._reads: dict[str, asyncio.Task[T]] = {}
        self._generations: dict[str, int] = {}
        self.reads = 0  # reads started (observability; tests and benchmarks read it)

    async def get(self, key: str, read: Callable[[], Awaitable[T]]) -> T:
        """The key's value: the recent result, the read in flight, or a new `read()`."""
        kept = self._results.get(key)
        if kept is not None:
            if self._clock() - kept[1] < self._fresh:
                return kept[0]
            del self._results[key]  # expired: keep the table as small as what is fresh
        task = self._reads.get(key)
        if task is None:
            generation = self._generations.get(key, 0)
            task = asyncio.get_running_loop().create_task(self._run(key, read, generation))
            task.add_done_callback(_retrieve_exception)
            self._reads[key] = task
            self.reads += 1
        # shield: a caller giving up must not cancel the read other callers wait for.
        return await asyncio.shield(task)

    def has(self, key: str) -> bool:
        """Whether `get(key)` would not start a read: a fresh result, or a read in flight."""
        kept = self._results.get(key)
        fresh = kept is not None and self._clock() - kept[1] < self._fresh
        return fresh or key in self._reads

    def reading(self, key: str) -> bool:
        """Whether a read of `key` is in flight."""
        return key in self._reads

    def forget(self, key: str) -> None:
        """Drop the key's result; a read in flight is neither shared further nor kept."""
        self._generations[key] = self._generations.get(key, 0) + 1
        self._results.pop(key, None)
        self._reads.pop(key, None)

    async def _run(self, key: str, read: Callable[[], Awaitable[T]], generation: int) -> T:
        try:
            value = await read()
        finally:
            current = self._generations.get(key, 0) == generation
            if current:
                self._reads.pop(key, None)
        if current:
            self._results[key] = (value, self._clock())
        return value


def _retrieve_exception(task: asyncio.Task[object]) -> None:
    # Marks a failure as seen when every caller gave up before it ended (no "never retrieved").
    if not task.cancelled():
        task.exception()
