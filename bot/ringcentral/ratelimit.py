"""Holds requests back per RingCentral rate group instead of earning (and prolonging) 429s.

RingCentral counts requests per rate group (Light, Medium, Heavy, Auth) and reports the group,
the requests left and the window in `X-Rate-Limit-*` headers. After a 429, every request of the
group made during the penalty restarts the penalty, so concurrent requests that each wait out
their own 429 keep the group locked. `RateGate` learns each route's group from the answers and,
per group:
- never has more requests in flight than the last answer said were left;
- after an answer saying none are left, holds every request for one window;
- after a 429, holds every request for `Retry-After`;
- after a hold, and for a route not seen yet, sends one request and waits for its answer.
Requests waiting for room queue in arrival order, and an answer wakes only as many of them as
may go now (all of them when a route turns out to belong to another group, or to have no limit),
so a saturated group costs one wake-up per request instead of one per waiter per answer.

With `shared` set (see shared_limits.py), it also reports each answer's news to the other
instances and holds the group while their answers say it is penalised or used up.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.ringcentral.shared_limits import SharedRateLimits

_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
DEFAULT_WINDOW_SECONDS = 60.0


def route_key(method: str, path: str) -> str:
    """`GET /restapi/v1.0/account/~/extension/{id}/sms-recipients`: one key per operation."""
    return f"{method} {_ID_SEGMENT.sub('/{id}', path)}"


@dataclass
class _Group:
    remaining: int | None = 1  # requests that may be in flight; None: no limit known
    in_flight: int = 0
    resume_at: float = 0.0
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)  # first come, first woken
    woken: int = 0  # woken waiters that have not looked again yet

    def room(self) -> int:
        """How many more waiters to wake: the requests that may go now, less those woken."""
        if self.remaining is None:
            return len(self.waiting)
        return self.remaining - self.in_flight - self.woken


class RateGate:
    """Per-group waiting rules learnt from RingCentral's rate-limit headers."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._route_groups: dict[str, str] = {}
        self._groups: dict[str, _Group] = {}
        self.wakeups = 0  # waiters woken (observability; tests and benchmarks read it)
        self.shared: SharedRateLimits | None = None

    async def enter(
        self, route: str, *, slots: asyncio.Semaphore, max_wait_seconds: float
    ) -> tuple[str | None, float]:
        """Wait until a request on `route` may be sent and take one of `slots` for it.

        Returns (the group entered, 0): the caller sends, then calls `leave` and releases the
        slot. When the group is held for longer than `max_wait_seconds`, returns (None, the
        wait) at once, holding no slot. The rules are checked again once a slot is free, so
        requests queued for a slot do not go out during a hold that began meanwhile.
        """
        woken_before = False
        while True:
            name = self._route_groups.setdefault(route, route)  # a route's own group at first
            group = self._groups.setdefault(name, _Group())
            wait = group.resume_at - self._clock()
            if wait > 0:
                if wait > max_wait_seconds:
                    return None, wait
                await asyncio.sleep(wait)
                continue
            if group.remaining is not None and group.remaining <= group.in_flight:
                # Woken but overtaken: wait again at the head of the queue, not its tail.
                await self._wait_turn(group, first=woken_before)
                woken_before = True
                continue
            await slots.acquire()
            if self._route_groups[route] == name and self._may_send(group):
                group.in_flight += 1
                held = await self._shared_hold(route, name, group, slots)
                if held <= 0:
                    return name, 0.0
                group.in_flight -= 1
                self._hold(group, held)
                self._wake(group)
            slots.release()

    async def _shared_hold(
        self, route: str, name: str, group: _Group, slots: asyncio.Semaphore
    ) -> float:
        """What the other instances' answers say (0: go), asked once this call is counted in,
        so that a call the shared state lets through is the one that goes out."""
        if self.shared is None:
            return 0.0
        try:
            return await self.shared.admit(route, name)
        except BaseException:  # cancelled while asking: this call never goes
            group.in_flight -= 1
            slots.release()
            self._wake(group)
            raise

    def _may_send(self, group: _Group) -> bool:
        if group.resume_at > self._clock():
            return False
        return group.remaining is None or group.remaining > group.in_flight

    def leave(
        self, route: str, entered: str, *, status: int | None, headers: Mapping[str, str]
    ) -> None:
        """Record the answer (status None: none came) to a request `enter` let into `entered`."""
        group = self._groups[entered]
        group.in_flight = max(0, group.in_flight - 1)
        if status is not None:
            self._learn(route, entered, status, headers)
        current = self._route_groups[route]
        if current != entered:
            # The route belongs to another group: its waiters look again, all of them.
            self._wake(group, everyone=True)
            self._wake(self._groups[current])
        else:
            self._wake(group)

    def hold_seconds(self, route: str) -> float:
        """How long the route's group is held from now (0: not held)."""
        group = self._groups.get(self._route_groups.get(route, route))
        return 0.0 if group is None else max(0.0, group.resume_at - self._clock())

    def room(self, route: str) -> int | None:
        """How many requests of the route's group may be in flight, as the last answer said
        (None: no limit known)."""
        group = self._groups.get(self._route_groups.get(route, route))
        return None if group is None else group.remaining

    def hold(self, route: str, seconds: float) -> None:
        """Hold the route's group for `seconds` (after a 429 asking for that wait)."""
        name = self._route_groups.setdefault(route, route)
        self._hold(self._groups.setdefault(name, _Group()), seconds)
        if self.shared is not None and seconds > 0:
            self.shared.observed(route, name, remaining=0, window_seconds=0, hold_seconds=seconds)

    def _hold(self, group: _Group, seconds: float) -> None:
        group.resume_at = max(group.resume_at, self._clock() + seconds)
        group.remaining = 1  # after the hold, one request finds out how many may follow

    def _learn(self, route: str, entered: str, status: int, headers: Mapping[str, str]) -> None:
        name = headers.get("X-Rate-Limit-Group")
        if not name:
            if entered == route and status != 429:
                self._groups[entered].remaining = None  # a server that reports no limits
            return
        self._route_groups[route] = name
        group = self._groups.setdefault(name, _Group())
        remaining = _number(headers.get("X-Rate-Limit-Remaining"))
        if (_number(headers.get("X-Rate-Limit-Limit")) or 0) <= 0:
            remaining = None  # no limit stated: nothing to count against
        if status == 429 or remaining is None:
            return  # the client holds the group for Retry-After after a 429
        window = _number(headers.get("X-Rate-Limit-Window")) or DEFAULT_WINDOW_SECONDS
        if remaining <= 0:
            self._hold(group, window)
        else:
            group.remaining = int(remaining)
        if self.shared is not None:
            self.shared.observed(
                route,
                name,
                remaining=max(int(remaining), 0),
                window_seconds=window,
                hold_seconds=window if remaining <= 0 else 0.0,
            )

    async def _wait_turn(self, group: _Group, *, first: bool) -> None:
        turn = asyncio.get_running_loop().create_future()
        if first:
            group.waiting.appendleft(turn)
        else:
            group.waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.cancelled():
                with contextlib.suppress(ValueError):  # not if a wake-up skipped it already
                    group.waiting.remove(turn)
            else:
                group.woken -= 1
                self._wake(group)  # woken, then cancelled: the turn goes to the next one
            raise
        group.woken -= 1

    def _wake(self, group: _Group, *, everyone: bool = False) -> None:
        count = len(group.waiting) if everyone else group.room()
        while count > 0 and group.waiting:
            turn = group.waiting.popleft()
            if turn.cancelled():
                continue
            turn.set_result(None)
            group.woken += 1
            self.wakeups += 1
            count -= 1


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
