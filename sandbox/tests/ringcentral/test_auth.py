"""Logging in with the JWT grant, refreshing, and what happens to bad or old tokens."""

from __future__ import annotations

import aiohttp

from sandbox.tests.ringcentral.conftest import JWT_GRANT, Api, basic
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer

SITES = "/restapi/v1.0/account/~/sites"


async def test_jwt_login_gives_a_bearer_token_that_opens_the_api(anonymous: Api) -> None:
    tokens = await anonymous.login()

    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["refresh_token"]
    assert tokens["owner_id"] == "6001"
    assert (await anonymous.get(SITES)).status == 200


async def test_unknown_client_is_refused_with_invalid_client(anonymous: Api) -> None:
    answer = await anonymous.token_call(
        {"grant_type": JWT_GRANT, "assertion": anonymous.sandbox.jwt},
        auth=basic(anonymous.sandbox.client_id, "not-the-secret"),
    )

    assert answer.status == 401
    assert answer.json["error"] == "invalid_client"
    assert answer.json["errors"][0]["errorCode"].startswith("OAU-")
    assert "not-the-secret" not in answer.text


async def test_missing_client_credentials_are_refused(anonymous: Api) -> None:
    answer = await anonymous.token_call(
        {"grant_type": JWT_GRANT, "assertion": anonymous.sandbox.jwt}, auth=""
    )

    assert answer.status == 401
    assert answer.json["error"] == "invalid_client"


async def test_wrong_assertion_is_an_invalid_grant(anonymous: Api) -> None:
    answer = await anonymous.token_call({"grant_type": JWT_GRANT, "assertion": "eyJ.bad.jwt"})

    assert answer.status == 400
    assert answer.json["error"] == "invalid_grant"
    assert answer.json["error_description"]
    assert answer.json["errors"][0]["errorCode"].startswith("OAU-")


async def test_unsupported_grant_type_is_refused(anonymous: Api) -> None:
    answer = await anonymous.token_call({"grant_type": "password", "username": "x"})

    assert answer.status == 400
    assert answer.json["error"] == "unsupported_grant_type"


async def test_api_call_without_token_gets_401_with_error_body(anonymous: Api) -> None:
    answer = await anonymous.get(SITES)

    assert answer.status == 401
    assert answer.json["errorCode"] == "AGW-401"
    assert answer.json["errors"][0]["errorCode"] == "AGW-401"
    assert answer.json["message"]


async def test_made_up_token_gets_401(anonymous: Api) -> None:
    anonymous.token = "made-up"

    answer = await anonymous.get(SITES)

    assert answer.status == 401
    assert answer.json["errors"][0]["errorCode"] == "OAU-129"


async def test_expire_tokens_makes_every_issued_token_fail(
    sandbox: SandboxServer, api: Api
) -> None:
    sandbox.expire_tokens()

    answer = await api.get(SITES)

    assert answer.status == 401
    assert answer.json["errors"][0]["errorCode"] == "OAU-128"
    await api.login()
    assert (await api.get(SITES)).status == 200


async def test_token_expires_after_its_lifetime(http: aiohttp.ClientSession) -> None:
    clock = [1000.0]
    options = SandboxOptions(token_ttl_seconds=1)
    async with SandboxServer(options=options, clock=lambda: clock[0]) as sandbox:
        client = Api(sandbox, http)
        tokens = await client.login()
        assert tokens["expires_in"] == 1
        clock[0] += 0.5
        assert (await client.get(SITES)).status == 200
        clock[0] += 0.5  # the token's whole lifetime
        answer = await client.get(SITES)
        assert answer.status == 401
        assert answer.json["errors"][0]["errorCode"] == "OAU-128"


async def test_refresh_issues_new_tokens_and_the_old_access_token_stops_at_once(
    api: Api,
) -> None:
    old_access = api.token
    first = await api.login()

    answer = await api.token_call(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )

    assert answer.status == 200
    refreshed = answer.json
    assert refreshed["access_token"] != first["access_token"]
    api.token = first["access_token"]
    assert (await api.get(SITES)).status == 401
    api.token = refreshed["access_token"]
    assert (await api.get(SITES)).status == 200
    api.token = old_access  # the session of the fixture's own login is untouched
    assert (await api.get(SITES)).status == 200


async def test_a_refresh_token_works_once(api: Api) -> None:
    tokens = await api.login()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert (await api.token_call(form)).status == 200

    again = await api.token_call(form)

    assert again.status == 400
    assert again.json["error"] == "invalid_grant"


async def test_no_refresh_token_when_the_app_does_not_issue_them(
    sandbox: SandboxServer, anonymous: Api
) -> None:
    sandbox.options.issue_refresh_tokens = False

    tokens = await anonymous.login()

    assert "refresh_token" not in tokens


async def test_requested_shorter_ttl_is_honoured(anonymous: Api) -> None:
    answer = await anonymous.token_call(
        {"grant_type": JWT_GRANT, "assertion": anonymous.sandbox.jwt, "access_token_ttl": "600"}
    )

    assert answer.json["expires_in"] == 600


async def test_token_request_must_be_a_form(anonymous: Api) -> None:
    answer = await anonymous.request(
        "POST",
        "/restapi/oauth/token",
        json_body={"grant_type": JWT_GRANT, "assertion": anonymous.sandbox.jwt},
        headers={
            "Authorization": basic(anonymous.sandbox.client_id, anonymous.sandbox.client_secret)
        },
    )

    assert answer.status == 415


async def test_the_token_carries_the_app_permissions_and_they_are_enforced(
    sandbox: SandboxServer, anonymous: Api
) -> None:
    tokens = await anonymous.login()
    assert tokens["scope"].split(" ") == ["ReadAccounts", "EditExtensions"]

    sandbox.options.app_permissions = ["ReadAccounts"]
    tokens = await anonymous.login()
    assert tokens["scope"] == "ReadAccounts"
    assert (await anonymous.get(SITES)).status == 200
    answer = await anonymous.request(
        "POST",
        "/restapi/v1.0/account/~/extension/4001/sms-recipients/bulk-assign",
        json_body={"addedExtensionIds": ["6005"]},
    )
    assert answer.status == 403
    [error] = answer.json["errors"]
    assert error["errorCode"] == "CMN-401"
    assert error["permissionName"] == "EditExtensions"
    assert "[EditExtensions] permission" in error["message"]
    assert sandbox.sms_recipients("4001") == ["6001", "6002"]
