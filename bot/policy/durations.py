"""Durations of the policy file: `30m`, `4h`, `2d`, `1w`, or several units at once (`1d12h`)."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
_PART = re.compile(r"(\d+)([wdhm])")
_WHOLE = re.compile(r"(?:\d+[wdhm])+")
EXAMPLES = "like 30m, 4h, 2d, 1w or 1d12h"


class DurationError(ValueError):
    """Text that is not a duration; the message says why."""


def parse_duration(text: str) -> timedelta:
    """`4h` → 4 hours. Units from the largest down, each at most once; never zero."""
    cleaned = text.strip().lower()
    if not _WHOLE.fullmatch(cleaned):
        if cleaned.isdigit():
            raise DurationError(f"'{text}' needs a unit ({EXAMPLES})")
        raise DurationError(f"'{text}' is not a duration {EXAMPLES}")
    parts = _PART.findall(cleaned)
    order = [unit for _, unit in parts]
    if order != sorted(set(order), key=list(UNITS).index):
        raise DurationError(f"'{text}' repeats a unit or puts a smaller unit before a larger one")
    total = sum((int(amount) * UNITS[unit] for amount, unit in parts), timedelta())
    if total <= timedelta():
        raise DurationError(f"'{text}' is zero; give a duration {EXAMPLES}")
    return total


def format_duration(value: timedelta) -> str:
    """4 hours → `4h`; 36 hours → `1d12h` (weeks are shown as days)."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return text or "0m"
