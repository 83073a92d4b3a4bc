"""What a person types resolves to one resource, to ranked candidates, or to a clear no."""

from __future__ import annotations

import pytest

from bot.services.directory import Directory
from bot.services.lookup import LookupStatus


@pytest.mark.parametrize(
    "query",
    [
        "queue-support",
        "support",
        "Support",
        "Support Queue",
        "  SUPPORT  ",
        "104",
        "ext 104",
        "x104",
        "(650) 555-0104",
        "+1 650 555 0104",
        "+16505550104",
        "6505550104",
        "1-650-555-0104",
        "650.555.0104",
    ],
)
async def test_every_common_way_of_naming_the_support_queue_finds_it(
    rc_directory: Directory, query: str
) -> None:
    result = await rc_directory.lookup(query=query)

    assert result.status is LookupStatus.FOUND
    assert result.resource is not None and result.resource.id == "4001"


@pytest.mark.parametrize("query", ["main", "main site", "Main-Site", "Acme Corp HQ", "101"])
async def test_the_main_site_answers_to_main_and_to_its_own_name(
    rc_directory: Directory, query: str
) -> None:
    result = await rc_directory.lookup(query=query)

    assert result.resource is not None and result.resource.id == "1000"


@pytest.mark.parametrize(
    ("query", "site"),
    [
        ("Main Menu", "Acme Corp HQ"),
        ("110", "Acme Corp HQ"),
        ("boston after hours", "Boston Office"),
        ("(617) 555-0121", "Boston Office"),
    ],
)
async def test_an_ivr_menu_leads_to_its_site_and_says_so(
    rc_directory: Directory, query: str, site: str
) -> None:
    result = await rc_directory.lookup(query=query)

    assert result.resource is not None and result.resource.name == site
    assert result.note is not None
    assert "IVR menu" in result.note and site in result.note


async def test_an_ambiguous_query_returns_ranked_candidates(rc_directory: Directory) -> None:
    result = await rc_directory.lookup(query="office")

    assert result.status is LookupStatus.AMBIGUOUS
    assert result.resource is None
    assert [c.resource.name for c in result.candidates] == ["Boston Office", "Denver Office"]
    assert result.note is not None and "Boston Office" in result.note
    assert "Denver Office" in result.note


async def test_a_prefix_shared_by_two_queues_is_ambiguous(rc_directory: Directory) -> None:
    result = await rc_directory.lookup(query="supp")

    assert result.status is LookupStatus.AMBIGUOUS
    assert {c.resource.name for c in result.candidates} == {"Support", "Support Escalations"}


async def test_a_unique_partial_name_is_enough(rc_directory: Directory) -> None:
    result = await rc_directory.lookup(query="escalations")

    assert result.resource is not None and result.resource.name == "Support Escalations"


async def test_an_unknown_name_says_nothing_matches_and_offers_the_closest(
    rc_directory: Directory,
) -> None:
    result = await rc_directory.lookup(query="Suport")

    assert result.status is LookupStatus.NOT_FOUND
    assert result.note is not None and result.note.startswith('Nothing matches "Suport"')
    assert "Support" in result.note
    assert result.candidates and result.candidates[0].resource.name == "Support"


async def test_gibberish_matches_nothing(rc_directory: Directory) -> None:
    result = await rc_directory.lookup(query="zzzz-qqq")

    assert result.status is LookupStatus.NOT_FOUND
    assert result.resource is None
    assert result.note is not None and 'Nothing matches "zzzz-qqq"' in result.note


@pytest.mark.parametrize(
    "number",
    [
        "+16505550199",  # FaxOnly company number
        "(617) 555-0195",  # FaxOnly direct number of Sales
        "650 555 1001",  # Ava Chen's direct number
        "+16505550901",  # Inventory (unassigned)
    ],
)
async def test_numbers_that_are_not_shared_sms_numbers_resolve_to_nothing(
    rc_directory: Directory, number: str
) -> None:
    result = await rc_directory.lookup(query=number)

    assert result.status is LookupStatus.NOT_FOUND
    assert result.note is not None and "not a shared SMS number" in result.note


async def test_an_empty_query_asks_for_something(rc_directory: Directory) -> None:
    result = await rc_directory.lookup(query="   ")

    assert result.status is LookupStatus.NOT_FOUND
    assert result.note == "Type a resource name, an extension number or a phone number."
