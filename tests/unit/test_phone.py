"""Phone numbers typed in any common format become E.164; shown one way in Slack and the CLI."""

from __future__ import annotations

import pytest

from bot.phone import format_phone, normalize_phone


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


def test_north_american_numbers_read_with_their_country_code() -> None:
    assert format_phone("+16505550100") == "+1 (650) 555-0100"


@pytest.mark.parametrize(
    "number",
    [
        "+442079460958",  # not North American: E.164 as it is
        "+1650555010",  # too short for a North American number
        "16505550100",  # not E.164: shown as it came
        "+1650555O100",  # a letter among the digits
    ],
)
def test_other_numbers_are_shown_as_they_are(number: str) -> None:
    assert format_phone(number) == number


@pytest.mark.parametrize("typed", ["(650) 555-0100", "650.555.0100", "+44 20 7946 0958"])
def test_what_people_type_reads_back_in_one_format(typed: str) -> None:
    e164 = normalize_phone(typed)
    assert e164 is not None
    assert format_phone(e164) in ("+1 (650) 555-0100", "+442079460958")
