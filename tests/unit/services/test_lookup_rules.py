"""Lookup ranking on hand-made resources (no RingCentral involved)."""

from __future__ import annotations

from bot.domain import IvrMenu, NumberSource, Resource, ResourceType, SharedNumber
from bot.services.lookup import (
    LookupStatus,
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
    assert result.note is not None and "Support (call queue, ext. 201)" in result.note
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


BOSTON = Resource(
    id="20",
    type=ResourceType.SITE,
    name="Boston Office",
    extension_number="200",
    ivr_menus=(IvrMenu("21", "Boston After Hours", "210"),),
)
ZURICH = Resource(id="30", type=ResourceType.SITE, name="Büro Zürich", extension_number="300")
SITE_1 = Resource(id="41", type=ResourceType.SITE, name="Site 001", extension_number="2001")
SITE_10 = Resource(id="42", type=ResourceType.SITE, name="Site 010", extension_number="2010")
PORTLAND = Resource(id="50", type=QUEUE, name="Portland Dispatch", extension_number="500")
MORE = (*ALL, BOSTON, ZURICH, SITE_1, SITE_10, PORTLAND)


def test_part_of_an_ivr_menus_name_leads_to_its_site_with_a_note() -> None:
    result = match_resource("after hours", MORE)

    assert result.resource is BOSTON
    assert result.note == (
        "Boston After Hours is an IVR menu on Boston Office: its numbers are handled by "
        "Boston Office's SMS handlers."
    )


def test_accents_and_case_do_not_matter() -> None:
    assert normalize_name("Büro ZÜRICH") == "buro zurich"
    assert match_resource("buro zurich", MORE).resource is ZURICH
    assert match_resource("Zürich", MORE).resource is ZURICH


def test_numbers_in_names_match_without_their_leading_zeros() -> None:
    assert match_resource("site 1", MORE).resource is SITE_1
    assert match_resource("Site 10", MORE).resource is SITE_10
    assert match_resource("site 001", MORE).resource is SITE_1


def test_the_best_kind_of_partial_match_wins() -> None:
    # "port" starts a word of Portland Dispatch, and is only inside "Support".
    assert match_resource("port", MORE).resource is PORTLAND


def test_a_fragment_of_one_or_two_characters_is_not_a_match() -> None:
    result = match_resource("es", MORE)

    assert result.status is LookupStatus.NOT_FOUND


def test_a_kind_alone_lists_the_resources_of_that_kind() -> None:
    queues = match_resource("queues", MORE)
    sites = match_resource("sites", MORE)

    assert queues.status is LookupStatus.AMBIGUOUS
    assert {c.resource.id for c in queues.candidates} == {"2", "3", "4", "50"}
    assert {c.resource.id for c in sites.candidates} == {"1", "20", "30", "41", "42"}


def test_a_name_containing_a_kind_word_beats_the_kind() -> None:
    call_center = Resource(id="60", type=QUEUE, name="Call Center", extension_number="600")
    result = match_resource("call", (*MORE, call_center))

    assert result.resource is call_center


def test_a_long_list_of_candidates_is_cut_short_in_the_message() -> None:
    many = tuple(
        Resource(id=str(i), type=QUEUE, name=f"Help {i:02d}", extension_number=str(i))
        for i in range(1, 31)
    )
    result = match_resource("help", many)

    assert len(result.candidates) == 30
    assert result.note == (
        'Several resources match "help": '
        + ", ".join(f"Help {i:02d} (call queue, ext. {i})" for i in range(1, 9))
        + " and 22 more. Be more specific, or use the extension number."
    )


def test_a_very_long_query_is_refused_without_repeating_it_whole() -> None:
    result = match_resource("support " * 100, ALL)

    assert result.status is LookupStatus.NOT_FOUND
    assert result.note is not None
    assert result.note.startswith('"support support')
    assert '…" is too long to be a name' in result.note
    assert len(result.note) < 200


def test_an_extension_number_nothing_has_says_so_even_without_ext() -> None:
    result = match_resource("1001", ALL)  # a user's extension, say

    assert result.note == (
        "No site, call queue or IVR menu has extension 1001 "
        "(users' extensions have no SMS handlers of their own)."
    )


def test_a_phone_number_without_its_area_code_asks_for_it() -> None:
    for query in ("555-0104", "555.0104", "555 0104"):
        result = match_resource(query, ALL)
        assert result.status is LookupStatus.NOT_FOUND
        assert result.note == (
            f'"{query}" looks like a phone number without its area code: '
            "type the whole number, like (650) 555-0100."
        )
