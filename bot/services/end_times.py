"""When a temporary change ends: what a person picked in Slack (a date and a time in their Slack
time zone, or a length of time), checked against now and the longest temporary change the rule
allows; the notice due before an end; and moments written out for people in a time zone.

Pure functions: the caller gives `now`. A date and a time of day are read in the time zone the
time picker showed (the person's Slack time zone, from users.info). A time that does not exist
that day (clocks going forward) is refused; a time that happens twice (clocks going back) is the
first of the two, the shorter change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import NoticeKind
from bot.errors import SmsHandlersError
from bot.policy.durations import DurationError, parse_duration

# The lengths the request modal offers (those within the rule's longest are shown).
DURATION_CHOICES = (
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(days=1),
    timedelta(days=2),
    timedelta(days=3),
    timedelta(weeks=1),
    timedelta(weeks=2),
    timedelta(weeks=4),
)
# Extend's choices of "by how much".
EXTENSION_CHOICES = (
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(weeks=1),
)
TIME_ZONE_MAX_LENGTH = 64
DURATION_MAX_LENGTH = 16
NOTICES = (NoticeKind.DAY_BEFORE, NoticeKind.HOUR_BEFORE)  # longest lead first

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}")
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


class EndField(StrEnum):
    """The inputs of an end: a date and a time, or a length."""

    DATE = "date"
    TIME = "time"
    DURATION = "duration"


class InvalidEndError(SmsHandlersError):
    """The end picked cannot be used; `problems` says which input has which problem."""

    def __init__(self, problems: dict[EndField, str]) -> None:
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))


@dataclass(frozen=True)
class EndChoice:
    """What a person picked, as Slack sends it: a date (YYYY-MM-DD) and a time (HH:mm) read in
    `time_zone`, and/or a length (`8h`, as the menu's option values are written)."""

    date: str | None = None
    time: str | None = None
    time_zone: str | None = None
    duration: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.date or self.time or self.duration)


@dataclass(frozen=True)
class TemporaryEnd:
    """A temporary request's end: a moment, or a length counted from when it is applied."""

    until: datetime | None = None
    length: timedelta | None = None


def is_time_zone(name: object) -> TypeGuard[str]:
    """Whether `name` is an IANA time zone name this system knows (`America/Los_Angeles`)."""
    if not isinstance(name, str) or len(name) > TIME_ZONE_MAX_LENGTH:
        return False
    if not _ZONE.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_of(name: str | None) -> tzinfo:
    """The time zone named, or UTC when it is unknown."""
    return ZoneInfo(name) if name and is_time_zone(name) else UTC


def zone_label(name: str | None) -> str:
    """How a time zone is named to people: its IANA name, or UTC."""
    return name if name and is_time_zone(name) else "UTC"


def local_text(moment: datetime, time_zone: str | None) -> str:
    """`Tue 10 Mar 2026 18:00 PDT`: a moment as the clock reads in a time zone."""
    local = moment.astimezone(zone_of(time_zone))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname() or 'UTC'}"


def local_moment(day: str, clock: str, time_zone: str | None) -> datetime:
    """The moment a date and a time of day name in a time zone, in UTC. ValueError when they
    cannot be read, or the time does not exist that day there (clocks going forward); a time
    that happens twice is the first of the two."""
    if not _DATE.fullmatch(day) or not _TIME.fullmatch(clock):
        raise ValueError(f"{day!r:.20} {clock!r:.20} is not a date and a time")
    wall = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    zone = zone_of(time_zone)
    local = wall.replace(tzinfo=zone, fold=0)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        raise NonexistentTimeError(f"{clock} does not exist on {day} in {zone_label(time_zone)}")
    return moment


class NonexistentTimeError(ValueError):
    """A wall-clock time skipped when the clocks go forward."""


def duration_choices(longest: timedelta | None) -> tuple[timedelta, ...]:
    """The lengths to offer when the rule allows temporary changes up to `longest`."""
    return tuple(d for d in DURATION_CHOICES if longest is None or d <= longest)


def extension_choices(room: timedelta) -> tuple[timedelta, ...]:
    """The "extend by" lengths that fit in `room` (what is left of the longest change)."""
    return tuple(d for d in EXTENSION_CHOICES if d <= room)


def duration_label(length: timedelta) -> str:
    """`1 hour`, `8 hours`, `1 day`, `2 weeks`, `1 day 12 hours`."""
    minutes = int(length.total_seconds() // 60)
    weeks, rest = divmod(minutes, 7 * 24 * 60)
    if weeks and not rest:
        return _count(weeks, "week")
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [_count(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))]
    return " ".join(p for p in parts if p) or "0 minutes"


def _count(n: int, unit: str) -> str:
    return "" if not n else f"{n} {unit}{'' if n == 1 else 's'}"


def _read_duration(value: str) -> timedelta:
    if len(value) > DURATION_MAX_LENGTH:
        raise DurationError(f"{value[:DURATION_MAX_LENGTH]!r} is too long")
    return parse_duration(value)


def _picked_moment(choice: EndChoice) -> datetime:
    """The date and time picked, as a moment; InvalidEndError when only one was picked or
    they cannot be used."""
    zone = zone_label(choice.time_zone)
    if choice.date and not choice.time:
        raise InvalidEndError({EndField.TIME: f"Pick a time on that day too ({zone} time)."})
    if choice.time and not choice.date:
        raise InvalidEndError({EndField.DATE: "Pick a date for that time too."})
    assert choice.date and choice.time
    try:
        return local_moment(choice.date, choice.time, choice.time_zone)
    except NonexistentTimeError:
        raise InvalidEndError(
            {
                EndField.TIME: f"{choice.time} does not exist on {choice.date} in {zone}: the "
                "clocks go forward then. Pick another time."
            }
        ) from None
    except ValueError:
        raise InvalidEndError(
            {EndField.DATE: "The date or time could not be read; pick them again."}
        ) from None


def _too_long(longest: timedelta, latest: datetime, time_zone: str | None, counted: str) -> str:
    return (
        f"The longest temporary change here is {duration_label(longest)}, counted from "
        f"{counted}: pick {local_text(latest, time_zone)} or earlier."
    )


def request_end(
    choice: EndChoice, *, now: datetime, longest: timedelta | None
) -> TemporaryEnd | None:
    """The end of a new request (None: a permanent change), checked: in the future, within
    the rule's `longest` temporary change (counted from now: it cannot start earlier).
    InvalidEndError says what is wrong with which input."""
    if choice.empty:
        return None
    if choice.duration and (choice.date or choice.time):
        raise InvalidEndError(
            {EndField.DURATION: "Pick an end date and time, or a length of time, not both."}
        )
    if choice.duration:
        try:
            length = _read_duration(choice.duration)
        except DurationError:
            raise InvalidEndError(
                {EndField.DURATION: "That length could not be read; pick it again."}
            ) from None
        if longest is not None and length > longest:
            raise InvalidEndError(
                {
                    EndField.DURATION: f"The longest temporary change here is "
                    f"{duration_label(longest)}; pick a shorter length."
                }
            )
        return TemporaryEnd(length=length)
    until = _picked_moment(choice)
    if until <= now:
        raise InvalidEndError(
            {EndField.DATE: f"{local_text(until, choice.time_zone)} has passed; pick a later end."}
        )
    if longest is not None and until - now > longest:
        raise InvalidEndError(
            {EndField.DATE: _too_long(longest, now + longest, choice.time_zone, "now")}
        )
    return TemporaryEnd(until=until)


def extended_end(
    choice: EndChoice,
    *,
    now: datetime,
    longest: timedelta | None,
    started_at: datetime,
    current_end: datetime,
) -> datetime:
    """A running change's new end: the date and time picked, or the current end plus the
    length picked; later than the current end and now, and within `longest` counted from when
    the change took effect (`started_at`). InvalidEndError otherwise."""
    if choice.empty:
        raise InvalidEndError({EndField.DATE: "Pick a new end, or a length to extend it by."})
    if choice.duration and (choice.date or choice.time):
        raise InvalidEndError(
            {EndField.DURATION: "Pick a new end date and time, or a length, not both."}
        )
    if choice.duration:
        try:
            until = current_end + _read_duration(choice.duration)
        except DurationError:
            raise InvalidEndError(
                {EndField.DURATION: "That length could not be read; pick it again."}
            ) from None
        field = EndField.DURATION
    else:
        until = _picked_moment(choice)
        field = EndField.DATE
    if until <= max(current_end, now):
        raise InvalidEndError(
            {
                field: "Pick an end after the current one, "
                f"{local_text(max(current_end, now), choice.time_zone)}."
            }
        )
    if longest is not None and until - started_at > longest:
        counted = f"when it took effect ({local_text(started_at, choice.time_zone)})"
        raise InvalidEndError(
            {field: _too_long(longest, started_at + longest, choice.time_zone, counted)}
        )
    return until


def latest_end(started_at: datetime, longest: timedelta | None) -> datetime | None:
    """The latest a change that took effect at `started_at` may be extended to."""
    return None if longest is None else started_at + longest


def notice_due(started_at: datetime, ends_at: datetime, now: datetime) -> NoticeKind | None:
    """The notice to send now about a change running from `started_at` to `ends_at`: a day
    before and an hour before the end, each only when the change lasts longer than that. When
    both are due (the bot was stopped meanwhile), only the hour's is."""
    if now >= ends_at:
        return None
    due = [
        kind for kind in NOTICES if ends_at - started_at > kind.lead and now >= ends_at - kind.lead
    ]
    return due[-1] if due else None


def time_left(now: datetime, ends_at: datetime) -> str:
    """`about 23 hours`, `about an hour`, `10 minutes`, `under a minute`."""
    minutes = int((ends_at - now).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 55:
        return _count(minutes, "minute")
    hours = round(minutes / 60)
    if hours <= 1:
        return "about an hour"
    if hours < 36:
        return f"about {hours} hours"
    return f"about {round(hours / 24)} days"
