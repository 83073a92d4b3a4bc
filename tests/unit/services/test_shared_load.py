"""SharedLoad: one load for concurrent callers, kept for the TTL, then served while one refresh
runs; failures not kept."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.cache import RETRY_AFTER_FAILURE_SECONDS, SharedLoad


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.release.set()
        self.fail_next = False

    async def __call__(self) -> int:
        self.calls += 1
        number = self.calls
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("RingCentral is down")
        return number


async def refreshed(cache: SharedLoad[int]) -> None:
    """Let the background refresh run to its end (and its callbacks after it)."""
    for _ in range(100):
        if not cache.refreshing:
            break
        await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_concurrent_callers_share_one_load() -> None:
    loader = Loader()
    loader.release.clear()
    cache = SharedLoad(loader, ttl_seconds=60)
    waiting = [asyncio.create_task(cache.get()) for _ in range(10)]
    await asyncio.sleep(0)
    loader.release.set()

    assert await asyncio.gather(*waiting) == [1] * 10
    assert loader.calls == 1


async def test_the_value_is_kept_for_the_ttl_then_served_while_one_refresh_runs() -> None:
    now = [100.0]
    loader = Loader()
    cache = SharedLoad(loader, ttl_seconds=10, clock=lambda: now[0])

    assert await cache.get() == 1
    now[0] = 109.9
    assert await cache.get() == 1 and cache.peek() == 1
    assert loader.calls == 1
    now[0] = 110.0
    assert cache.peek() is None
    loader.release.clear()
    assert await asyncio.gather(*(cache.get() for _ in range(20))) == [1] * 20  # nobody waits
    assert cache.refreshing and loader.calls == 2  # one refresh for all of them
    loader.release.set()
    await refreshed(cache)
    assert await cache.get() == 2 and not cache.refreshing


async def test_a_failed_refresh_is_logged_and_the_old_value_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    loader = Loader()
    cache = SharedLoad(
        loader, ttl_seconds=10, stale_seconds=60, clock=lambda: now[0], name="inventory"
    )
    await cache.get()
    now[0] = 111.0
    loader.fail_next = True

    assert await cache.get() == 1
    await refreshed(cache)
    assert "Refreshing the inventory failed; still serving the previous one" in caplog.text
    assert "RingCentral is down" in caplog.text
    assert await cache.get() == 1  # not retried at once
    assert loader.calls == 2
    now[0] += RETRY_AFTER_FAILURE_SECONDS
    assert await cache.get() == 1
    await refreshed(cache)
    assert await cache.get() == 3 and loader.calls == 3


async def test_a_value_older_than_the_stale_window_is_loaded_again() -> None:
    now = [100.0]
    loader = Loader()
    cache = SharedLoad(loader, ttl_seconds=10, stale_seconds=5, clock=lambda: now[0])
    await cache.get()
    now[0] = 115.0

    assert await cache.get() == 2  # waited for it


async def test_refresh_forces_a_load() -> None:
    loader = Loader()
    cache = SharedLoad(loader, ttl_seconds=60)
    await cache.get()

    assert await cache.get(refresh=True) == 2


async def test_a_failed_load_is_not_kept() -> None:
    loader = Loader()
    loader.fail_next = True
    cache = SharedLoad(loader, ttl_seconds=60)

    with pytest.raises(RuntimeError, match="down"):
        await cache.get()
    assert await cache.get() == 2


async def test_invalidating_during_a_load_makes_the_next_caller_load_again() -> None:
    loader = Loader()
    loader.release.clear()
    cache = SharedLoad(loader, ttl_seconds=60)
    early = asyncio.create_task(cache.get())
    await asyncio.sleep(0)
    cache.invalidate()
    late = asyncio.create_task(cache.get())
    await asyncio.sleep(0)
    loader.release.set()

    assert (await early, await late) == (1, 2)
    assert await cache.get() == 2  # the later load is the one kept


async def test_a_caller_giving_up_does_not_cancel_the_load_for_others() -> None:
    loader = Loader()
    loader.release.clear()
    cache = SharedLoad(loader, ttl_seconds=60)
    impatient = asyncio.create_task(cache.get())
    patient = asyncio.create_task(cache.get())
    await asyncio.sleep(0)
    impatient.cancel()
    loader.release.set()

    assert await patient == 1
    assert impatient.cancelled()
