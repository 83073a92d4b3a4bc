"""Phone numbers typed in any common format become E.164; North American ones read nicely."""

from __future__ import annotations

import pytest

from bot.services.phone import format_phone, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "(650) 555-0100",
        "+1 650 555 0100",
        "+1 (650) 555-0100",
        "6505550100",
        "16505550100",
        "1-650-555-0100",
        "650.555.0100",
        "+16505550100",
        "tel:+16505550100",
        " 650 555 0100 ",
        "(650) 555\u20130100",  # an en dash, as copied from a document
        "650\u2011555\u20110100",  # non-breaking hyphens
        "+1\u00a0650\u00a0555\u00a00100",  # non-breaking spaces
        "\uff16\uff15\uff10\uff15\uff15\uff15\uff10\uff11\uff10\uff10",  # full-width digits
    ],
)
def test_common_us_formats(typed: str) -> None:
    assert normalize_phone(typed) == "+16505550100"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("+44 20 7946 0958", "+442079460958"), ("0044 20 7946 0958", "+442079460958")],
)
def test_international_numbers(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize(
    "typed", ["104", "1001", "support", "650-555-010", "+1 650 555 0100 ext 5", "", "++1650555"]
)
def test_extension_numbers_names_and_fragments_are_not_phone_numbers(typed: str) -> None:
    assert normalize_phone(typed) is None


def test_formatting_for_people() -> None:
    assert format_phone("+16505550100") == "(650) 555-0100"
    assert format_phone("+442079460958") == "+442079460958"
