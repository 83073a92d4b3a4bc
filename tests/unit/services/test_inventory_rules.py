"""build_inventory applies RINGCENTRAL.md's number rules to hand-made records."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.domain import NumberSource, ResourceType
from bot.ringcentral.models import ExtensionRecord, PhoneNumberRecord
from bot.services.inventory import build_inventory


def ext(id_: int, type_: str, name: str, site: dict[str, Any] | None = None) -> ExtensionRecord:
    data: dict[str, Any] = {"id": id_, "type": type_, "name": name, "extensionNumber": str(id_)}
    if site is not None:
        data["site"] = site
    return ExtensionRecord.from_api(data)


def num(number: str, usage: str, owner: int | None = None, **extra: Any) -> PhoneNumberRecord:
    data: dict[str, Any] = {"id": number, "phoneNumber": number, "usageType": usage, **extra}
    if owner is not None:
        data["extension"] = {"id": str(owner)}
    return PhoneNumberRecord.from_api(data)


COMPANY = ext(1, "CompanyExtension", "Whatever We Call HQ")
SITE = ext(2, "Site", "Lab", {"id": "2", "name": "Lab"})
QUEUE_NO_SITE = ext(3, "Department", "Helpdesk")
QUEUE_ON_SITE = ext(4, "Department", "Lab Queue", {"id": "2", "name": "Lab"})
MENU_NO_SITE = ext(5, "IvrMenu", "Greeter")
MENU_ON_SITE = ext(6, "IvrMenu", "Lab Menu", {"id": "2", "name": "Lab"})
MENU_LOST = ext(7, "IvrMenu", "Orphan", {"id": "999", "name": "Deleted"})
EXTENSIONS = [COMPANY, SITE, QUEUE_NO_SITE, QUEUE_ON_SITE, MENU_NO_SITE, MENU_ON_SITE, MENU_LOST]


def test_numbers_go_to_the_right_resource(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    inventory = build_inventory(
        extensions=EXTENSIONS,
        numbers=[
            num("+1001", "MainCompanyNumber"),
            num("+1002", "CompanyNumber"),
            num("+1003", "CompanyNumber", type="FaxOnly"),
            num("+1004", "DirectNumber", 2),
            num("+1005", "DirectNumber", 3),
            num("+1006", "DirectNumber", 4, type="FaxOnly"),
            num("+1007", "DirectNumber", 5),
            num("+1008", "DirectNumber", 6),
            num("+1009", "DirectNumber", 7),
            num("+1010", "DirectNumber"),  # no extension: unassigned
            num("+1011", "DirectNumber", 4242),  # a user's
            num("+1012", "Inventory"),
            num("+1013", "ContactCenterNumber", 3),
        ],
    )

    def shared(resource_id: str) -> dict[str, NumberSource]:
        resource = inventory.get(resource_id)
        assert resource is not None
        return {n.phone_number: n.source for n in resource.phone_numbers}

    assert shared("1") == {
        "+1001": NumberSource.MAIN_COMPANY_NUMBER,
        "+1002": NumberSource.COMPANY_NUMBER,
        "+1007": NumberSource.IVR_MENU_DIRECT_NUMBER,
    }
    assert shared("2") == {
        "+1004": NumberSource.SITE_DIRECT_NUMBER,
        "+1008": NumberSource.IVR_MENU_DIRECT_NUMBER,
    }
    assert shared("3") == {"+1005": NumberSource.CALL_QUEUE_DIRECT_NUMBER}
    assert shared("4") == {}
    assert "IVR menu 7 names an unknown site" in caplog.text


def test_the_main_site_is_the_company_extension_and_queues_know_their_site() -> None:
    inventory = build_inventory(extensions=EXTENSIONS, numbers=[])

    main = inventory.main_site
    assert main is not None and (main.id, main.name) == ("1", "Whatever We Call HQ")
    assert inventory.get("main-site") is main
    helpdesk, lab_queue = inventory.get("3"), inventory.get("4")
    assert helpdesk is not None and (helpdesk.site_id, helpdesk.site_name) == (
        "main-site",
        "Whatever We Call HQ",
    )
    assert lab_queue is not None and (lab_queue.site_id, lab_queue.site_name) == ("2", "Lab")
    assert [m.name for m in main.ivr_menus] == ["Greeter"]
    lab = inventory.get("2")
    assert lab is not None and [m.name for m in lab.ivr_menus] == ["Lab Menu"]
    assert [r.type for r in inventory.resources] == [
        ResourceType.MAIN_SITE,
        ResourceType.SITE,
        ResourceType.CALL_QUEUE,
        ResourceType.CALL_QUEUE,
    ]


def test_without_a_company_extension_the_main_site_is_left_out_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inventory = build_inventory(
        extensions=[SITE, QUEUE_NO_SITE], numbers=[num("+1001", "MainCompanyNumber")]
    )

    assert inventory.main_site is None
    assert [r.name for r in inventory.resources] == ["Lab", "Helpdesk"]
    assert "no company extension" in caplog.text


def test_a_number_listed_twice_is_shown_once() -> None:
    inventory = build_inventory(
        extensions=[COMPANY], numbers=[num("+1001", "CompanyNumber"), num("+1001", "CompanyNumber")]
    )

    assert inventory.main_site is not None and len(inventory.main_site.phone_numbers) == 1


def test_a_site_given_only_by_name_is_found_by_that_name() -> None:
    # The spec makes `site.id` optional: a menu or queue may name its site without an id.
    menu = ext(8, "IvrMenu", "Lab Night", {"name": "Lab"})
    queue = ext(9, "Department", "Lab Desk", {"name": "Lab"})
    hq_menu = ext(10, "IvrMenu", "HQ Night", {"name": "Whatever We Call HQ"})
    inventory = build_inventory(
        extensions=[COMPANY, SITE, menu, queue, hq_menu],
        numbers=[num("+1020", "DirectNumber", 8), num("+1021", "DirectNumber", 10)],
    )

    lab, main, desk = inventory.get("2"), inventory.main_site, inventory.get("9")
    assert lab is not None and [m.name for m in lab.ivr_menus] == ["Lab Night"]
    assert [n.phone_number for n in lab.phone_numbers] == ["+1020"]
    assert main is not None and [m.name for m in main.ivr_menus] == ["HQ Night"]
    assert [n.phone_number for n in main.phone_numbers] == ["+1021"]
    assert desk is not None and (desk.site_id, desk.site_name) == ("2", "Lab")


def test_a_number_listed_under_two_usage_types_is_shown_once() -> None:
    # e.g. read on two pages while an admin changed it: the main company number wins.
    inventory = build_inventory(
        extensions=[COMPANY],
        numbers=[num("+1001", "CompanyNumber"), num("+1001", "MainCompanyNumber")],
    )

    main = inventory.main_site
    assert main is not None
    assert [(n.phone_number, n.source) for n in main.phone_numbers] == [
        ("+1001", NumberSource.MAIN_COMPANY_NUMBER)
    ]
