"""Tokens through the real `ringcentral` SDK against the sandbox: login, renewal, expiry, errors."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.errors import (
    RingCentralAuthError,
    RingCentralRateLimited,
    RingCentralTimeout,
    RingCentralUnavailable,
)
from sms_handlers_sandbox.ringcentral import Fault, SandboxOptions, SandboxServer
from tests.support.rc_sandbox import (
    credentials_for,
    data_requests,
    running_sandbox,
    sandbox_client,
    token_requests,
)

SUPPORT = "4001"


def grants(server: SandboxServer) -> int:
    return len(token_requests(server))


async def test_the_sdk_logs_in_with_the_jwt_and_the_token_opens_the_api(
    rc_sandbox: SandboxServer,
) -> None:
    async with sandbox_client(rc_sandbox) as client:
        sites = await client.list_sites()

    assert {s.name for s in sites} == {"Boston Office", "Denver Office"}
    assert [r.status for r in token_requests(rc_sandbox)] == [200]


async def test_ten_coroutines_needing_a_token_cause_one_login(rc_sandbox: SandboxServer) -> None:
    provider = TokenProvider(credentials=credentials_for(rc_sandbox))
    try:
        tokens = await asyncio.gather(*(provider.token() for _ in range(10)))
    finally:
        provider.close()

    assert len(set(tokens)) == 1
    assert grants(rc_sandbox) == 1
    assert provider.logins == 1


async def test_tokens_expired_mid_run_are_renewed_once_and_the_calls_succeed(
    rc_sandbox: SandboxServer,
) -> None:
    async with sandbox_client(rc_sandbox) as client:
        await client.get_sms_recipients(extension_id=SUPPORT)
        rc_sandbox.expire_tokens()
        results = await asyncio.gather(
            *(client.get_sms_recipients(extension_id=SUPPORT) for _ in range(5))
        )

    assert all(len(r) == 2 for r in results)
    assert grants(rc_sandbox) == 2  # the login, then one renewal for the five 401s
    assert [r.status for r in data_requests(rc_sandbox)].count(401) >= 1


async def test_a_short_lived_token_is_renewed_before_it_expires() -> None:
    # The sandbox's token clock stands still, so however slow this machine is, its tokens have
    # not expired: only the client's own renewal ahead of expiry can make the second grant.
    options = SandboxOptions(token_ttl_seconds=1)
    standing_still = SandboxServer(options=options, clock=lambda: 1000.0)
    async with standing_still as server, sandbox_client(server) as client:
        await client.get_sms_recipients(extension_id=SUPPORT)
        await asyncio.sleep(0.9)  # past 80 % of the token's life
        await client.get_sms_recipients(extension_id=SUPPORT)

        statuses = [r.status for r in data_requests(server)]
        assert statuses == [200, 200]
        assert grants(server) == 2  # renewed ahead, before RingCentral would refuse it


async def test_without_refresh_tokens_the_jwt_is_presented_again() -> None:
    options = SandboxOptions(issue_refresh_tokens=False)
    async with running_sandbox(options=options) as server:
        provider = TokenProvider(credentials=credentials_for(server))
        try:
            first = await provider.token()
            server.expire_tokens()
            second = await provider.renew_after_rejection(first)
        finally:
            provider.close()

    assert second != first
    assert provider.logins == 2
    assert provider.refreshes == 0


async def test_a_refresh_token_that_is_refused_falls_back_to_the_jwt() -> None:
    options = SandboxOptions(refresh_token_ttl_seconds=1)
    async with running_sandbox(options=options) as server:
        provider = TokenProvider(credentials=credentials_for(server))
        try:
            first = await provider.token()
            await asyncio.sleep(1.05)  # the sandbox now refuses the refresh token...
            second = await provider.renew_after_rejection(first)
        finally:
            provider.close()

    assert second != first
    # ...and the SDK's own clock agrees, so it never sends the refresh: the JWT is used again.
    assert provider.logins == 2


async def test_a_refresh_the_server_refuses_falls_back_to_the_jwt(
    rc_sandbox: SandboxServer,
) -> None:
    provider = TokenProvider(credentials=credentials_for(rc_sandbox))
    try:
        first = await provider.token()
        rc_sandbox.inject_fault(Fault(r"/oauth/token$", status=400))  # the refresh attempt
        second = await provider.renew_after_rejection(first)
    finally:
        provider.close()

    assert second != first
    assert [r.status for r in token_requests(rc_sandbox)] == [200, 400, 200]
    assert (provider.logins, provider.refreshes) == (2, 0)
    async with sandbox_client(rc_sandbox) as client:
        assert len(await client.get_sms_recipients(extension_id=SUPPORT)) == 2


async def test_a_valid_refresh_token_is_used_to_renew(rc_sandbox: SandboxServer) -> None:
    provider = TokenProvider(credentials=credentials_for(rc_sandbox))
    try:
        first = await provider.token()
        second = await provider.renew_after_rejection(first)
        third = await provider.renew_after_rejection(first)  # a late 401 for the old token
    finally:
        provider.close()

    assert second != first
    assert third == second
    assert (provider.logins, provider.refreshes) == (1, 1)


@pytest.mark.parametrize("field", ["client_secret", "jwt"])
async def test_bad_credentials_give_a_clear_error_without_secrets(
    rc_sandbox: SandboxServer, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = credentials_for(rc_sandbox)
    values = {
        "server_url": good.server_url,
        "client_id": good.client_id,
        "client_secret": good.client_secret,
        "jwt": good.jwt,
    }
    values[field] = "wrong-" + field
    provider = TokenProvider(credentials=Credentials(**values))
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(RingCentralAuthError) as caught:
            await provider.token()
    finally:
        provider.close()

    message, details = str(caught.value), caught.value.details
    assert message.startswith("RingCentral refused the login")
    assert "check its RingCentral credentials" in message
    assert caught.value.error_code is not None and caught.value.error_code.startswith("OAU-")
    assert "RINGCENTRAL_JWT" in details
    for secret in (good.client_secret, good.jwt, "wrong-" + field):
        assert secret not in message and secret not in details
        assert secret not in caplog.text


async def test_tokens_never_reach_the_logs(
    rc_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with sandbox_client(rc_sandbox) as client:
        await client.get_sms_recipients(extension_id=SUPPORT)
        rc_sandbox.expire_tokens()
        await client.get_sms_recipients(extension_id=SUPPORT)

    assert "SBX-A-" not in caplog.text
    assert "SBX-R-" not in caplog.text
    assert rc_sandbox.jwt not in caplog.text


@pytest.mark.parametrize(
    "fault",
    [
        Fault(r"/oauth/token$", status=429, retry_after=0.1),
        Fault(r"/oauth/token$", status=503, times=2),
    ],
)
async def test_a_busy_token_endpoint_is_waited_out(rc_sandbox: SandboxServer, fault: Fault) -> None:
    rc_sandbox.inject_fault(fault)
    async with sandbox_client(rc_sandbox) as client:
        recipients = await client.get_sms_recipients(extension_id=SUPPORT)

    assert len(recipients) == 2
    assert [r.status for r in token_requests(rc_sandbox)] == [fault.status] * fault.times + [200]


async def test_a_hanging_token_endpoint_ends_in_a_timeout_not_a_hang(
    rc_sandbox: SandboxServer,
) -> None:
    # The SDK itself sets no timeout; the provider gives its HTTP calls one.
    rc_sandbox.inject_fault(Fault(r"/oauth/token$", hang=True))
    provider = TokenProvider(credentials=credentials_for(rc_sandbox), timeout_seconds=0.3)
    try:
        with pytest.raises(RingCentralTimeout) as caught:
            await provider.token()
        assert caught.value.details.startswith(
            "RingCentral did not answer in time while logging in with the JWT: "
            f"the token endpoint of {rc_sandbox.url} timed out."
        )
        shown = str(caught.value)
        assert shown.startswith("RingCentral did not answer in time while logging in with the JWT")
        assert rc_sandbox.url not in shown
        assert await provider.token()  # the next attempt logs in
    finally:
        provider.close()
    assert [r.status for r in token_requests(rc_sandbox)] == [0, 200]


async def test_a_rate_limited_token_endpoint_is_asked_once_not_by_every_waiting_call() -> None:
    # Each token request made during RingCentral's penalty would restart it. (Retry-After is
    # whole seconds, so a 1 s window costs no more time than a shorter one, and leaves the
    # second login a whole second to land in the same window as the first.)
    options = SandboxOptions(window_seconds=1.0, penalty_seconds=1.0)
    options.limits["Auth"] = 1
    async with running_sandbox(options=options) as server:
        async with sandbox_client(server) as other:  # another instance used the Auth budget
            await other.get_sms_recipients(extension_id=SUPPORT)
        async with sandbox_client(server) as client:
            results = await asyncio.gather(
                *(client.get_sms_recipients(extension_id=SUPPORT) for _ in range(5))
            )

        assert all(len(r) == 2 for r in results)
        assert [r.status for r in token_requests(server)] == [200, 429, 200]


async def test_a_rate_limited_refresh_is_not_followed_by_a_login_into_the_same_limit(
    rc_sandbox: SandboxServer,
) -> None:
    provider = TokenProvider(credentials=credentials_for(rc_sandbox))
    try:
        first = await provider.token()
        rc_sandbox.inject_fault(Fault(r"/oauth/token$", status=429, retry_after=0.2))
        with pytest.raises(RingCentralRateLimited) as caught:
            await provider.renew_after_rejection(first)
        with pytest.raises(RingCentralRateLimited):
            await provider.renew_after_rejection(first)  # still held: not even sent
    finally:
        provider.close()

    assert caught.value.retry_after == 0.2
    assert [r.status for r in token_requests(rc_sandbox)] == [200, 429]


async def test_an_unreachable_server_is_named_in_the_error() -> None:
    async with running_sandbox() as server:
        url = server.url  # stopped on leaving: nothing listens there any more
    provider = TokenProvider(credentials=Credentials(url, "id", "secret", "a.b.c"))
    try:
        with pytest.raises(RingCentralUnavailable) as caught:
            await provider.token()
    finally:
        provider.close()

    assert caught.value.details.startswith(
        f"RingCentral is unavailable while logging in with the JWT: could not reach {url} "
        "(ConnectionError); check RINGCENTRAL_SERVER_URL and the network."
    )
    assert url not in str(caught.value)
