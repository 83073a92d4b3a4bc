"""A share of a RingCentral rate limit for bulk reads, so they never starve everything else.

RingCentral allows 50 Light calls a minute (reading one resource's SMS handlers is one), and a
call made while penalised restarts the penalty. Bulk work (`who`, `list`) therefore spends from a
`CallBudget` smaller than the limit, leaving the rest for cards, forms, reviews and changes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable


class CallBudget:
    """At most `calls` calls in any `window_seconds` (a sliding window)."""

    def __init__(
        self,
        *,
        calls: int,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if calls < 1 or window_seconds <= 0:
            raise ValueError("a call budget needs at least one call in a positive window")
        self.calls = calls
        self.window_seconds = window_seconds
        self._clock = clock
        self._spent: deque[float] = deque()
        self._lock = asyncio.Lock()

    def available(self) -> int:
        """Calls that may be made right now."""
        self._forget_old()
        return self.calls - len(self._spent)

    def try_spend(self) -> bool:
        """Spend one call if the window has room; False (and nothing spent) otherwise."""
        if self.available() <= 0:
            return False
        self._spent.append(self._clock())
        return True

    async def spend(self) -> None:
        """Spend one call, waiting until the window has room."""
        async with self._lock:  # waiters take their turns in order
            while True:
                if self.try_spend():
                    return
                free_at = self._spent[0] + self.window_seconds
                await asyncio.sleep(max(free_at - self._clock(), 0.01))

    def seconds_for(self, calls: int) -> float:
        """About how long `calls` more calls take at this budget's pace (0 when they fit now)."""
        beyond = calls - self.available()
        if beyond <= 0:
            return 0.0
        return math.ceil(beyond / self.calls) * self.window_seconds

    def calls_within(self, seconds: float) -> int:
        """How many calls fit in the next `seconds` (what is free now plus each full window)."""
        return self.available() + self.calls * math.floor(seconds / self.window_seconds)

    def _forget_old(self) -> None:
        horizon = self._clock() - self.window_seconds
        while self._spent and self._spent[0] <= horizon:
            self._spent.popleft()
