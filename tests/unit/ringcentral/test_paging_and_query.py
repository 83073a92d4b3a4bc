"""Query strings and the next-page rules, on hand-written pages."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ringcentral.client import build_query
from bot.ringcentral.paging import has_more_pages, same_origin, v1_next_page_uri


def test_a_plus_is_percent_encoded_and_repeated_keys_stay_repeated() -> None:
    query = build_query(
        [("phoneNumber", "+16505550100"), ("type", "Site"), ("type", "Department"), ("page", 2)]
    )

    assert query == "phoneNumber=%2B16505550100&type=Site&type=Department&page=2"


def test_spaces_ampersands_and_unicode_are_encoded() -> None:
    assert build_query([("q", "a b&c=d"), ("name", "Zoë")]) == "q=a%20b%26c%3Dd&name=Zo%C3%AB"


def test_an_empty_query_is_empty() -> None:
    assert build_query([]) == ""


def page(records: int, **paging: Any) -> dict[str, Any]:
    return {"records": [{"id": i} for i in range(records)], "paging": paging}


@pytest.mark.parametrize(
    ("answer", "number", "expected"),
    [
        (page(100, perPage=100, page=1, totalPages=3), 1, True),
        (page(100, perPage=100, page=3, totalPages=3), 3, False),
        (page(100, perPage=100, totalElements=250), 2, True),
        (page(50, perPage=100, totalElements=250), 3, False),
        (page(100, perPage=100), 1, True),  # totals omitted, a full page: ask for the next
        (page(99, perPage=100), 1, False),  # totals omitted, a short page: the last
        (page(0, perPage=100), 4, False),  # an empty page (RingCentral omits `page` then)
        ({"records": "oops"}, 1, False),
        ({}, 1, False),
    ],
)
def test_has_more_pages(answer: dict[str, Any], number: int, expected: bool) -> None:
    assert has_more_pages(answer, page_number=number, per_page=100) is expected


def test_the_server_clamped_page_size_wins_over_the_one_asked_for() -> None:
    # Asked for 5000, the server answers 1000 per page without totals: a full page is 1000.
    assert has_more_pages(page(1000, perPage=1000), page_number=1, per_page=5000) is True


def test_next_page_uri_is_read_only_when_present() -> None:
    assert v1_next_page_uri({"navigation": {"nextPage": {"uri": "https://x/y?page=2"}}}) == (
        "https://x/y?page=2"
    )
    assert v1_next_page_uri({"navigation": {"lastPage": {"uri": "https://x/y"}}}) is None
    assert v1_next_page_uri({"navigation": {"nextPage": {}}}) is None
    assert v1_next_page_uri({"navigation": None}) is None
    assert v1_next_page_uri({}) is None


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("https://platform.ringcentral.com/restapi/v1.0/x?page=2", True),
        ("https://platform.ringcentral.com:443/restapi/v1.0/x", True),
        ("HTTPS://platform.ringcentral.com/x", True),
        ("http://platform.ringcentral.com/x", False),
        ("https://evil.example/x", False),
        ("https://platform.ringcentral.com:8443/x", False),
    ],
)
def test_same_origin(url: str, same: bool) -> None:
    assert same_origin(url, "https://platform.ringcentral.com") is same
