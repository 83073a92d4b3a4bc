"""The demo account's fixed facts, which the client, directory and app tests rely on."""

from __future__ import annotations

from collections import Counter

from sandbox.tests.ringcentral.conftest import Api
from sms_handlers_sandbox.ringcentral import demo_seed

NUMBERS_V2 = "/restapi/v2/accounts/~/phone-numbers"


def test_extensions_of_the_demo_company() -> None:
    seed = demo_seed()
    by_id = {ext.id: ext for ext in seed.extensions}

    assert (seed.company.id, seed.company.name, seed.company.extension_number) == (
        1000, "Acme Corp HQ", "101",
    )  # fmt: skip
    assert [(e.id, e.name, e.extension_number, e.site_id) for e in seed.extensions if e.type in {
        "Site", "Department", "IvrMenu"}] == [
        (2000, "Boston Office", "200", "2000"),
        (3000, "Denver Office", "300", "3000"),
        (4001, "Support", "104", "main-site"),
        (4002, "Sales", "105", "2000"),
        (4003, "Billing", "106", "3000"),
        (4004, "Support Escalations", "107", "main-site"),
        (5001, "Main Menu", "110", "main-site"),
        (5002, "Boston After Hours", "210", "2000"),
    ]  # fmt: skip
    users = [e for e in seed.extensions if e.type == "User"]
    assert len(users) >= 12
    first_four = [by_id[i] for i in range(6001, 6005)]
    assert [(u.extension_number, u.name, u.email) for u in first_four] == [
        ("1001", "Ava Chen", "ava.chen@acme.example"),
        ("1002", "Ben Ortiz", "ben.ortiz@acme.example"),
        ("1003", "Carla Diaz", "carla.diaz@acme.example"),
        ("1004", "Dan Miller", "dan.miller@acme.example"),
    ]  # fmt: skip
    assert all(u.status == "Enabled" and u.assignable and u.has_license for u in first_four)
    assert any(not u.assignable for u in users)
    assert any(not u.has_license for u in users)
    assert any(u.status == "Disabled" for u in users)
    assert any(u.email is None for u in users)


async def test_numbers_of_the_demo_company(api: Api) -> None:
    records = (await api.get(NUMBERS_V2)).json["records"]
    described = {
        r["phoneNumber"]: (r["usageType"], r.get("type"), r.get("extension", {}).get("id"))
        for r in records
    }

    assert {number: described[number] for number in [
        "+16505550100", "+16505550101", "+16505550199", "+16505550110", "+16175550120",
        "+16175550121", "+13035550130", "+16505550104", "+16175550105", "+13035550106",
        "+16175550195",
    ]} == {
        "+16505550100": ("MainCompanyNumber", "VoiceOnly", None),
        "+16505550101": ("CompanyNumber", "VoiceFax", None),
        "+16505550199": ("CompanyNumber", "FaxOnly", None),
        "+16505550110": ("DirectNumber", "VoiceFax", "5001"),
        "+16175550120": ("DirectNumber", "VoiceFax", "2000"),
        "+16175550121": ("DirectNumber", "VoiceFax", "5002"),
        "+13035550130": ("DirectNumber", "VoiceFax", "3000"),
        "+16505550104": ("DirectNumber", "VoiceFax", "4001"),
        "+16175550105": ("DirectNumber", "VoiceFax", "4002"),
        "+13035550106": ("DirectNumber", "VoiceFax", "4003"),
        "+16175550195": ("DirectNumber", "FaxOnly", "4002"),
    }  # fmt: skip
    usage = Counter(usage for usage, _, _ in described.values())
    assert usage["Inventory"] == 2
    assert all(ext is None for usage, _, ext in described.values() if usage == "Inventory")
    user_numbers = [ext for usage, _, ext in described.values() if ext and ext.startswith("60")]
    assert len(user_numbers) >= 4


async def test_initial_recipients(api: Api) -> None:
    expected = {
        "4001": ["Ava Chen", "Ben Ortiz"], "1000": ["Carla Diaz"], "2000": ["Dan Miller"],
        "4002": ["Ben Ortiz"], "3000": [], "4003": [], "4004": [],
    }  # fmt: skip
    for extension_id, names in expected.items():
        path = f"/restapi/v1.0/account/~/extension/{extension_id}/sms-recipients"
        answer = (await api.get(path)).json
        assert [r["name"] for r in answer["smsRecipients"]] == names, extension_id
