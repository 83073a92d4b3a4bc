"""SMS recipients: reading, bulk-assign and its validation; the feature check."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.tests.ringcentral.conftest import Answer, Api
from sms_handlers_sandbox.ringcentral import SandboxServer


def recipients_path(extension_id: str) -> str:
    return f"/restapi/v1.0/account/~/extension/{extension_id}/sms-recipients"


async def bulk_assign(api: Api, extension_id: str, body: Any) -> Answer:
    return await api.request("POST", recipients_path(extension_id) + "/bulk-assign", json_body=body)


async def test_reads_the_recipients_of_a_call_queue(api: Api) -> None:
    answer = await api.get(recipients_path("4001"))

    assert answer.json == {
        "smsRecipients": [
            {"id": "6001", "extensionNumber": "1001", "extensionType": "User", "name": "Ava Chen",
             "assignable": True, "hasLicense": True},
            {"id": "6002", "extensionNumber": "1002", "extensionType": "User", "name": "Ben Ortiz",
             "assignable": True, "hasLicense": True},
        ]
    }  # fmt: skip


async def test_main_site_and_sub_site_recipients(api: Api) -> None:
    main = (await api.get(recipients_path("1000"))).json["smsRecipients"]
    boston = (await api.get(recipients_path("2000"))).json["smsRecipients"]
    denver = (
        await api.get("/restapi/v1.0/account/401234567008/extension/3000/sms-recipients")
    ).json

    assert [r["name"] for r in main] == ["Carla Diaz"]
    assert [r["name"] for r in boston] == ["Dan Miller"]
    assert denver == {"smsRecipients": []}


async def test_bulk_assign_adds_and_removes_and_answers_204_without_body(
    sandbox: SandboxServer, api: Api
) -> None:
    answer = await bulk_assign(
        api, "4001", {"addedExtensionIds": ["6007", "6008"], "removedExtensionIds": ["6001"]}
    )

    assert answer.status == 204
    assert answer.text == ""
    assert sandbox.sms_recipients("4001") == ["6002", "6007", "6008"]
    read_back = (await api.get(recipients_path("4001"))).json["smsRecipients"]
    assert [(r["name"], r["assignable"], r["hasLicense"]) for r in read_back] == [
        ("Ben Ortiz", True, True),
        ("Grace Kim", False, True),
        ("Hiro Tanaka", True, False),
    ]


async def test_adding_a_present_user_or_removing_an_absent_one_changes_nothing(
    sandbox: SandboxServer, api: Api
) -> None:
    answer = await bulk_assign(
        api, "4001", {"addedExtensionIds": ["6001"], "removedExtensionIds": ["6010"]}
    )

    assert answer.status == 204
    assert sandbox.sms_recipients("4001") == ["6001", "6002"]


async def test_set_sms_recipients_changes_them_outside_the_bot(
    sandbox: SandboxServer, api: Api
) -> None:
    sandbox.set_sms_recipients("3000", ["6011", "6006"])

    names = [r["name"] for r in (await api.get(recipients_path("3000"))).json["smsRecipients"]]

    assert names == ["Kara Novak", "Farid Haddad"]
    with pytest.raises(ValueError, match="9999"):
        sandbox.set_sms_recipients("3000", ["9999"])


@pytest.mark.parametrize(
    ("body", "parameter", "says"),
    [
        ({}, "addedExtensionIds", "must be specified and not empty"),
        ({"addedExtensionIds": [], "removedExtensionIds": []}, "addedExtensionIds", "not empty"),
        ({"addedExtensionIds": [str(6001 + i) for i in range(51)]}, "addedExtensionIds",
         "at most 50"),
        ({"removedExtensionIds": ["6001"] * 2}, "removedExtensionIds", "more than once"),
        ({"addedExtensionIds": ["9999"]}, "addedExtensionIds", "[9999]"),
        ({"addedExtensionIds": [6005]}, "addedExtensionIds", "list of extension ids"),
        ({"addedExtensionIds": "6005"}, "addedExtensionIds", "list of extension ids"),
        ({"addedExtensionIds": ["4002"]}, "addedExtensionIds", "only users"),
        ({"addedExtensionIds": ["6005"], "removedExtensionIds": ["6005"]}, "removedExtensionIds",
         "Extension [6005] is both in addedExtensionIds and removedExtensionIds"),
    ],
)  # fmt: skip
async def test_invalid_bulk_assign_is_a_400_and_changes_nothing(
    sandbox: SandboxServer, api: Api, body: dict[str, Any], parameter: str, says: str
) -> None:
    answer = await bulk_assign(api, "4001", body)

    assert answer.status == 400
    error = answer.json["errors"][0]
    assert error["errorCode"] == "CMN-101"
    assert error["parameterName"] == parameter
    assert says in error["message"]
    assert sandbox.sms_recipients("4001") == ["6001", "6002"]


async def test_many_ids_in_one_call(sandbox: SandboxServer, api: Api) -> None:
    sandbox.set_sms_recipients("4003", [])
    ids = [str(6001 + i) for i in range(14)]

    assert (await bulk_assign(api, "4003", {"addedExtensionIds": ids})).status == 204
    assert sandbox.sms_recipients("4003") == ids


async def test_body_that_is_not_json_is_refused(api: Api) -> None:
    answer = await api.request(
        "POST",
        recipients_path("4001") + "/bulk-assign",
        data="added=6005",
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 400
    assert answer.json["errors"][0]["errorCode"] == "CMN-103"


async def test_unknown_extension_is_a_404(api: Api) -> None:
    for answer in (
        await api.get(recipients_path("777")),
        await bulk_assign(api, "777", {"addedExtensionIds": ["6001"]}),
    ):
        assert answer.status == 404
        assert answer.json["errors"][0]["errorCode"] == "CMN-102"
        assert answer.json["errors"][0]["parameterName"] == "extensionId"


@pytest.mark.parametrize(("extension_id", "kind"), [("5001", "IVR menu"), ("6001", "User")])
async def test_ivr_menus_and_users_have_no_recipients(
    api: Api, extension_id: str, kind: str
) -> None:
    for answer in (
        await api.get(recipients_path(extension_id)),
        await bulk_assign(api, extension_id, {"addedExtensionIds": ["6003"]}),
    ):
        assert answer.status == 400
        assert answer.json["errors"][0]["errorCode"] == "CMN-101"
        assert kind in answer.json["errors"][0]["message"]


async def test_unknown_account_is_a_404(api: Api) -> None:
    answer = await api.get("/restapi/v1.0/account/12345/extension/4001/sms-recipients")

    assert answer.status == 404
    assert answer.json["errors"][0]["parameterName"] == "accountId"


FEATURES = "/restapi/v1.0/account/~/extension/~/features"


async def test_features_report_thread_messaging_with_its_params(api: Api) -> None:
    answer = await api.get(FEATURES, {"featureId": "MessageThreads"})

    assert answer.json == {
        "records": [
            {
                "id": "MessageThreads",
                "available": True,
                "params": [
                    {"name": "callQueueSupported", "value": "true"},
                    {"name": "siteSupported", "value": "true"},
                ],
            }
        ]
    }


async def test_thread_messaging_for_queues_only(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.thread_messaging.site_supported = False

    record = (await api.get(FEATURES, {"featureId": "MessageThreads"})).json["records"][0]
    to_site = await bulk_assign(api, "2000", {"addedExtensionIds": ["6005"]})
    to_queue = await bulk_assign(api, "4002", {"addedExtensionIds": ["6005"]})

    assert {"name": "siteSupported", "value": "false"} in record["params"]
    assert to_site.status == 403
    assert to_site.json["errors"][0]["errorCode"] == "CMN-109"
    assert to_queue.status == 204


async def test_thread_messaging_off(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.thread_messaging.available = False

    record = (await api.get(FEATURES, {"featureId": "MessageThreads"})).json["records"][0]
    available_only = (await api.get(FEATURES, {"availableOnly": "true"})).json

    assert record["available"] is False
    assert record["reason"]["code"] == "AccountLimitation"
    assert available_only == {"records": []}
    assert (await bulk_assign(api, "4001", {"addedExtensionIds": ["6005"]})).status == 403
