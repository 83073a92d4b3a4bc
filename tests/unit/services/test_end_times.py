"""Ends of temporary changes: dates and times read in the person's Slack time zone, lengths,
the rule's longest change, and which notice is due when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import NoticeKind
from bot.services.end_times import (
    EndChoice,
    EndField,
    InvalidEndError,
    TemporaryEnd,
    duration_choices,
    duration_label,
    extended_end,
    is_time_zone,
    local_moment,
    local_text,
    notice_due,
    request_end,
    time_left,
)

LA = "America/Los_Angeles"
NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Monday 09:00 in Los Angeles (PST, UTC-8)


def problems(error: pytest.ExceptionInfo[InvalidEndError]) -> dict[EndField, str]:
    return error.value.problems


@pytest.mark.parametrize(
    ("day", "clock", "zone", "expected"),
    [
        ("2026-03-02", "18:00", LA, datetime(2026, 3, 3, 2, 0, tzinfo=UTC)),  # PST, UTC-8
        ("2026-03-09", "18:00", LA, datetime(2026, 3, 10, 1, 0, tzinfo=UTC)),  # PDT, UTC-7
        ("2026-03-02", "18:00", "Europe/Paris", datetime(2026, 3, 2, 17, 0, tzinfo=UTC)),
        ("2026-03-02", "18:00", "Asia/Kolkata", datetime(2026, 3, 2, 12, 30, tzinfo=UTC)),
        ("2026-03-02", "18:00", None, datetime(2026, 3, 2, 18, 0, tzinfo=UTC)),  # unknown: UTC
        ("2026-03-02", "18:00", "Mars/Olympus", datetime(2026, 3, 2, 18, 0, tzinfo=UTC)),
        # Clocks go back on 1 Nov 2026 at 02:00 PDT: 01:30 happens twice, the first is taken.
        ("2026-11-01", "01:30", LA, datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_a_date_and_time_are_read_in_the_time_zone(
    day: str, clock: str, zone: str | None, expected: datetime
) -> None:
    assert local_moment(day, clock, zone) == expected


def test_a_time_skipped_when_clocks_go_forward_is_refused() -> None:
    with pytest.raises(InvalidEndError) as error:  # 8 Mar 2026, 02:00 → 03:00 in Los Angeles
        request_end(EndChoice(date="2026-03-08", time="02:30", time_zone=LA), now=NOW, longest=None)
    assert problems(error) == {
        EndField.TIME: "02:30 does not exist on 2026-03-08 in America/Los_Angeles: the clocks go "
        "forward then. Pick another time."
    }


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from([LA, "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]),
)
def test_a_clock_time_read_in_a_zone_is_that_time_there(moment: datetime, zone: str) -> None:
    wall = moment.astimezone(ZoneInfo(zone))
    read = local_moment(f"{wall:%Y-%m-%d}", f"{wall:%H:%M}", zone)
    assert f"{read.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}" == f"{wall:%Y-%m-%d %H:%M}"
    # The same minute, or the first of two equal clock times when the clocks went back.
    earlier = moment.replace(second=0, microsecond=0) - read
    assert timedelta(0) <= earlier <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("name", "known"),
    [
        (LA, True),
        ("UTC", True),
        ("Etc/GMT+8", True),
        ("Mars/Olympus", False),
        ("../../etc/passwd", False),
        ("", False),
        ("A" * 65, False),
        (None, False),
        (42, False),
    ],
)
def test_time_zone_names(name: object, known: bool) -> None:
    assert is_time_zone(name) is known


def test_moments_are_written_as_the_clock_reads_there() -> None:
    moment = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    assert local_text(moment, LA) == "Mon 9 Mar 2026 18:00 PDT"
    assert local_text(moment, "Europe/Paris") == "Tue 10 Mar 2026 02:00 CET"
    assert local_text(moment, None) == "Tue 10 Mar 2026 01:00 UTC"


def test_nothing_picked_is_a_permanent_change() -> None:
    assert request_end(EndChoice(time_zone=LA), now=NOW, longest=timedelta(days=3)) is None


def test_an_end_in_the_requesters_time_zone() -> None:
    choice = EndChoice(date="2026-03-02", time="18:00", time_zone=LA)
    assert request_end(choice, now=NOW, longest=timedelta(days=3)) == TemporaryEnd(
        until=datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    )


def test_a_length_is_counted_once_applied() -> None:
    choice = EndChoice(duration="8h", time_zone=LA)
    assert request_end(choice, now=NOW, longest=timedelta(days=1)) == TemporaryEnd(
        length=timedelta(hours=8)
    )


@pytest.mark.parametrize(
    ("choice", "field", "message"),
    [
        (
            EndChoice(date="2026-03-02", time="08:59", time_zone=LA),
            EndField.DATE,
            "Mon 2 Mar 2026 08:59 PST has passed; pick a later end.",
        ),
        (
            EndChoice(date="2026-03-05", time="09:01", time_zone=LA),
            EndField.DATE,
            "The longest temporary change here is 3 days, counted from now: pick Thu 5 Mar 2026 "
            "09:00 PST or earlier.",
        ),
        (
            EndChoice(duration="1w", time_zone=LA),
            EndField.DURATION,
            "The longest temporary change here is 3 days; pick a shorter length.",
        ),
        (
            EndChoice(date="2026-03-03", time_zone=LA),
            EndField.TIME,
            "Pick a time on that day too (America/Los_Angeles time).",
        ),
        (EndChoice(time="18:00", time_zone=LA), EndField.DATE, "Pick a date for that time too."),
        (
            EndChoice(date="2026-03-03", time="18:00", duration="8h", time_zone=LA),
            EndField.DURATION,
            "Pick an end date and time, or a length of time, not both.",
        ),
        (
            EndChoice(duration="forever"),
            EndField.DURATION,
            "That length could not be read; pick it again.",
        ),
        (
            EndChoice(duration="9" * 40 + "w"),
            EndField.DURATION,
            "That length could not be read; pick it again.",
        ),
        (
            EndChoice(date="2026-02-30", time="18:00", time_zone=LA),
            EndField.DATE,
            "The date or time could not be read; pick them again.",
        ),
        (
            EndChoice(date="tomorrow", time="6pm", time_zone=LA),
            EndField.DATE,
            "The date or time could not be read; pick them again.",
        ),
    ],
)
def test_ends_that_are_refused_say_why_on_their_input(
    choice: EndChoice, field: EndField, message: str
) -> None:
    with pytest.raises(InvalidEndError) as error:
        request_end(choice, now=NOW, longest=timedelta(days=3))
    assert problems(error) == {field: message}


def test_the_longest_change_is_counted_from_when_it_took_effect_when_extending() -> None:
    started, current = NOW, NOW + timedelta(hours=8)
    kwargs = {"now": NOW + timedelta(hours=2), "started_at": started, "current_end": current}
    assert extended_end(
        EndChoice(duration="1d"), longest=timedelta(days=3), **kwargs
    ) == current + timedelta(days=1)
    assert extended_end(
        EndChoice(date="2026-03-05", time="09:00", time_zone=LA),
        longest=timedelta(days=3),
        **kwargs,
    ) == started + timedelta(days=3)
    with pytest.raises(InvalidEndError) as error:
        extended_end(
            EndChoice(date="2026-03-05", time="09:01", time_zone=LA),
            longest=timedelta(days=3),
            **kwargs,
        )
    assert problems(error) == {
        EndField.DATE: "The longest temporary change here is 3 days, counted from when it took "
        "effect (Mon 2 Mar 2026 09:00 PST): pick Thu 5 Mar 2026 09:00 PST or earlier."
    }
    with pytest.raises(InvalidEndError) as error:
        extended_end(
            EndChoice(date="2026-03-02", time="16:00", time_zone=LA), longest=None, **kwargs
        )
    assert problems(error) == {
        EndField.DATE: "Pick an end after the current one, Mon 2 Mar 2026 17:00 PST."
    }
    with pytest.raises(InvalidEndError):
        extended_end(EndChoice(), longest=None, **kwargs)


def test_lengths_offered_fit_the_rule() -> None:
    assert [duration_label(d) for d in duration_choices(timedelta(days=3))] == [
        "1 hour",
        "4 hours",
        "8 hours",
        "1 day",
        "2 days",
        "3 days",
    ]
    assert len(duration_choices(None)) == 9
    assert duration_label(timedelta(days=1, hours=12)) == "1 day 12 hours"
    assert duration_label(timedelta(weeks=2)) == "2 weeks"


@pytest.mark.parametrize(
    ("length", "now_before_end", "expected"),
    [
        (timedelta(days=3), timedelta(days=2), None),
        (timedelta(days=3), timedelta(hours=24), NoticeKind.DAY_BEFORE),
        (timedelta(days=3), timedelta(hours=2), NoticeKind.DAY_BEFORE),
        (timedelta(days=3), timedelta(minutes=60), NoticeKind.HOUR_BEFORE),
        (timedelta(days=3), timedelta(minutes=1), NoticeKind.HOUR_BEFORE),
        (timedelta(days=3), timedelta(0), None),  # the end itself: the revert says it
        (timedelta(hours=8), timedelta(hours=7), None),  # no day-before for 8 hours
        (timedelta(hours=8), timedelta(minutes=30), NoticeKind.HOUR_BEFORE),
        (timedelta(hours=1), timedelta(minutes=30), None),  # an hour: no hour-before either
        (timedelta(days=1), timedelta(hours=23), None),  # exactly a day: no day-before
    ],
)
def test_which_notice_is_due(
    length: timedelta, now_before_end: timedelta, expected: NoticeKind | None
) -> None:
    ends = NOW + length
    assert notice_due(NOW, ends, ends - now_before_end) is expected


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(seconds=20), "under a minute"),
        (timedelta(minutes=10), "10 minutes"),
        (timedelta(minutes=59), "about an hour"),
        (timedelta(hours=23, minutes=10), "about 23 hours"),
        (timedelta(days=3), "about 3 days"),
    ],
)
def test_time_left(left: timedelta, text: str) -> None:
    assert time_left(NOW, NOW + left) == text
