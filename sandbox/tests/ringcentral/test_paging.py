"""v1 lists page with `paging` and absolute `navigation` links; v2 phone numbers with `paging`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import aiohttp

from sandbox.tests.ringcentral.conftest import Api
from sms_handlers_sandbox.ringcentral import SandboxServer, demo_seed

EXTENSIONS = "/restapi/v1.0/account/~/extension"
NUMBERS_V2 = "/restapi/v2/accounts/~/phone-numbers"


def query_of(uri: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(uri).query)


async def test_v1_pages_link_to_each_other_and_cover_every_record(api: Api) -> None:
    seen: list[int] = []
    uri: str | None = f"{api.sandbox.url}{EXTENSIONS}?type=User&perPage=5"
    pages = 0
    while uri is not None:
        path = uri.removeprefix(api.sandbox.url)
        page = (await api.get(path)).json
        pages += 1
        seen += [record["id"] for record in page["records"]]
        uri = page["navigation"].get("nextPage", {}).get("uri")
    assert pages == 3
    assert seen == list(range(6001, 6015))


async def test_v1_navigation_on_a_middle_page(api: Api) -> None:
    page = (await api.get(EXTENSIONS, [("type", "User"), ("perPage", "5"), ("page", "2")])).json

    assert page["paging"] == {
        "page": 2, "perPage": 5, "pageStart": 5, "pageEnd": 9, "totalPages": 3, "totalElements": 14,
    }  # fmt: skip
    navigation = page["navigation"]
    assert set(navigation) == {"firstPage", "nextPage", "previousPage", "lastPage"}
    for name, number in [
        ("firstPage", "1"),
        ("nextPage", "3"),
        ("previousPage", "1"),
        ("lastPage", "3"),
    ]:
        uri = navigation[name]["uri"]
        assert uri.startswith(f"{api.sandbox.url}{EXTENSIONS}?")
        assert ("page", number) in query_of(uri)
        assert ("type", "User") in query_of(uri)
        assert ("perPage", "5") in query_of(uri)


async def test_v1_last_page_has_no_next_page(api: Api) -> None:
    page = (await api.get(EXTENSIONS, [("type", "User"), ("perPage", "5"), ("page", "3")])).json

    assert [r["extensionNumber"] for r in page["records"]] == ["1011", "1012", "1013", "1014"]
    assert "nextPage" not in page["navigation"]
    assert page["paging"]["pageEnd"] == 13


async def test_first_page_has_no_previous_page(api: Api) -> None:
    page = (await api.get(EXTENSIONS, {"perPage": "5"})).json

    assert "previousPage" not in page["navigation"]
    assert page["navigation"]["nextPage"]


async def test_default_and_maximum_page_sizes(api: Api) -> None:
    default = (await api.get(EXTENSIONS)).json
    huge = (await api.get(EXTENSIONS, {"perPage": "5000"})).json

    assert default["paging"]["perPage"] == 100
    assert huge["paging"]["perPage"] == 1000
    assert "nextPage" not in default["navigation"]


async def test_omit_totals_drops_total_pages_and_elements(sandbox: SandboxServer, api: Api) -> None:
    sandbox.options.omit_totals = True

    v1 = (await api.get(EXTENSIONS, {"perPage": "5"})).json
    v2 = (await api.get(NUMBERS_V2, {"perPage": "5"})).json

    for paging in (v1["paging"], v2["paging"]):
        assert "totalPages" not in paging
        assert "totalElements" not in paging
        assert paging["page"] == 1
    assert v1["navigation"]["nextPage"]


async def test_a_page_past_the_end_is_empty_without_page_numbers(api: Api) -> None:
    page = (await api.get(EXTENSIONS, {"perPage": "100", "page": "7"})).json

    assert page["records"] == []
    assert "page" not in page["paging"]
    assert "nextPage" not in page["navigation"]


async def test_bad_paging_parameters_are_refused(api: Api) -> None:
    for params in ({"page": "0"}, {"perPage": "many"}):
        answer = await api.get(EXTENSIONS, params)
        assert answer.status == 400
        assert answer.json["errors"][0]["errorCode"] == "CMN-101"
        assert answer.json["errors"][0]["parameterName"] in {"page", "perPage"}


async def test_v2_phone_numbers_page_without_navigation(api: Api) -> None:
    first = (await api.get(NUMBERS_V2, {"perPage": "10"})).json
    second = (await api.get(NUMBERS_V2, {"perPage": "10", "page": "3"})).json

    assert set(first) == {"records", "paging"}
    assert first["paging"] == {
        "page": 1, "perPage": 10, "pageStart": 0, "pageEnd": 9,
        "totalPages": 3, "totalElements": 23,
    }  # fmt: skip
    assert len(second["records"]) == 3
    assert (await api.get(NUMBERS_V2, {"perPage": "2000"})).json["paging"]["perPage"] == 1000


async def test_repeated_type_filter_on_extensions(api: Api) -> None:
    page = (await api.get(EXTENSIONS, [("type", "Department"), ("type", "Site")])).json

    assert sorted(r["name"] for r in page["records"]) == [
        "Billing", "Boston Office", "Denver Office", "Sales", "Support", "Support Escalations",
    ]  # fmt: skip
    company = (await api.get(EXTENSIONS, {"type": "CompanyExtension"})).json["records"]
    assert [(r["id"], r["name"]) for r in company] == [(1000, "Acme Corp HQ")]


async def test_status_extension_number_and_email_filters(api: Api) -> None:
    disabled = (await api.get(EXTENSIONS, [("type", "User"), ("status", "Disabled")])).json
    by_number = (await api.get(EXTENSIONS, {"extensionNumber": "104"})).json
    by_email = (await api.get(EXTENSIONS, {"email": "Ava.Chen@acme.example"})).json

    assert [r["name"] for r in disabled["records"]] == ["Isabel Rossi"]
    assert [r["name"] for r in by_number["records"]] == ["Support"]
    assert [r["name"] for r in by_email["records"]] == ["Ava Chen"]


async def test_unknown_filter_value_is_refused(api: Api) -> None:
    answer = await api.get(EXTENSIONS, {"type": "Queue"})

    assert answer.status == 400
    assert answer.json["errors"][0]["parameterName"] == "type"


async def test_repeated_usage_type_filter_on_v2_numbers(api: Api) -> None:
    page = (
        await api.get(
            NUMBERS_V2, [("usageType", "MainCompanyNumber"), ("usageType", "CompanyNumber")]
        )
    ).json

    assert sorted(r["phoneNumber"] for r in page["records"]) == [
        "+16505550100", "+16505550101", "+16505550199",
    ]  # fmt: skip
    assert all("extension" not in r for r in page["records"])
    fax = (await api.get(NUMBERS_V2, {"type": "FaxOnly"})).json["records"]
    assert sorted(r["phoneNumber"] for r in fax) == ["+16175550195", "+16505550199"]


async def test_phone_number_filter_keeps_the_plus(api: Api) -> None:
    page = (await api.get(NUMBERS_V2, {"phoneNumber": "+16505550104"})).json

    assert [(r["phoneNumber"], r["extension"]) for r in page["records"]] == [
        ("+16505550104", {"id": "4001", "extensionNumber": "104"})
    ]


async def test_renamed_main_site_shows_in_every_site_reference(http: aiohttp.ClientSession) -> None:
    async with SandboxServer(demo_seed(company_name="Head Office")) as sandbox:
        api = Api(sandbox, http)
        await api.login()
        company = (await api.get(EXTENSIONS, {"type": "CompanyExtension"})).json["records"]
        queues = (await api.get("/restapi/v1.0/account/~/call-queues")).json["records"]
        menus = (await api.get("/restapi/v1.0/account/~/ivr-menus")).json["records"]

    assert [(r["id"], r["name"], r["extensionNumber"]) for r in company] == [
        (1000, "Head Office", "101")
    ]
    assert queues[0]["site"] == {"id": "main-site", "name": "Head Office"}
    assert menus[0]["site"] == {"id": "main-site", "name": "Head Office"}
    assert menus[1]["site"] == {"id": "2000", "name": "Boston Office"}
