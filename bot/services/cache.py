"""A value loaded on demand, kept for a TTL, with concurrent callers sharing one load.

Past the TTL the old value is still served for a while (stale-while-revalidate) while one
refresh runs in the background, so callers do not all wait for a reload every TTL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

# After a background refresh failed, the old value is served this long before the next try, so
# a RingCentral outage costs one attempt per interval rather than one per caller.
RETRY_AFTER_FAILURE_SECONDS = 15.0


class SharedLoad(Generic[T]):
    """Caches the result of `load` for `ttl_seconds`; callers arriving mid-load await that load.

    For `stale_seconds` after the TTL (default: one more TTL) callers get the old value at once
    while one background load refreshes it; a failed refresh is logged and the old value kept.
    Past that window callers wait for a load, so an idle process never answers from a very old
    value. A failed load is not cached. `invalidate()` makes the next caller load again (and
    wait), even when a load is in flight (that load's result still goes to the callers already
    waiting, but is not kept).
    """

    def __init__(
        self,
        load: Callable[[], Awaitable[T]],
        *,
        ttl_seconds: float,
        stale_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        name: str = "value",
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._stale = ttl_seconds if stale_seconds is None else stale_seconds
        self._clock = clock
        self._name = name  # for the log
        self._cached: tuple[T, float] | None = None  # (value, loaded at)
        self._task: asyncio.Task[T] | None = None
        self._generation = 0
        self._failed_at: float | None = None
        self.loads = 0  # loads started (observability; tests read it)

    def peek(self) -> T | None:
        """The cached value if it is still fresh, without loading."""
        if self._cached is not None and self._clock() - self._cached[1] < self._ttl:
            return self._cached[0]
        return None

    @property
    def refreshing(self) -> bool:
        """Whether a load is in flight."""
        return self._task is not None

    async def get(self, *, refresh: bool = False) -> T:
        """The cached value; loaded when missing, too old, or `refresh` is set.

        Between the TTL and the end of the stale window: the old value, and a refresh started
        in the background (unless one runs, or one failed less than a retry interval ago).
        """
        if not refresh and self._cached is not None:
            value, loaded_at = self._cached
            age = self._clock() - loaded_at
            if age < self._ttl:
                return value
            if age < self._ttl + self._stale:
                self._refresh_in_background()
                return value
        # shield: a caller giving up must not cancel the load other callers wait for.
        return await asyncio.shield(self._start())

    def invalidate(self) -> None:
        """Forget the value; the next `get` loads again."""
        self._generation += 1
        self._cached = None
        self._task = None
        self._failed_at = None

    def _start(self) -> asyncio.Task[T]:
        task = self._task
        if task is None:
            task = self._task = asyncio.get_running_loop().create_task(self._run(self._generation))
            task.add_done_callback(_retrieve_exception)
            self.loads += 1
        return task

    def _refresh_in_background(self) -> None:
        if self._task is not None:
            return
        failed_at = self._failed_at
        if failed_at is not None and self._clock() - failed_at < RETRY_AFTER_FAILURE_SECONDS:
            return
        self._start().add_done_callback(self._log_failure)

    def _log_failure(self, task: asyncio.Task[T]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.warning(
                "Refreshing the %s failed; still serving the previous one: %s",
                self._name,
                task.exception(),
            )

    async def _run(self, generation: int) -> T:
        try:
            value = await self._load()
        except Exception:
            if self._generation == generation:
                self._failed_at = self._clock()
            raise
        finally:
            if self._generation == generation:
                self._task = None
        if self._generation == generation:
            self._cached = (value, self._clock())
            self._failed_at = None
        return value


def _retrieve_exception(task: asyncio.Task[object]) -> None:
    # Marks a failure as seen when every caller gave up before it ended (no "never retrieved").
    if not task.cancelled():
        task.exception()
