from __future__ import annotations

from datetime import timedelta

import pytest

from bot.policy.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("30m", timedelta(minutes=30), "30m"),
        ("4h", timedelta(hours=4), "4h"),
        ("2d", timedelta(days=2), "2d"),
        ("1w", timedelta(days=7), "7d"),
        ("1d12h", timedelta(hours=36), "1d12h"),
        (" 90M ", timedelta(minutes=90), "1h30m"),
        ("1w2d3h4m", timedelta(days=9, hours=3, minutes=4), "9d3h4m"),
    ],
)
def test_durations_read_and_shown(text: str, expected: timedelta, shown: str) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == shown


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("30", "'30' needs a unit (like 30m, 4h, 2d, 1w or 1d12h)"),
        ("4 hours", "'4 hours' is not a duration like 30m, 4h, 2d, 1w or 1d12h"),
        ("30s", "'30s' is not a duration like 30m, 4h, 2d, 1w or 1d12h"),
        ("", "'' is not a duration like 30m, 4h, 2d, 1w or 1d12h"),
        ("-1h", "'-1h' is not a duration like 30m, 4h, 2d, 1w or 1d12h"),
        ("0h", "'0h' is zero; give a duration like 30m, 4h, 2d, 1w or 1d12h"),
        ("4h1d", "'4h1d' repeats a unit or puts a smaller unit before a larger one"),
        ("1h1h", "'1h1h' repeats a unit or puts a smaller unit before a larger one"),
    ],
)
def test_what_is_not_a_duration_says_why(text: str, problem: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert str(caught.value) == problem
