"""RingCentral's rate-limit state shared by every instance through the database.

What any instance learns from an answer (a 429's Retry-After, a window used up, the calls left)
goes to `rate_limit_state`, and every instance's `RateGate` consults it before a call, so a
second instance does not call into a group another one saw penalised (which would restart
RingCentral's penalty for everybody).

Reading the database on every call would put a query in front of every RingCentral request, so
the state is cached for about a second. That is safe while a group has plenty left. When a
group is close to its limit (`low_water` calls or fewer left, by the freshest answer any
instance saw), every call first claims one of the remaining calls with a guarded UPDATE, so the
instances together never send more than what is left; when the window is over, one claim finds
out the new window's count while the others wait for its answer (as the gate itself does after
a hold). Writes happen off the request path, one at a time per instance, the newest knowledge
of each group merged into one write.

This is an optimisation over each gate's own rules: when the database cannot be reached (or
takes over `ASK_TIMEOUT_SECONDS` to answer), the gates go on alone and say so in the log once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.db.base import utc_now
from bot.db.repository import RateLimitState
from bot.db.session import Database
from bot.ringcentral.shared_limits import rate_group

logger = logging.getLogger(__name__)

CACHE_SECONDS = 1.0
# At or below this many calls left, calls are claimed one by one. It must exceed the calls all
# instances can have in flight at once (RINGCENTRAL_MAX_CONCURRENCY each, 4 by default), which
# are sent without a claim while the group still looked comfortable.
LOW_WATER = 10
PROBE_SECONDS = 3.0  # a claim to find out a new window's count lapses after this (no answer)
PROBE_POLL_SECONDS = 0.1  # how often the others look whether that answer came
WRITE_TIMEOUT_SECONDS = 5.0  # at shutdown, for what is still to be written
# A call waits at most this long for the shared state; then it goes by its own gate's rules.
ASK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class _News:
    """One answer's news about a group, to be written."""

    remaining: int
    window_ends_at: datetime
    blocked_until: datetime | None
    at: datetime


class DatabaseRateLimits:
    """`SharedRateLimits` (bot.ringcentral.shared_limits) kept in `rate_limit_state`."""

    def __init__(
        self,
        database: Database,
        *,
        cache_seconds: float = CACHE_SECONDS,
        low_water: int = LOW_WATER,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._cache_seconds = cache_seconds
        self._low_water = low_water
        self._clock = clock
        self._monotonic = monotonic
        self._states: dict[str, RateLimitState] = {}
        self._loaded_at = -float("inf")
        self._loading = asyncio.Lock()
        self._unsent: dict[str, _News] = {}
        self._writing: dict[str, _News] = {}  # the batch being written right now
        self._writer: asyncio.Task[None] | None = None
        self._failing = False  # the database failed last time: said once in the log

    # -- before a call ------------------------------------------------------------------------

    async def admit(self, route: str, group: str) -> float:
        """0 when the call may go; else seconds to hold the group (see SharedRateLimits)."""
        name = rate_group(route, group)
        if name is None:
            return 0.0
        try:
            state = await self._cached(name)
            if state is None:
                return 0.0
            blocked = _seconds_until(state.blocked_until, self._clock())
            if blocked > 0:
                return blocked
            if self._failing or (state.remaining is not None and state.remaining > self._low_water):
                return 0.0
            return await asyncio.wait_for(self._claim(name), ASK_TIMEOUT_SECONDS)
        except Exception as exc:
            self._database_failed("reading", exc)
            return 0.0

    async def _cached(self, name: str) -> RateLimitState | None:
        if self._monotonic() - self._loaded_at >= self._cache_seconds:
            async with self._loading:  # one query for all callers; they wait for its answer
                if self._monotonic() - self._loaded_at >= self._cache_seconds:
                    try:
                        await asyncio.wait_for(self._load(), ASK_TIMEOUT_SECONDS)
                    finally:  # also a failing database is asked once a period, not every call
                        self._loaded_at = self._monotonic()
        return self._states.get(name)

    async def _load(self) -> None:
        # This instance's news not written yet, taken before the read too: news the writer
        # commits while the read runs may be missing from what the read sees, and gone from the
        # batches by the time it returns. (Merging the same news twice changes nothing.)
        before = [dict(self._writing), dict(self._unsent)]
        async with self._database.reader() as repo:
            stored = await repo.rate_limit_states()
        for batch in (*before, self._writing, self._unsent):
            for name, news in batch.items():
                stored[name] = _merged(stored.get(name), name, news)
        self._states = stored
        self._database_answered()

    async def _claim(self, name: str) -> float:
        now = self._clock()
        async with self._database.transaction() as repo:
            claimed = await repo.claim_rate_call(
                rate_group=name, now=now, probe_until=now + timedelta(seconds=PROBE_SECONDS)
            )
            state = claimed or (await repo.rate_limit_states()).get(name)
        self._database_answered()
        if state is not None:
            self._states[name] = state
        if claimed is not None or state is None:
            return 0.0
        blocked = _seconds_until(state.blocked_until, now)
        if blocked > 0:
            return blocked
        window = _seconds_until(state.window_ends_at, now)
        if state.remaining is None:  # another call is finding out the new window's count
            return min(window, PROBE_POLL_SECONDS)
        return window  # 0 if it ended meanwhile: the gate asks again at once

    # -- after an answer ----------------------------------------------------------------------

    def observed(
        self,
        route: str,
        group: str,
        *,
        remaining: int,
        window_seconds: float,
        hold_seconds: float = 0.0,
    ) -> None:
        """Note an answer's news here at once, and write it to the database soon."""
        name = rate_group(route, group)
        if name is None:
            return
        now = self._clock()
        blocked_until = now + timedelta(seconds=hold_seconds) if hold_seconds > 0 else None
        news = _News(
            remaining=remaining,
            window_ends_at=now + timedelta(seconds=max(window_seconds, hold_seconds)),
            blocked_until=blocked_until,
            at=now,
        )
        self._states[name] = _merged(self._states.get(name), name, news)
        earlier = self._unsent.get(name)
        if earlier is not None and earlier.blocked_until is not None:
            later = max(earlier.blocked_until, blocked_until or earlier.blocked_until)
            news = replace(news, blocked_until=later)
        self._unsent[name] = news
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write(), name="rate-limit state"
            )

    async def _write(self) -> None:
        while self._unsent:
            self._writing, self._unsent = self._unsent, {}
            try:
                async with self._database.transaction() as repo:
                    for name, news in self._writing.items():
                        await repo.record_rate_limit(
                            rate_group=name,
                            remaining=news.remaining,
                            window_ends_at=news.window_ends_at,
                            blocked_until=news.blocked_until,
                            now=news.at,
                        )
            except Exception as exc:
                self._database_failed("writing", exc)
                return
            finally:
                self._writing = {}
            self._database_answered()

    async def aclose(self) -> None:
        """Write what is still unwritten (a block above all), briefly, then stop."""
        if self._writer is not None and not self._writer.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._writer), WRITE_TIMEOUT_SECONDS)
            except TimeoutError:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)

    # -- the database's health, in the log ----------------------------------------------------

    def _database_failed(self, doing: str, exc: Exception) -> None:
        if not self._failing:
            logger.warning(
                "%s the shared RingCentral rate-limit state failed (%r); this instance "
                "follows RingCentral's answers alone until the database answers again",
                doing.capitalize(),
                exc,
            )
        self._failing = True

    def _database_answered(self) -> None:
        if self._failing:
            logger.info("the shared RingCentral rate-limit state is available again")
        self._failing = False


def _merged(state: RateLimitState | None, name: str, news: _News) -> RateLimitState:
    """`state` with `news` merged in, by the rules of Repository.record_rate_limit."""
    if state is None:
        return RateLimitState(
            rate_group=name,
            blocked_until=news.blocked_until,
            remaining=news.remaining,
            window_ends_at=news.window_ends_at,
            updated_at=news.at,
        )
    blocked = state.blocked_until
    if news.blocked_until is not None and (blocked is None or news.blocked_until > blocked):
        blocked = news.blocked_until
    same_window = (
        news.blocked_until is None
        and state.remaining is not None
        and state.window_ends_at is not None
        and state.window_ends_at > news.at
    )
    if same_window:
        assert state.remaining is not None
        remaining, window_ends_at = min(state.remaining, news.remaining), state.window_ends_at
    else:
        remaining, window_ends_at = news.remaining, news.window_ends_at
    return RateLimitState(
        rate_group=name,
        blocked_until=blocked,
        remaining=remaining,
        window_ends_at=window_ends_at,
        updated_at=news.at,
    )


def _seconds_until(moment: datetime | None, now: datetime) -> float:
    return 0.0 if moment is None else max((moment - now).total_seconds(), 0.0)
