"""SharedReads: one read per key in flight, a recent result reused, `forget` after a change."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.coalesce import SharedReads


class Source:
    """A value that changes, read slowly (each read waits for `release`)."""

    def __init__(self) -> None:
        self.value = "before"
        self.reads = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.fail = False

    async def read(self) -> str:
        self.reads += 1
        self.started.set()
        seen = self.value
        await self.release.wait()
        if self.fail:
            raise RuntimeError("RingCentral is down")
        return seen


async def test_concurrent_callers_share_one_read_per_key() -> None:
    source, other = Source(), Source()
    source.release.clear()
    reads: SharedReads[str] = SharedReads(fresh_seconds=3)
    waiting = [asyncio.create_task(reads.get("a", source.read)) for _ in range(50)]
    waiting += [asyncio.create_task(reads.get("b", other.read)) for _ in range(50)]
    await asyncio.sleep(0)
    source.release.set()

    assert await asyncio.gather(*waiting) == ["before"] * 100
    assert (source.reads, other.reads, reads.reads) == (1, 1, 2)


async def test_a_result_is_reused_while_fresh() -> None:
    now = [0.0]
    source = Source()
    reads: SharedReads[str] = SharedReads(fresh_seconds=3, clock=lambda: now[0])
    await reads.get("a", source.read)
    source.value = "after"

    now[0] = 2.9
    assert await reads.get("a", source.read) == "before"
    now[0] = 3.0
    assert await reads.get("a", source.read) == "after"
    assert source.reads == 2


async def test_a_read_in_flight_when_forgotten_is_neither_shared_nor_kept() -> None:
    source = Source()
    source.release.clear()
    reads: SharedReads[str] = SharedReads(fresh_seconds=3)
    early = asyncio.create_task(reads.get("a", source.read))
    await source.started.wait()
    source.value = "after"  # a change lands while the early read is on its way
    reads.forget("a")
    late = asyncio.create_task(reads.get("a", source.read))
    await asyncio.sleep(0)
    source.release.set()

    assert (await early, await late) == ("before", "after")
    assert await reads.get("a", source.read) == "after"  # the late read is the one kept
    assert source.reads == 2


async def test_a_failed_read_is_not_kept() -> None:
    source = Source()
    source.fail = True
    reads: SharedReads[str] = SharedReads(fresh_seconds=3)

    with pytest.raises(RuntimeError, match="down"):
        await reads.get("a", source.read)
    source.fail = False
    assert await reads.get("a", source.read) == "before"
    assert source.reads == 2


async def test_a_caller_giving_up_does_not_cancel_the_read_for_others() -> None:
    source = Source()
    source.release.clear()
    reads: SharedReads[str] = SharedReads(fresh_seconds=3)
    impatient = asyncio.create_task(reads.get("a", source.read))
    patient = asyncio.create_task(reads.get("a", source.read))
    await asyncio.sleep(0)
    impatient.cancel()
    source.release.set()

    assert await patient == "before"
    assert impatient.cancelled()
