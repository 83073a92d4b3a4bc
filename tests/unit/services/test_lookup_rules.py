"""Lookup ranking on hand-made resources (no RingCentral involved)."""

from __future__ import annotations

from bot.domain import IvrMenu, NumberSource, Resource, ResourceType, SharedNumber
from bot.services.lookup import (
    LookupStatus,
    describe,
    match_resource,
    normalize_name,
    strip_kind_words,
)

MAIN = Resource(
    id="1",
    type=ResourceType.MAIN_SITE,
    name="Main Site",
    extension_number="101",
    phone_numbers=(
        SharedNumber("+16505550100", NumberSource.MAIN_COMPANY_NUMBER),
        SharedNumber("+16505550110", NumberSource.IVR_MENU_DIRECT_NUMBER, "Welcome"),
    ),
    ivr_menus=(IvrMenu("9", "Welcome", "110"),),
)
QUEUE = ResourceType.CALL_QUEUE
WEST_SUPPORT = Resource(
    id="2", type=QUEUE, name="Support", extension_number="201", site_name="West"
)
EAST_SUPPORT = Resource(
    id="3", type=QUEUE, name="Support", extension_number="301", site_name="East"
)
SALES = Resource(id="4", type=QUEUE, name="Sales & Renewals", extension_number="104")
ALL = (MAIN, WEST_SUPPORT, EAST_SUPPORT, SALES)


def test_names_are_normalized_and_kind_words_dropped() -> None:
    assert normalize_name("  Queue--Support!! ") == "queue support"
    assert strip_kind_words("queue support") == "support"
    assert strip_kind_words("support call queue") == "support"
    assert strip_kind_words("queue") == "queue"  # never down to nothing


def test_two_queues_with_the_same_name_are_ambiguous() -> None:
    result = match_resource("support", ALL)

    assert result.status is LookupStatus.AMBIGUOUS
    assert {c.resource.id for c in result.candidates} == {"2", "3"}
    assert result.note is not None and "Support (call queue, ext 201)" in result.note
    assert "use the extension number" in result.note


def test_the_extension_number_settles_it() -> None:
    result = match_resource("301", ALL)

    assert result.resource is EAST_SUPPORT


def test_an_extension_number_beats_a_partial_name() -> None:
    result = match_resource("104", ALL)

    assert result.resource is SALES


def test_punctuation_in_names_does_not_matter() -> None:
    assert match_resource("sales renewals", ALL).resource is SALES
    assert match_resource("sales-&-renewals", ALL).resource is SALES


def test_a_main_site_literally_named_main_site_is_found_by_main() -> None:
    assert match_resource("main", ALL).resource is MAIN


def test_an_ivr_menu_number_leads_to_its_site_with_a_note() -> None:
    result = match_resource("650-555-0110", ALL)

    assert result.resource is MAIN
    assert result.note is not None and "IVR menu Welcome" in result.note


def test_describe_reads_naturally() -> None:
    assert describe(MAIN) == "Main Site (main site, ext 101)"
    assert describe(Resource(id="5", type=ResourceType.SITE, name="Lab")) == "Lab (site)"


def test_nothing_matches_lists_known_names_when_none_is_close() -> None:
    result = match_resource("qqqq", ALL)

    assert result.status is LookupStatus.NOT_FOUND
    assert result.note == (
        'Nothing matches "qqqq". Known resources: Main Site, Support, Sales & Renewals.'
    )


def test_an_extension_number_can_be_written_as_people_say_it() -> None:
    for query in ("ext 301", "Ext. 301", "extension 301", "x301", "X 301", "#301"):
        assert match_resource(query, ALL).resource is EAST_SUPPORT, query
    ivr = match_resource("ext 110", ALL)
    assert ivr.resource is MAIN
    assert ivr.note is not None and "Welcome is an IVR menu on Main Site" in ivr.note


def test_an_extension_number_no_resource_has_says_so() -> None:
    result = match_resource("ext 999", ALL)

    assert result.status is LookupStatus.NOT_FOUND
    assert result.note == (
        "No site, call queue or IVR menu has extension 999 "
        "(users' extensions have no SMS handlers of their own)."
    )
