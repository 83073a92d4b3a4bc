"""The generated large account: its size, determinism, and paging through it."""

from __future__ import annotations

from collections import Counter

import aiohttp

from sandbox.tests.ringcentral.conftest import Api
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, large_seed
from tests.support import rc_spec


def test_default_large_seed_has_the_announced_size() -> None:
    seed = large_seed()
    kinds = Counter(ext.type for ext in seed.extensions)

    assert kinds == {
        "CompanyExtension": 1, "Site": 50, "Department": 500, "IvrMenu": 51, "User": 5000,
    }  # fmt: skip
    assert len(seed.phone_numbers) == 10000
    assert len({n.phone_number for n in seed.phone_numbers}) == 10000
    usage = Counter(n.usage_type for n in seed.phone_numbers)
    assert usage["MainCompanyNumber"] == 1
    assert usage["Inventory"] >= 2
    assert any(n.type == "FaxOnly" for n in seed.phone_numbers)


def test_large_seed_is_deterministic_and_sized_by_its_arguments() -> None:
    assert large_seed(sites=3, queues=4, users=10, numbers=30) == large_seed(
        sites=3, queues=4, users=10, numbers=30
    )
    assert large_seed(rng_seed=1) != large_seed(rng_seed=2)
    small = large_seed(sites=2, queues=3, users=7, numbers=25, ivr_menus=1)
    assert Counter(ext.type for ext in small.extensions) == {
        "CompanyExtension": 1, "Site": 2, "Department": 3, "IvrMenu": 1, "User": 7,
    }  # fmt: skip
    assert len(small.phone_numbers) == 25


async def test_reading_every_page_of_a_large_account(http: aiohttp.ClientSession) -> None:
    options = SandboxOptions(rate_limits_enabled=False, omit_totals=True)
    async with SandboxServer(large_seed(), options) as sandbox:
        api = Api(sandbox, http)
        await api.login()
        users = 0
        path: str | None = "/restapi/v1.0/account/~/extension?type=User&perPage=1000"
        while path is not None:
            page = (await api.get(path)).json
            users += len(page["records"])
            next_uri = page["navigation"].get("nextPage", {}).get("uri")
            path = next_uri.removeprefix(sandbox.url) if next_uri else None
        numbers, page_number = 0, 1
        while True:
            params = {"perPage": "1000", "page": str(page_number)}
            batch = (await api.get("/restapi/v2/accounts/~/phone-numbers", params)).json
            numbers += len(batch["records"])
            if len(batch["records"]) < 1000:
                break
            page_number += 1
    assert users == 5000
    assert numbers == 10000


async def test_fifty_ids_in_one_bulk_assign(http: aiohttp.ClientSession) -> None:
    seed = large_seed(sites=1, queues=1, users=60, numbers=10)
    async with SandboxServer(seed) as sandbox:
        api = Api(sandbox, http)
        await api.login()
        queue = next(ext for ext in seed.extensions if ext.type == "Department")
        sandbox.set_sms_recipients(str(queue.id), [])
        users = [str(ext.id) for ext in seed.extensions if ext.type == "User"]
        path = f"/restapi/v1.0/account/~/extension/{queue.id}/sms-recipients/bulk-assign"

        fifty = await api.request("POST", path, json_body={"addedExtensionIds": users[:50]})
        fifty_one = await api.request("POST", path, json_body={"removedExtensionIds": users[:51]})

    assert fifty.status == 204
    assert fifty_one.status == 400
    assert sandbox.sms_recipients(str(queue.id)) == users[:50]


async def test_large_account_answers_match_the_spec(http: aiohttp.ClientSession) -> None:
    seed = large_seed(sites=5, queues=20, users=200, numbers=400)
    queue = next(ext.id for ext in seed.extensions if ext.type == "Department")
    calls = {
        "listExtensions": "/restapi/v1.0/account/~/extension?perPage=1000",
        "listCallQueues": "/restapi/v1.0/account/~/call-queues",
        "listSites": "/restapi/v1.0/account/~/sites",
        "readIvrMenuList": "/restapi/v1.0/account/~/ivr-menus",
        "listAccountPhoneNumbersV2": "/restapi/v2/accounts/~/phone-numbers?perPage=1000",
        "listExtensionPhoneNumbers": "/restapi/v1.0/account/~/extension/100000/phone-number",
        "getSmsRecipients": f"/restapi/v1.0/account/~/extension/{queue}/sms-recipients",
    }
    async with SandboxServer(seed, SandboxOptions(rate_limits_enabled=False)) as sandbox:
        api = Api(sandbox, http)
        await api.login()
        for operation_id, path in calls.items():
            answer = await api.get(path)
            assert answer.status == 200, path
            rc_spec.validate_response(operation_id, 200, answer.text)
