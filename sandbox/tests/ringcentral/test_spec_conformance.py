"""Every operation's answers (successes and errors) validate against RingCentral's schemas."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from sandbox.tests.ringcentral.conftest import JWT_GRANT, Answer, Api, basic
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer
from sms_handlers_sandbox.ringcentral.server import APP_PERMISSIONS
from tests.support import rc_spec

V1 = "/restapi/v1.0/account/~"
Call = Callable[[SandboxServer, Api], Awaitable[Answer]]


def get(path: str, params: Any = None, *, valid_query: bool = True) -> Call:
    async def call(sandbox: SandboxServer, api: Api) -> Answer:
        if params is not None and valid_query:
            rc_spec.validate_query(OPERATION_OF[path], params)
        return await api.get(path, params)

    return call


def bulk(extension_id: str, body: Any) -> Call:
    async def call(sandbox: SandboxServer, api: Api) -> Answer:
        path = f"{V1}/extension/{extension_id}/sms-recipients/bulk-assign"
        return await api.request("POST", path, json_body=body)

    return call


def token(form: dict[str, str], *, secret: str | None = None) -> Call:
    async def call(sandbox: SandboxServer, api: Api) -> Answer:
        auth = basic(sandbox.client_id, secret if secret is not None else sandbox.client_secret)
        return await api.token_call(form, auth=auth)

    return call


def after(setup: Callable[[SandboxServer, Api], None], then: Call) -> Call:
    async def call(sandbox: SandboxServer, api: Api) -> Answer:
        setup(sandbox, api)
        return await then(sandbox, api)

    return call


def fault(pattern: str, status: int) -> Callable[[SandboxServer, Api], None]:
    return lambda sandbox, api: sandbox.inject_fault(Fault(path_pattern=pattern, status=status))


def unauthenticated(sandbox: SandboxServer, api: Api) -> None:
    api.token = None


def omit_totals(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.omit_totals = True


def threads_off(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.thread_messaging.available = False


def over_the_limit(then: Call) -> Call:
    async def call(sandbox: SandboxServer, api: Api) -> Answer:
        sandbox.options.limits.update(Light=1, Medium=1, Heavy=1)
        await then(sandbox, api)
        return await then(sandbox, api)

    return call


def without_permission(permission: str, then: Call) -> Call:
    async def call(sandbox: SandboxServer, api: Api) -> Answer:
        sandbox.options.app_permissions.remove(permission)
        await api.login()  # permissions are granted with the token
        return await then(sandbox, api)

    return call


OPERATION_OF = {
    f"{V1}/extension": "listExtensions",
    f"{V1}/call-queues": "listCallQueues",
    f"{V1}/sites": "listSites",
    "/restapi/v2/accounts/~/phone-numbers": "listAccountPhoneNumbersV2",
    f"{V1}/extension/1000/phone-number": "listExtensionPhoneNumbers",
    f"{V1}/extension/4002/phone-number": "listExtensionPhoneNumbers",
    f"{V1}/extension/6001/phone-number": "listExtensionPhoneNumbers",
    f"{V1}/extension/404/phone-number": "listExtensionPhoneNumbers",
    f"{V1}/ivr-menus": "readIvrMenuList",
    f"{V1}/extension/4001/sms-recipients": "getSmsRecipients",
    f"{V1}/extension/~/features": "readExtensionFeatures",
}

CASES: list[tuple[str, str, int, Call]] = [
    ("getToken", "jwt", 200, token({"grant_type": JWT_GRANT, "assertion": "placeholder"})),
    ("getToken", "bad assertion", 400, token({"grant_type": JWT_GRANT, "assertion": "x.y.z"})),
    ("getToken", "bad client", 401,
     token({"grant_type": JWT_GRANT, "assertion": "x"}, secret="no")),
    ("getToken", "bad grant", 400, token({"grant_type": "client_credentials"})),
    ("listExtensions", "all", 200, get(f"{V1}/extension")),
    ("listExtensions", "users page 2", 200,
     get(f"{V1}/extension", [("type", "User"), ("perPage", "5"), ("page", "2")])),
    ("listExtensions", "company", 200, get(f"{V1}/extension", {"type": "CompanyExtension"})),
    ("listExtensions", "no totals", 200, after(omit_totals, get(f"{V1}/extension"))),
    ("listExtensions", "past the end", 200, get(f"{V1}/extension", {"page": "9"})),
    ("listExtensions", "bad page", 400, get(f"{V1}/extension", {"page": "0"}, valid_query=False)),
    ("listExtensions", "no token", 401, after(unauthenticated, get(f"{V1}/extension"))),
    ("listCallQueues", "all", 200, get(f"{V1}/call-queues")),
    ("listCallQueues", "rate", 429,
     over_the_limit(get(f"{V1}/call-queues"))),
    ("listSites", "all", 200, get(f"{V1}/sites")),
    ("listAccountPhoneNumbersV2", "all", 200, get("/restapi/v2/accounts/~/phone-numbers")),
    ("listAccountPhoneNumbersV2", "direct", 200,
     get("/restapi/v2/accounts/~/phone-numbers",
         [("usageType", "DirectNumber"), ("perPage", "4")])),
    ("listAccountPhoneNumbersV2", "no totals", 200,
     after(omit_totals, get("/restapi/v2/accounts/~/phone-numbers"))),
    ("listAccountPhoneNumbersV2", "bad filter", 400,
     get("/restapi/v2/accounts/~/phone-numbers", {"usageType": "Nope"}, valid_query=False)),
    ("listAccountPhoneNumbersV2", "rate", 429,
     over_the_limit(get("/restapi/v2/accounts/~/phone-numbers"))),
    ("listAccountPhoneNumbersV2", "fault", 503,
     after(fault("phone-numbers", 503), get("/restapi/v2/accounts/~/phone-numbers"))),
    ("listExtensionPhoneNumbers", "company", 200, get(f"{V1}/extension/1000/phone-number")),
    ("listExtensionPhoneNumbers", "queue", 200, get(f"{V1}/extension/4002/phone-number")),
    ("listExtensionPhoneNumbers", "user", 200,
     get(f"{V1}/extension/6001/phone-number", {"usageType": "DirectNumber"})),
    ("listExtensionPhoneNumbers", "unknown", 404, get(f"{V1}/extension/404/phone-number")),
    ("readIvrMenuList", "all", 200, get(f"{V1}/ivr-menus")),
    ("readIvrMenuList", "fault", 500, after(fault("ivr-menus", 500), get(f"{V1}/ivr-menus"))),
    ("readIvrMenuList", "fault", 503, after(fault("ivr-menus", 503), get(f"{V1}/ivr-menus"))),
    ("getSmsRecipients", "queue", 200, get(f"{V1}/extension/4001/sms-recipients")),
    ("getSmsRecipients", "unknown", 404, get(f"{V1}/extension/404/sms-recipients")),
    ("getSmsRecipients", "ivr", 400, get(f"{V1}/extension/5001/sms-recipients")),
    ("bulkAssignSmsRecipients", "ok", 204, bulk("4001", {"addedExtensionIds": ["6005"]})),
    ("bulkAssignSmsRecipients", "empty", 400, bulk("4001", {"addedExtensionIds": []})),
    ("bulkAssignSmsRecipients", "unknown id", 400, bulk("4001", {"addedExtensionIds": ["1"]})),
    ("bulkAssignSmsRecipients", "unknown target", 404,
     bulk("404", {"addedExtensionIds": ["6001"]})),
    ("bulkAssignSmsRecipients", "threads off", 403,
     after(threads_off, bulk("4001", {"addedExtensionIds": ["6005"]}))),
    ("bulkAssignSmsRecipients", "no EditExtensions", 403,
     without_permission("EditExtensions", bulk("4001", {"addedExtensionIds": ["6005"]}))),
    ("bulkAssignSmsRecipients", "fault", 500,
     after(fault("bulk-assign", 500), bulk("4001", {"removedExtensionIds": ["6001"]}))),
    ("readExtensionFeatures", "on", 200,
     get(f"{V1}/extension/~/features", {"featureId": "MessageThreads"})),
    ("readExtensionFeatures", "no ReadAccounts", 403,
     without_permission("ReadAccounts", get(f"{V1}/extension/~/features"))),
    ("readExtensionFeatures", "off", 200,
     after(threads_off, get(f"{V1}/extension/~/features", {"featureId": "MessageThreads"}))),
]  # fmt: skip


def test_every_operation_of_the_spec_file_the_sandbox_serves_is_covered() -> None:
    served = set(rc_spec.operation_ids()) - {"listExtensionGrants"}  # not used by sms-handlers
    assert {case[0] for case in CASES} == served


@pytest.mark.parametrize(
    ("operation_id", "label", "status", "call"),
    CASES,
    ids=[f"{op}-{status}-{label}" for op, label, status, _ in CASES],
)
async def test_answer_matches_the_spec(
    sandbox: SandboxServer, api: Api, operation_id: str, label: str, status: int, call: Call
) -> None:
    if operation_id == "getToken" and label == "jwt":
        call = token({"grant_type": JWT_GRANT, "assertion": sandbox.jwt})

    answer = await call(sandbox, api)

    assert answer.status == status, answer.text
    rc_spec.validate_response(operation_id, answer.status, answer.text)


def test_the_validator_rejects_what_the_spec_forbids() -> None:
    with pytest.raises(rc_spec.SpecViolation, match="records/0/id"):
        rc_spec.validate_response("listCallQueues", 200, {
            "uri": "http://x/", "records": [{"id": 4001}], "paging": {"perPage": 1},
            "navigation": {},
        })  # fmt: skip
    with pytest.raises(rc_spec.SpecViolation, match="must have no body"):
        rc_spec.validate_response("bulkAssignSmsRecipients", 204, "{}")
    with pytest.raises(rc_spec.SpecViolation, match="errors"):
        rc_spec.validate_response("listSites", 401, {"message": "no"})
    with pytest.raises(rc_spec.SpecViolation, match="addedExtensionIds/0"):
        rc_spec.validate_request_body("bulkAssignSmsRecipients", {"addedExtensionIds": [6001]})
    with pytest.raises(rc_spec.SpecViolation, match="not declared"):
        rc_spec.validate_query("listExtensions", {"perpage": "10"})


def test_the_requests_the_sandbox_expects_match_the_spec() -> None:
    rc_spec.validate_request_body(
        "bulkAssignSmsRecipients", {"addedExtensionIds": ["6005"], "removedExtensionIds": ["6001"]}
    )
    rc_spec.validate_request_body(
        "getToken", {"grant_type": JWT_GRANT, "assertion": "a.b.c", "access_token_ttl": "3600"}
    )
    rc_spec.validate_request_body(
        "getToken", {"grant_type": "refresh_token", "refresh_token": "r", "refresh_token_ttl": "9"}
    )
    rc_spec.validate_query(
        "listAccountPhoneNumbersV2",
        [("usageType", "MainCompanyNumber"), ("usageType", "CompanyNumber"), ("perPage", "1000")],
    )


def test_each_operation_needs_the_app_permission_the_spec_names() -> None:
    for operation_id, permission in APP_PERMISSIONS.items():
        _, _, spec = rc_spec.operation(operation_id)
        assert spec["x-app-permission"] == permission, operation_id
    served = set(rc_spec.operation_ids()) - {"listExtensionGrants", "getToken"}
    assert set(APP_PERMISSIONS) == served
