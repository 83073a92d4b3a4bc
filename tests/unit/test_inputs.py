"""What ids and numbers from outside the bot must look like."""

from __future__ import annotations

import pytest

from bot.inputs import MAX_ROW_ID, is_ringcentral_id, is_slack_id, request_id, whole_number


@pytest.mark.parametrize(
    ("raw", "expected"), [("7", 7), ("0042", 42), (7, 7), (MAX_ROW_ID, MAX_ROW_ID)]
)
def test_request_ids_are_positive_whole_numbers(raw: object, expected: int) -> None:
    assert request_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "0", "-1", "+1", " 1", "1 ", "1.0", "١", "²", "0x10", str(MAX_ROW_ID + 1), "9" * 40,
     None, True, 1.0, ["1"], {"id": 1}, 0, -5, MAX_ROW_ID + 1],
)  # fmt: skip
def test_anything_else_is_no_request_id(raw: object) -> None:
    assert request_id(raw) is None


def test_a_whole_number_has_its_own_maximum() -> None:
    assert whole_number("10", maximum=10) == 10
    assert whole_number("11", maximum=10) is None


@pytest.mark.parametrize("raw", ["4001", "62264425008", "9" * 19])
def test_ringcentral_ids_are_up_to_nineteen_digits(raw: str) -> None:
    assert is_ringcentral_id(raw)


@pytest.mark.parametrize("raw", ["", "9" * 20, "40 01", "4001\n", "४००१", "-4001", 4001, None])
def test_anything_else_is_no_ringcentral_id(raw: object) -> None:
    assert not is_ringcentral_id(raw)


def test_slack_ids_are_capitals_and_digits() -> None:
    assert is_slack_id("C0GENERAL") and is_slack_id("U0ALEX")
    assert not is_slack_id("c0general") and not is_slack_id("<#C0GENERAL>") and not is_slack_id(1)
