"""Per-group counters, RingCentral's headers, 429 with Retry-After, and the penalty."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.tests.ringcentral.conftest import JWT_GRANT, Api
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer

SITES = "/restapi/v1.0/account/~/sites"  # Light
QUEUES = "/restapi/v1.0/account/~/call-queues"  # Medium
NUMBERS_V2 = "/restapi/v2/accounts/~/phone-numbers"  # Heavy


@pytest.fixture
def options() -> SandboxOptions:
    return SandboxOptions(
        limits={"Light": 3, "Medium": 2, "Heavy": 1, "Auth": 5},
        window_seconds=1.0,
        penalty_seconds=1.0,
    )


@pytest.fixture
def clock() -> list[float]:
    """The sandbox's rate-limit clock, moved only by the tests: a slow machine changes nothing."""
    return [1000.0]


@pytest.fixture
def sandbox_clock(clock: list[float]) -> Callable[[], float]:
    return lambda: clock[0]


async def test_every_answer_carries_the_rate_limit_headers(api: Api) -> None:
    answer = await api.get(QUEUES)

    assert answer.headers["X-Rate-Limit-Group"] == "Medium"
    assert answer.headers["X-Rate-Limit-Limit"] == "2"
    assert answer.headers["X-Rate-Limit-Remaining"] == "1"
    assert answer.headers["X-Rate-Limit-Window"] == "1"


async def test_going_over_the_limit_gives_429_with_retry_after(api: Api) -> None:
    remaining = [(await api.get(SITES)).headers["X-Rate-Limit-Remaining"] for _ in range(3)]

    answer = await api.get(SITES)

    assert remaining == ["2", "1", "0"]
    assert answer.status == 429
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["X-Rate-Limit-Remaining"] == "0"
    assert answer.json == {
        "errorCode": "CMN-301",
        "message": "Request rate exceeded",
        "errors": [{"errorCode": "CMN-301", "message": "Request rate exceeded"}],
    }


async def test_groups_are_counted_separately(api: Api) -> None:
    assert (await api.get(NUMBERS_V2)).status == 200
    assert (await api.get(NUMBERS_V2)).status == 429

    assert (await api.get(SITES)).status == 200
    assert (await api.get(QUEUES)).status == 200


async def test_after_the_penalty_requests_pass_again(api: Api, clock: list[float]) -> None:
    await api.get(NUMBERS_V2)
    assert (await api.get(NUMBERS_V2)).status == 429
    clock[0] += 0.9
    assert (await api.get(QUEUES)).status == 200  # another group is not penalised

    clock[0] += 0.2  # 1.1 s after the 429

    assert (await api.get(NUMBERS_V2)).status == 200


async def test_a_request_during_the_penalty_restarts_it(
    sandbox: SandboxServer, api: Api, clock: list[float]
) -> None:
    await api.get(NUMBERS_V2)
    assert (await api.get(NUMBERS_V2)).status == 429
    assert sandbox.penalty_restarts == 0  # that 429 started the penalty
    clock[0] += 0.7
    assert (await api.get(NUMBERS_V2)).status == 429  # restarts the 1 s penalty
    assert sandbox.penalty_restarts == 1

    clock[0] += 0.7  # 1.4 s after the first 429, only 0.7 s after the second
    assert (await api.get(NUMBERS_V2)).status == 429

    clock[0] += 1.0
    assert (await api.get(NUMBERS_V2)).status == 200


async def test_token_calls_count_in_the_auth_group(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.limits["Auth"] = 2  # the fixture's login was the first
    await api.login()

    answer = await api.token_call({"grant_type": JWT_GRANT, "assertion": sandbox.jwt})

    assert answer.status == 429
    assert answer.headers["X-Rate-Limit-Group"] == "Auth"
    assert answer.json["errorCode"] == "CMN-301"


async def test_limits_can_be_switched_off(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.rate_limits_enabled = False

    statuses = {(await api.get(NUMBERS_V2)).status for _ in range(4)}

    assert statuses == {200}


async def test_reset_rate_limits_clears_the_penalty(sandbox: SandboxServer, api: Api) -> None:
    await api.get(NUMBERS_V2)
    assert (await api.get(NUMBERS_V2)).status == 429

    sandbox.reset_rate_limits()

    assert (await api.get(NUMBERS_V2)).status == 200


async def test_rejected_token_does_not_use_up_the_limit(api: Api) -> None:
    good = api.token
    api.token = "stale"
    for _ in range(3):
        rejected = await api.get(NUMBERS_V2)
        assert rejected.status == 401
        assert rejected.headers["X-Rate-Limit-Group"] == "Heavy"
        assert rejected.headers["X-Rate-Limit-Remaining"] == "1"

    api.token = good
    answer = await api.get(NUMBERS_V2)

    assert answer.status == 200
