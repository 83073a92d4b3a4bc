"""The bulk-read budget: a sliding window of calls."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.budget import CallBudget


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_spends_up_to_the_window_then_refuses_until_it_slides() -> None:
    clock = Clock()
    budget = CallBudget(calls=3, window_seconds=60, clock=clock)
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]
    assert budget.available() == 0
    clock.now += 30
    assert not budget.try_spend()
    clock.now += 30
    assert budget.available() == 3


def test_estimates_time_and_reach() -> None:
    clock = Clock()
    budget = CallBudget(calls=25, window_seconds=60, clock=clock)
    assert budget.seconds_for(25) == 0
    assert budget.seconds_for(550) == 21 * 60  # 25 now, then 21 more windows
    assert budget.calls_within(25 * 60) == 25 + 25 * 25
    budget.try_spend()
    assert budget.seconds_for(25) == 60


async def test_spend_waits_for_room() -> None:
    clock = Clock()
    budget = CallBudget(calls=2, window_seconds=0.05, clock=clock)
    await budget.spend()
    await budget.spend()
    third = asyncio.ensure_future(budget.spend())
    await asyncio.sleep(0.2)  # several real windows pass, but the budget's clock stands still
    assert not third.done()
    clock.now += 0.05
    await asyncio.wait_for(third, 2)
    assert budget.available() == 1  # the first two slid out; the third is spent


def test_rejects_an_empty_budget() -> None:
    with pytest.raises(ValueError):
        CallBudget(calls=0)
