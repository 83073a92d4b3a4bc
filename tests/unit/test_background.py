from __future__ import annotations

import asyncio

import pytest

from bot.background import BackgroundTasks


async def test_failures_reach_the_error_callback_and_tasks_are_released() -> None:
    tasks = BackgroundTasks()
    seen: list[BaseException] = []

    async def report(error: BaseException) -> None:
        seen.append(error)

    async def fail() -> None:
        raise ValueError("boom")

    async def succeed() -> None:
        await asyncio.sleep(0)

    tasks.spawn(fail(), name="fail", on_error=report)
    tasks.spawn(succeed(), name="ok", on_error=report)
    assert len(tasks) == 2
    await tasks.drain()
    assert [str(e) for e in seen] == ["boom"]
    assert len(tasks) == 0


async def test_drain_waits_for_tasks_started_by_tasks() -> None:
    tasks = BackgroundTasks()
    done: list[str] = []

    async def report(error: BaseException) -> None:
        raise AssertionError(error)

    async def child() -> None:
        await asyncio.sleep(0.01)
        done.append("child")

    async def parent() -> None:
        tasks.spawn(child(), name="child", on_error=report)
        done.append("parent")

    tasks.spawn(parent(), name="parent", on_error=report)
    await tasks.drain()
    assert done == ["parent", "child"]


async def test_cancel_all_and_drain_timeout() -> None:
    tasks = BackgroundTasks()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    async def report(error: BaseException) -> None:
        raise AssertionError(error)

    tasks.spawn(forever(), name="forever", on_error=report)
    await started.wait()
    with pytest.raises(TimeoutError, match="1 background tasks still running"):
        await tasks.drain(timeout_seconds=0.01)
    await tasks.cancel_all()
    assert len(tasks) == 0


async def test_a_failing_error_callback_is_contained(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks()

    async def fail() -> None:
        raise ValueError("first")

    async def broken_report(error: BaseException) -> None:
        raise RuntimeError("second")

    tasks.spawn(fail(), name="fail", on_error=broken_report)
    await tasks.drain()
    assert "reporting a background failure failed too" in caplog.text
