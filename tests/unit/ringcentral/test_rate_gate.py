"""RateGate: an answer wakes only the requests that may go, first come first served."""

from __future__ import annotations

import asyncio

from bot.ringcentral.ratelimit import RateGate

ROUTE = "GET /restapi/v1.0/account/~/extension/{id}/sms-recipients"
OTHER = "GET /restapi/v1.0/account/~/extension"


def light(remaining: int) -> dict[str, str]:
    return {
        "X-Rate-Limit-Group": "Light",
        "X-Rate-Limit-Limit": "50",
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Window": "60",
    }


class Requests:
    """Requests through one gate, each recorded when the gate lets it go."""

    def __init__(self, gate: RateGate) -> None:
        self.gate = gate
        self.slots = asyncio.Semaphore(100)
        self.gone: list[int] = []

    async def send(self, number: int, route: str = ROUTE) -> str:
        group, _ = await self.gate.enter(route, slots=self.slots, max_wait_seconds=60)
        assert group is not None
        self.gone.append(number)
        return group

    def answer(self, group: str, headers: dict[str, str], route: str = ROUTE) -> None:
        self.gate.leave(route, group, status=200, headers=headers)
        self.slots.release()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_each_answer_lets_one_waiting_request_go_in_arrival_order() -> None:
    requests = Requests(RateGate())
    requests.answer(await requests.send(0), light(1))  # learns: Light, one may be in flight
    group = await requests.send(1)
    waiting = [asyncio.create_task(requests.send(n)) for n in range(2, 22)]
    await settle()
    assert requests.gone == [0, 1] and requests.gate.wakeups == 0

    for expected in range(2, 22):
        requests.answer(group, light(1))
        await settle()
        assert requests.gone[-1] == expected and len(requests.gone) == expected + 1
    await asyncio.gather(*waiting)

    assert requests.gone == list(range(22))
    assert requests.gate.wakeups == 20  # one per request, not one per waiter per answer


async def test_room_for_several_wakes_that_many() -> None:
    requests = Requests(RateGate())
    requests.answer(await requests.send(0), light(2))
    first, second = await requests.send(1), await requests.send(2)
    waiting = [asyncio.create_task(requests.send(n)) for n in range(3, 13)]
    await settle()

    requests.answer(first, light(5))  # now five may be in flight: one is, four more go
    await settle()

    assert requests.gone == [0, 1, 2, 3, 4, 5, 6]
    assert requests.gate.wakeups == 4
    requests.answer(second, {})
    for task in waiting:
        task.cancel()


async def test_a_woken_request_given_up_passes_its_turn_on() -> None:
    requests = Requests(RateGate())
    requests.answer(await requests.send(0), light(1))
    group = await requests.send(1)
    quitter = asyncio.create_task(requests.send(2))
    patient = asyncio.create_task(requests.send(3))
    await settle()

    requests.answer(group, light(1))  # wakes the quitter...
    quitter.cancel()  # ...which gives up before it looks
    await settle()

    assert quitter.cancelled()
    assert await patient == "Light" and requests.gone == [0, 1, 3]


async def test_requests_waiting_for_a_new_routes_first_answer_all_follow_it() -> None:
    requests = Requests(RateGate())
    requests.answer(await requests.send(0, OTHER), light(40), OTHER)  # Light has room
    first = await requests.send(1)  # a new route: one request finds out its group
    waiting = [asyncio.create_task(requests.send(n)) for n in range(2, 8)]
    await settle()
    assert requests.gone == [0, 1]

    requests.answer(first, light(39))  # it is Light too: everyone waiting goes

    assert await asyncio.gather(*waiting) == ["Light"] * 6
    assert requests.gone == list(range(8))


async def test_a_server_without_limits_lets_every_waiting_request_go() -> None:
    requests = Requests(RateGate())
    first = await requests.send(0)
    waiting = [asyncio.create_task(requests.send(n)) for n in range(1, 6)]
    await settle()

    requests.answer(first, {})  # no rate-limit headers at all

    assert len(await asyncio.gather(*waiting)) == 5
    assert requests.gone == list(range(6))


async def test_the_gate_tells_how_long_a_group_is_held_and_how_many_may_go() -> None:
    now = [100.0]
    gate = RateGate(clock=lambda: now[0])
    requests = Requests(gate)
    assert gate.hold_seconds(ROUTE) == 0.0 and gate.room(ROUTE) is None  # never called

    requests.answer(await requests.send(0), light(3))
    assert gate.room(ROUTE) == 3 and gate.room(OTHER) is None
    assert gate.hold_seconds(ROUTE) == 0.0

    requests.answer(await requests.send(1), light(0))  # the window is used up
    assert gate.hold_seconds(ROUTE) == 60.0
    now[0] += 45
    assert gate.hold_seconds(ROUTE) == 15.0
    now[0] += 20
    assert gate.hold_seconds(ROUTE) == 0.0
