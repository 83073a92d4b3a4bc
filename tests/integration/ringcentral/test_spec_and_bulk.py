"""What the client sends matches RingCentral's spec; bulk-assign splits changes over 50 ids."""

from __future__ import annotations

from bot.ringcentral.client import BULK_ASSIGN_MAX_IDS
from sms_handlers_sandbox.ringcentral import SandboxServer, large_seed
from tests.support.rc_sandbox import (
    RequestCapture,
    data_requests,
    running_sandbox,
    sandbox_client,
)
from tests.support.rc_spec import operation, validate_query, validate_request_body

OPERATION_BY_PATH_END = {
    "/extension": "listExtensions",
    "/call-queues": "listCallQueues",
    "/sites": "listSites",
    "/ivr-menus": "readIvrMenuList",
    "/phone-numbers": "listAccountPhoneNumbersV2",
    "/sms-recipients": "getSmsRecipients",
    "/bulk-assign": "bulkAssignSmsRecipients",
    "/features": "readExtensionFeatures",
}


def operation_of(path: str) -> str:
    return next(op for end, op in OPERATION_BY_PATH_END.items() if path.endswith(end))


async def test_every_request_the_client_sends_matches_the_spec(
    rc_sandbox: SandboxServer, rc_capture: RequestCapture
) -> None:
    async with sandbox_client(rc_sandbox, capture=rc_capture) as client:
        await client.list_extensions(types=["Department", "Site"], statuses=["Enabled"])
        await client.list_call_queues()
        await client.list_sites()
        await client.list_ivr_menus()
        await client.list_account_phone_numbers(
            usage_types=["MainCompanyNumber", "DirectNumber"], phone_number="+16505550104"
        )
        await client.get_sms_recipients(extension_id="4001")
        await client.bulk_assign_sms_recipients(
            extension_id="4001", added=["6003"], removed=["6002"]
        )
        await client.get_features(feature_ids=["MessageThreads"])

    seen = set()
    for sent in rc_capture.sent:
        if sent.path == "/restapi/oauth/token":
            continue
        op = operation_of(sent.path)
        seen.add(op)
        _, method, _ = operation(op)
        assert sent.method == method
        record = next(r for r in rc_sandbox.requests if r.path == sent.path)
        validate_query(op, record.query)
        if method == "POST":
            validate_request_body(op, sent.body)
    assert seen == set(OPERATION_BY_PATH_END.values())
    assert all(r.status < 400 for r in data_requests(rc_sandbox))


async def test_a_change_of_more_than_50_ids_is_split_over_several_calls() -> None:
    seed = large_seed(sites=1, queues=2, users=130, numbers=20)
    users = [str(e.id) for e in seed.extensions if e.type == "User" and e.status == "Enabled"]
    queue = next(str(e.id) for e in seed.extensions if e.type == "Department")
    capture = RequestCapture()
    async with (
        running_sandbox(seed) as server,
        sandbox_client(server, capture=capture) as client,
    ):
        server.set_sms_recipients(queue, users[:60])
        calls = await client.bulk_assign_sms_recipients(
            extension_id=queue, added=users[60:120], removed=users[:55]
        )
        now = set(server.sms_recipients(queue))

    assert calls == 2
    assert now == set(users[55:120])
    bodies = [s.json() for s in capture.sent if s.path.endswith("/bulk-assign")]
    assert len(bodies) == 2
    for body in bodies:
        validate_request_body("bulkAssignSmsRecipients", body)
        assert len(body.get("addedExtensionIds", [])) <= BULK_ASSIGN_MAX_IDS
        assert len(body.get("removedExtensionIds", [])) <= BULK_ASSIGN_MAX_IDS
    assert sum(len(b.get("addedExtensionIds", [])) for b in bodies) == 60
    assert sum(len(b.get("removedExtensionIds", [])) for b in bodies) == 55
