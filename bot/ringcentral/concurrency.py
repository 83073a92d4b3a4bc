"""Running RingCentral calls side by side."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar, overload

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


@overload
async def gather_or_cancel(first: Awaitable[A], second: Awaitable[B], /) -> tuple[A, B]: ...


@overload
async def gather_or_cancel(*calls: Awaitable[T]) -> tuple[T, ...]: ...


async def gather_or_cancel(*calls: Awaitable[Any]) -> Any:
    """The results of `calls` run concurrently; the first failure cancels the others.

    Unlike `asyncio.gather`, calls still running after a failure do not go on in the background,
    spending rate budget (and retrying) for an answer nobody will read.
    """
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return tuple(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
