"""Paths and methods the sandbox does not serve get RingCentral-shaped errors."""

from __future__ import annotations

from sandbox.tests.ringcentral.conftest import Api
from sms_handlers_sandbox.ringcentral import SandboxServer


async def test_unknown_path_is_a_404_with_an_error_body(sandbox: SandboxServer, api: Api) -> None:
    answer = await api.get("/restapi/v1.0/account/~/no-such-thing")

    assert answer.status == 404
    assert answer.json["errors"][0]["errorCode"] == "CMN-102"
    assert sandbox.requests[-1].rate_group is None
    assert sandbox.requests[-1].status == 404


async def test_wrong_method_is_a_405(api: Api) -> None:
    answer = await api.request("DELETE", "/restapi/v1.0/account/~/extension/4001/sms-recipients")

    assert answer.status == 405
    assert answer.json["errors"][0] == {
        "errorCode": "CMN-405",
        "message": "Method is not allowed",
    }


async def test_real_account_id_and_trailing_slash_are_accepted(
    sandbox: SandboxServer, api: Api
) -> None:
    answer = await api.get(f"/restapi/v1.0/account/{sandbox.seed.account_id}/call-queues/")

    assert answer.status == 200
    assert len(answer.json["records"]) == 4


async def test_extension_tilde_is_the_token_owner(api: Api) -> None:
    answer = await api.get("/restapi/v1.0/account/~/extension/~/phone-number")

    assert [r["phoneNumber"] for r in answer.json["records"]] == ["+16505551001"]
